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

# A scratch folder in $work, and every process whose pid is added to pids, are removed when the script ends,
# whether it finishes, fails or is interrupted.
work=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$work"; }
trap cleanup EXIT
trap 'exit 143' TERM INT  # so that the EXIT trap runs (and kills what we started) on a signal too
