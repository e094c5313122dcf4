#!/usr/bin/env bash
# bench/check/summary.sh: what a long check prints, and what it says while it runs. N generated Backups (default
# 96,000, generate.sh) are checked through the ./brguard launcher as CI calls it, in each output mode, with and
# without --objects (without it every Backup lists its Secret and Cluster as not checked, the longest output).
# Wall and CPU time (user + sys) and peak RSS from /usr/bin/time, the size of stdout, and the lines --progress
# wrote to stderr (not a terminal here: one line per phase and one every five seconds); of ROUNDS runs per row, the
# one with the median wall time. Prints a Markdown table.
# Usage: bench/check/summary.sh [N, default 96000] [ROUNDS, default 3]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-96000}
rounds=${2:-3}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
./brguard --version >/dev/null    # builds the jar first if needed, outside the timed runs
bench/check/generate.sh "$work/tree" "$n" >/dev/null
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); $n Backups, median of $rounds runs"
echo
echo "| objects | mode | wall s | CPU s | peak RSS MiB | stdout KiB | stderr lines | exit |"
echo "|---|---|---|---|---|---|---|---|"
for objects in no yes; do
  extra=()
  [ "$objects" = yes ] && extra=(--objects "$work/tree/objects")
  for mode in "table" "--summary" "-o json" "-o json --summary" "--progress" "--progress -o json --summary"; do
    args=()
    [ "$mode" != table ] && read -r -a args <<<"$mode"
    : >"$work/rows"
    for ((r = 1; r <= rounds; r++)); do
      code=0
      /usr/bin/time -f "%e %U %S %M" -o "$work/time" ./brguard check "${args[@]}" "${extra[@]}" "$work/tree/backups" \
        >"$work/out" 2>"$work/err" || code=$?
      read -r wall user sys rss < <(tail -1 "$work/time")
      echo "$wall $(echo "$user + $sys" | bc) $((rss / 1024)) $(( $(stat -c %s "$work/out") / 1024 )) $(wc -l <"$work/err") $code" >>"$work/rows"
    done
    read -r wall cpu rss out errlines code < <(sort -n "$work/rows" | sed -n "$(( (rounds + 1) / 2 ))p")
    printf '| %s | `%s` | %s | %s | %s | %s | %s | %s |\n' "$objects" "$mode" "$wall" "$cpu" "$rss" "$out" "$errlines" "$code"
    if [ "$mode" = "--progress" ] && [ "$objects" = yes ]; then cp "$work/err" "$work/progress.txt"; fi
  done
done
echo
echo "stderr of \`--progress\` with --objects:"
sed 's/^/    /' "$work/progress.txt"
