#!/usr/bin/env bash
# bench/webhook: brguard's /validate against a bare Javalin TLS endpoint with a canned answer, same JVM flags,
# same TLS setup, one run each, load generator on the same machine (bench/webhook/LoadGen.java).
# Measures: max throughput (closed loop), p50/p99 at a fixed 1,000 req/s (open loop), peak RSS under load,
# and time from process start to /readyz 200 (without and with an AppCDS archive, as the Dockerfile builds it).
# Usage: bench/webhook/run.sh [SECONDS per load phase, default 20] [CONNECTIONS for max, default 16]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-20}
threads=${2:-16}
jar=cli/target/brguard.jar
source bench/lib.sh
# The flags the Deployment uses (manifests/base/webhook-deployment.yaml), for both servers.
deployment_flags=$(deployment_jvm_flags manifests/base/webhook-deployment.yaml)
read -r -a flags <<<"$deployment_flags"
tls=8443; health=8080; bare=9443

./brguard --version >/dev/null
javac -d "$work/lg" bench/webhook/LoadGen.java
load() { java -cp "$work/lg" LoadGen "$@"; }

wait_http() { # url, prints ms waited since $2 (ns)
  until curl -sf --cacert certs/dev/ca.crt "$1" >/dev/null 2>&1; do sleep 0.02; done
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
start_webhook() { # extra java flags...
  java "${flags[@]}" "$@" -jar "$jar" webhook --dev --objects examples/cluster --port $tls --health-port $health \
    >"$work/audit.jsonl" 2>"$work/webhook.err" &
  pids+=($!); echo $!
}
stop() { kill "$1"; while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }

echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); JVM flags: ${flags[*]}"

# --- time to ready
for i in 1 2 3; do
  s=$(date +%s%N); pid=$(start_webhook); echo "ready (no CDS) run $i: $(wait_http http://127.0.0.1:$health/readyz "$s") ms"; stop "$pid"
done
pid=$(start_webhook -XX:ArchiveClassesAtExit="$work/brguard.jsa"); s=$(date +%s%N); wait_http http://127.0.0.1:$health/readyz "$s" >/dev/null
curl -s --cacert certs/dev/ca.crt https://localhost:$tls/validate -d @bench/webhook/request.json >/dev/null; stop "$pid"
for i in 1 2 3; do
  s=$(date +%s%N); pid=$(start_webhook -XX:SharedArchiveFile="$work/brguard.jsa"); echo "ready (AppCDS) run $i: $(wait_http http://127.0.0.1:$health/readyz "$s") ms"; stop "$pid"
done

# --- brguard under load
pid=$(start_webhook); s=$(date +%s%N); wait_http http://127.0.0.1:$health/readyz "$s" >/dev/null
rm -f "$work/stop-rss"; rss_peak "$pid" >"$work/rss.txt" & rsspid=$!
echo "brguard  $(load max https://localhost:$tls/validate certs/dev/ca.crt bench/webhook/request.json "$secs" "$threads")"
echo "brguard  $(load rate https://localhost:$tls/validate certs/dev/ca.crt bench/webhook/request.json "$secs" 1000)"
touch "$work/stop-rss"; wait $rsspid
echo "brguard peak RSS under load: $(( $(cat "$work/rss.txt") / 1024 )) MiB"
echo "brguard decisions in the audit log: $(grep -c '"decision":"allowed"' "$work/audit.jsonl")"
stop "$pid"

# --- bare endpoint, same flags, same TLS material
java "${flags[@]}" -cp "$jar" bench/webhook/BareEndpoint.java certs/dev $bare 2>"$work/bare.err" & bpid=$!; pids+=($bpid)
s=$(date +%s%N); until curl -sf --cacert certs/dev/ca.crt -d '{}' https://localhost:$bare/validate >/dev/null 2>&1; do sleep 0.05; done
rm -f "$work/stop-rss"; rss_peak "$bpid" >"$work/rss-bare.txt" & rsspid=$!
echo "bare     $(load max https://localhost:$bare/validate certs/dev/ca.crt bench/webhook/request.json "$secs" "$threads")"
echo "bare     $(load rate https://localhost:$bare/validate certs/dev/ca.crt bench/webhook/request.json "$secs" 1000)"
touch "$work/stop-rss"; wait $rsspid
echo "bare peak RSS under load: $(( $(cat "$work/rss-bare.txt") / 1024 )) MiB"
stop "$bpid"
