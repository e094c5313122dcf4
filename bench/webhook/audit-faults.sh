#!/usr/bin/env bash
# bench/webhook/audit-faults.sh: the audit log's sinks failing under load. Each scenario runs `brguard webhook --dev`
# from the jar (the Deployment's JVM flags) with ordinary reviews (Hostile.java, no attack) and checks: every review
# answered 200 within 1 s; every decision either in the audit log as a whole line or counted in
# brguard_audit_lines_lost_total; no torn line; the sink writing again afterwards.
#   stdout-stall   stdout is a pipe whose reader stops for 20 s (a stalled log collector)
#   stdout-full    stdout is /dev/full (a full disk under the container runtime's log file)
#   file-full      --audit-file on a tmpfs filled up part way through, then given room again (needs root)
#   rotate         --audit-file renamed away part way through (logrotate's create mode)
#   torn-restart   --audit-file that ends in half a line, as a process killed mid-write leaves it
# Usage: bench/webhook/audit-faults.sh [SECONDS of load, default 40] [REVIEWS a second, default 200]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-40}; rps=${2:-200}; port=${PORT:-18443}; health=${HEALTH_PORT:-18080}
scenarios=${SCENARIOS:-"stdout-stall stdout-full file-full rotate torn-restart"}
body=bench/webhook/request-apiserver.json
jar=${JAR:-cli/target/brguard.jar} # JAR=another build to compare with (e.g. the commit before)
source bench/lib.sh
ports_free "$port" "$health"
webhook_deployment_jvm
[ -n "${JAR:-}" ] || ./brguard --version >/dev/null
javac -d "$work/cls" bench/webhook/LoadGen.java bench/webhook/Hostile.java
load() { java -cp "$work/cls" Hostile 127.0.0.1 "$port" certs/dev/ca.crt "$body" "$secs" "$rps" none 0; }
metric() { curl -s "http://127.0.0.1:$health/metrics" | awk -v m="$1" 'index($0, m) == 1 {s += $2} END {printf "%d", s}'; }
ready() { until curl -sf "http://127.0.0.1:$health/readyz" >/dev/null 2>&1; do kill -0 "$1" || { tail -20 "$work/err"; exit 1; }; sleep 0.1; done; }
whole() { # file -> "N whole lines, M not whole"
  local n bad
  n=$(grep -c '' "$1" || true)
  bad=$(jq -cR 'fromjson? | objects | select(has("decision")) | 1' "$1" | wc -l)
  echo "$n lines, $((n - bad)) not whole audit records, last byte $(tail -c1 "$1" | od -An -c | tr -d ' ')"
}
report() { # name, lines written (where the scenario writes)
  local m; m=$(curl -s "http://127.0.0.1:$health/metrics")
  echo "  $1: said: $(grep -o 'the audit [a-z ]*' "$work/err" | sort | uniq -c | sed 's/^ *//' | tr '\n' ';')"
  echo "  $1: load average $(machine_load)"
  echo "  $1: decisions $(metric brguard_admission_duration_seconds_count); audit lines $2; lost (brguard_audit_lines_lost_total) $(metric brguard_audit_lines_lost_total); $(echo "$m" | awk '/^brguard_audit_(sink_writing|queue_bytes|lines_lost_total)/ && $2 != "0.0" {printf "%s=%s ", $1, $2}')$(echo "$m" | awk '/^brguard_admission_overload_total/ {printf "%s=%s ", $1, $2}'); /healthz $(curl -s "http://127.0.0.1:$health/healthz")"
}
run() { # extra webhook args... ; stdout is set by the caller's redirection
  java "${flags[@]}" -jar "$jar" webhook --dev --objects examples/cluster --port "$port" --health-port "$health" "$@" 2>"$work/err" &
}
echo "machine: $(nproc) cores; JVM flags: ${flags[*]}; $rps reviews/s for ${secs}s per scenario"
for sc in $scenarios; do
  case "$sc" in
    stdout-stall)
      mkfifo "$work/pipe"
      # The reader: a process that stops reading for 20 s (SIGSTOP), 10 s into the recorded load (after the 10 s warm-up).
      cat "$work/pipe" >"$work/stdout.jsonl" & reader=$!; pids+=("$reader")
      run >"$work/pipe"; pid=$!; pids+=("$pid"); ready "$pid"
      ( sleep 20; kill -STOP "$reader" || true; sleep 20; kill -CONT "$reader" || true ) & pids+=($!)
      echo "stdout-stall: $(load)"
      sleep 3; report "stdout-stall" "$(jq -R 'fromjson? | objects | select(has("decision")) | 1' "$work/stdout.jsonl" | wc -l)"
      echo "  stdout: $(whole "$work/stdout.jsonl")"
      kill "$pid" || true; wait "$pid" 2>/dev/null || true; kill "$reader" 2>/dev/null || true; rm -f "$work/pipe";;
    stdout-full)
      run >/dev/full; pid=$!; pids+=("$pid"); ready "$pid"
      echo "stdout-full: $(load)"
      sleep 2; report "stdout-full" 0
      kill "$pid" || true; wait "$pid" 2>/dev/null || true;;
    file-full)
      mkdir -p "$work/full"; mount -t tmpfs -o size=32m tmpfs "$work/full"
      run --audit-file "$work/full/audit.jsonl" >/dev/null; pid=$!; pids+=("$pid"); ready "$pid"
      # Fill the disk 5 s into the recorded load, give it room again 20 s later.
      ( sleep 15; dd if=/dev/zero of="$work/full/filler" bs=4k 2>/dev/null || true; sleep 20; rm -f "$work/full/filler" ) & pids+=($!)
      echo "file-full: $(load)"
      sleep 3; report "file-full" "$(grep -c '' "$work/full/audit.jsonl")"
      echo "  file: $(whole "$work/full/audit.jsonl")"
      kill "$pid" || true; wait "$pid" 2>/dev/null || true; umount "$work/full";;
    rotate)
      run --audit-file "$work/audit.jsonl" >/dev/null; pid=$!; pids+=("$pid"); ready "$pid"
      ( sleep 20; mv "$work/audit.jsonl" "$work/audit.jsonl.1" ) & pids+=($!)
      echo "rotate: $(load)"
      sleep 3; report "rotate" "$(( $(grep -c '' "$work/audit.jsonl.1") + $(grep -c '' "$work/audit.jsonl" 2>/dev/null || echo 0) ))"
      echo "  renamed: $(whole "$work/audit.jsonl.1"); new: $(whole "$work/audit.jsonl")"
      kill "$pid" || true; wait "$pid" 2>/dev/null || true; rm -f "$work"/audit.jsonl*;;
    torn-restart)
      printf '{"log":"brguard-audit","time":"2026-12-01T00:00:00Z","uid":"whole","decision":"allowed"}\n{"log":"brguard-audit","ti' >"$work/audit.jsonl"
      run --audit-file "$work/audit.jsonl" >/dev/null; pid=$!; pids+=("$pid"); ready "$pid"
      echo "torn-restart: $(load)"
      sleep 2; report "torn-restart" "$(( $(grep -c '' "$work/audit.jsonl") - 1 ))"
      echo "  file: $(whole "$work/audit.jsonl")"
      kill "$pid" || true; wait "$pid" 2>/dev/null || true; rm -f "$work"/audit.jsonl*;;
    *) echo "unknown scenario $sc" >&2; exit 2;;
  esac
done
