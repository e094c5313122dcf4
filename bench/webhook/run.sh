#!/usr/bin/env bash
# bench/webhook: brguard's /validate against a bare Javalin TLS endpoint with a canned answer, same JVM flags,
# same TLS setup, one run each, load generator on the same machine (bench/webhook/LoadGen.java).
# Measures: max throughput (closed loop), p50/p99 at a fixed 1,000 req/s (open loop), peak RSS under load,
# and time from process start to /readyz 200 (without and with an AppCDS archive, as the Dockerfile builds it).
# Usage: bench/webhook/run.sh [SECONDS per load phase, default 10] [CONNECTIONS for max, default 16] [ROUNDS, default 5]
# BENCH_FLAGS replaces the Deployment's JVM flags for every server (e.g. to try C1 only); WARM_UP sets the seconds of
# load each server gets before the rounds (default 60: C2 needs about a minute of full load to compile). BODY is the
# AdmissionReview sent (default bench/webhook/request.json, a lean one; bench/webhook/request-apiserver.json is the
# same update as an API server sends it for an Argo CD-managed Backup: managedFields, annotations, status).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
threads=${2:-16}
rounds=${3:-5}
warm=${WARM_UP:-60}
body=${BODY:-bench/webhook/request.json}
jar=cli/target/brguard.jar
source bench/lib.sh
# The flags the Deployment uses (manifests/base/webhook-deployment.yaml), for both servers.
deployment_flags=$(deployment_jvm_flags manifests/base/webhook-deployment.yaml)
deployment_malloc_arenas manifests/base/webhook-deployment.yaml
read -r -a flags <<<"${BENCH_FLAGS:-$deployment_flags}"
tls=8443; health=8080; bare=9443; parse=9444

./brguard --version >/dev/null
javac -d "$work/lg" bench/webhook/LoadGen.java
load() { java -Dwarmup=2 -cp "$work/lg" LoadGen "$@"; }

wait_http() { # url, start (ns), server pid: prints ms waited since the start; ends the script if the server exits
  until curl -sf --cacert certs/dev/ca.crt "$1" >/dev/null 2>&1; do
    if ! kill -0 "$3" 2>/dev/null; then
      echo "bench: the server exited before it was ready; the end of its stderr:" >&2
      tail -20 "$work/webhook.err" >&2
      kill -TERM $$
      exit 1
    fi
    sleep 0.02
  done
  echo $(( ($(date +%s%N) - $2) / 1000000 ))
}
rss_peak() { # pid -> samples VmRSS every 100 ms until the file $work/stop-rss exists
  local peak=0 v
  while [ ! -f "$work/stop-rss" ]; do
    v=$(awk '/VmRSS/ {print $2}' "/proc/$1/status" 2>/dev/null || echo 0)
    [ "${v:-0}" -gt "$peak" ] && peak=$v
    sleep 0.1
  done
  echo "$peak"
}
start_webhook() { # extra java flags... -> prints the pid; callers add it to pids (this runs in a subshell)
  java "${flags[@]}" "$@" -jar "$jar" webhook --dev --objects examples/cluster --port $tls --health-port $health \
    >"$work/audit.jsonl" 2>"$work/webhook.err" &
  echo $!
}
stop() { kill "$1"; while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); JVM flags: ${flags[*]}; MALLOC_ARENA_MAX=${MALLOC_ARENA_MAX:-(unset)}; request: $body ($(wc -c <"$body") bytes)"

# --- time to ready
for i in 1 2 3; do
  s=$(date +%s%N); pid=$(start_webhook); pids+=("$pid"); echo "ready (no CDS) run $i: $(wait_http http://127.0.0.1:$health/readyz "$s" "$pid") ms"; stop "$pid"
done
pid=$(start_webhook -XX:ArchiveClassesAtExit="$work/brguard.jsa"); pids+=("$pid"); s=$(date +%s%N); wait_http http://127.0.0.1:$health/readyz "$s" "$pid" >/dev/null
curl -s --cacert certs/dev/ca.crt https://localhost:$tls/validate -d @"$body" >/dev/null; stop "$pid"
for i in 1 2 3; do
  s=$(date +%s%N); pid=$(start_webhook -XX:SharedArchiveFile="$work/brguard.jsa"); pids+=("$pid"); echo "ready (AppCDS) run $i: $(wait_http http://127.0.0.1:$health/readyz "$s" "$pid") ms"; stop "$pid"
done

# --- under load. For throughput the three servers run side by side and are loaded one at a time, in rounds
# (bare, parse-only, brguard): this machine's speed drifts by a third within minutes, and a ratio taken within one
# round is not bent by that the way two phases minutes apart are. The ratio reported is the median of the rounds.
# Latency at 1,000 req/s is taken with only the server under test running: idle JVMs next to it add to its tail.
# The server under load runs with the AppCDS archive built above, as the Deployment does (RSS is measured on it).
pid=$(start_webhook -XX:SharedArchiveFile="$work/brguard.jsa"); pids+=("$pid"); s=$(date +%s%N); wait_http http://127.0.0.1:$health/readyz "$s" "$pid" >/dev/null
rm -f "$work/stop-rss"
rss_peak "$pid" >"$work/rss.txt" & r1=$!
echo "warm-up: ${warm}s of load on each server"
load max https://localhost:$tls/validate certs/dev/ca.crt "$body" "$warm" "$threads" >/dev/null
echo "brguard  $(load rate https://localhost:$tls/validate certs/dev/ca.crt "$body" "$secs" 1000)"
java "${flags[@]}" -cp "$jar" bench/webhook/BareEndpoint.java certs/dev $bare 2>"$work/bare.err" & bpid=$!; pids+=($bpid)
java "${flags[@]}" -cp "$jar" bench/webhook/BareEndpoint.java certs/dev $parse parse 2>"$work/parse.err" & ppid=$!; pids+=($ppid)
for p in $bare $parse; do until curl -sf --cacert certs/dev/ca.crt -d '{}' https://localhost:$p/validate >/dev/null 2>&1; do sleep 0.05; done; done
rss_peak "$bpid" >"$work/rss-bare.txt" & r2=$!
for p in $bare $parse; do load max https://localhost:$p/validate certs/dev/ca.crt "$body" "$warm" "$threads" >/dev/null; done
rps() { sed 's/.*"rps":\([0-9]*\).*/\1/'; }
for i in $(seq "$rounds"); do
  b=$(load max https://localhost:$bare/validate certs/dev/ca.crt "$body" "$secs" "$threads" | rps)
  q=$(load max https://localhost:$parse/validate certs/dev/ca.crt "$body" "$secs" "$threads" | rps)
  g=$(load max https://localhost:$tls/validate certs/dev/ca.crt "$body" "$secs" "$threads" | rps)
  echo "round $i req/s: bare $b, parse-only $q, brguard $g; brguard/bare $(ratio "$g" "$b"), parse-only/bare $(ratio "$q" "$b")" | tee -a "$work/rounds.txt"
done
echo "median brguard/bare: $(median 's/.*brguard\/bare \([0-9.]*\),.*/\1/'), median parse-only/bare: $(median 's/.*parse-only\/bare \([0-9.]*\)$/\1/')"
echo "brguard decisions in the audit log: $(grep -c '"decision":"allowed"' "$work/audit.jsonl")"
stop "$pid"; stop "$ppid"
echo "bare     $(load rate https://localhost:$bare/validate certs/dev/ca.crt "$body" "$secs" 1000)"
touch "$work/stop-rss"; wait $r1 $r2
echo "peak RSS under load: brguard $(( $(cat "$work/rss.txt") / 1024 )) MiB, bare $(( $(cat "$work/rss-bare.txt") / 1024 )) MiB"
