#!/usr/bin/env bash
# brguard check on 1,000 Backup files, wall time including JVM start, through the ./brguard launcher
# (the way a CI job calls it). Prints every run and the median. Usage: bench/check/run.sh [RUNS] [FILES]
set -euo pipefail
cd "$(dirname "$0")/../.."
runs=${1:-7}
files=${2:-1000}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
bench/check/generate.sh "$work" "$files" >/dev/null
./brguard --version >/dev/null    # builds the jar first if needed, outside the timed runs
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1)"
times=()
for ((r = 1; r <= runs; r++)); do
  start=$(date +%s.%N)
  ./brguard check --objects "$work/objects" "$work/backups" >"$work/out.txt"
  end=$(date +%s.%N)
  t=$(echo "$end - $start" | bc)
  times+=("$t")
  printf 'run %d: %.2f s\n' "$r" "$t"
done
tail -1 "$work/out.txt"
median=$(printf '%s\n' "${times[@]}" | sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')
printf 'median of %d runs, %d files: %.2f s (target <= 3 s)\n' "$runs" "$files" "$median"
/usr/bin/time -f "peak RSS of one run: %M KiB" ./brguard check --objects "$work/objects" "$work/backups" >/dev/null
