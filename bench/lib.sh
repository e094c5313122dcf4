# Sourced by the bench/*/*.sh scripts, from the repository root.

# The JVM flags of a Deployment's JAVA_TOOL_OPTIONS (memory, GC, JIT), so that a benchmark measures what is
# deployed. Comment lines are skipped. The image's CDS archive path and -Xshare are left out: the scripts build
# their own archive.
deployment_jvm_flags() { # manifest file -> flags on stdout; fails when there are none
  local found
  found=$(awk '/name: JAVA_TOOL_OPTIONS/ {on = 1; next} on && /^ *#/ {next} on && /^ *[a-z]+:/ && !/value:/ {exit} on {print}' "$1" \
    | tr ' ' '\n' | grep -- '^-XX:\|^-Xm\|^-Xss' | grep -v 'SharedArchiveFile' | tr '\n' ' ')
  [ -n "$found" ] || { echo "no JVM flags found in $1" >&2; return 1; }
  echo "$found"
}

# The Deployment's MALLOC_ARENA_MAX (an environment variable, not a JVM flag), exported for every JVM the script
# starts, or left as it is when the Deployment does not set it.
deployment_malloc_arenas() { # manifest file
  local v
  v=$(awk '/name: MALLOC_ARENA_MAX/ {on = 1; next} on && /value:/ {gsub(/[^0-9]/, "", $0); print; exit}' "$1")
  if [ -n "$v" ]; then export MALLOC_ARENA_MAX=$v; fi
}

# The webhook Deployment's JVM flags into the array `flags`, and its MALLOC_ARENA_MAX exported: what every webhook
# benchmark starts the jar with.
webhook_deployment_jvm() {
  read -r -a flags <<<"$(deployment_jvm_flags manifests/base/webhook-deployment.yaml)"
  deployment_malloc_arenas manifests/base/webhook-deployment.yaml
}

# A scratch folder in $work, and every process whose pid is added to pids, are removed when the script ends,
# whether it finishes, fails or is interrupted.
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 143' TERM INT  # so that the EXIT trap runs (and kills what we started) on a signal too

# Rounds: each script appends one line per round to $work/rounds.txt; median picks one number out of every line
# (a sed expression that leaves just that number) and prints their median.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a / b}'; }
median() { sed "$1" "$work/rounds.txt" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }

# Fails the script when one of the ports is taken (another bench, another build's server): a run against the
# wrong process measures nothing.
ports_free() { # port...
  local p
  for p in "$@"; do
    if ss -ltn | grep -q ":$p "; then echo "port $p is taken (another bench?); choose others with PORT=..." >&2; exit 2; fi
  done
}

# The load average, to be printed beside results: on a shared machine other builds share the cores.
machine_load() { cut -d' ' -f1-3 /proc/loadavg; }
