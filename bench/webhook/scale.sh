#!/usr/bin/env bash
# bench/webhook/scale.sh: brguard webhook against a large cluster, with the Deployment's JVM flags.
# A stand-in API server (bench/apiserver/StandinApiServer.java) streams BACKUPS Argo CD-managed Backups and SECRETS
# Secrets of SECRET_BYTES each; the webhook runs against it as in a cluster (informer, Secret GETs). Measures: time
# from start to /readyz 200 (or "never ready" after READY_TIMEOUT s), peak RSS, the live heap after a full GC (so
# the heap each cached Backup costs: run once with BACKUPS=0 to have the base), /healthz afterwards, and CREATE,
# UPDATE and RESTORE (a PITR Restore reading two of the Backups, its window checked) p50/p99 at RATE req/s (LoadGen,
# open loop). Past the Backup cache's budget (30% of the heap) it says so: /readyz, the brguard_backup_cache_*
# gauges, and the decisions whose cross-object rules went unchecked.
# Usage: BACKUPS=10000 SECRETS=10000 SECRET_BYTES=51200 bench/webhook/scale.sh
#        JAR=/path/to/other/brguard.jar FLAGS_FROM=its/webhook-deployment.yaml ... to measure another build the same way.
set -euo pipefail
cd "$(dirname "$0")/../.."
backups=${BACKUPS:-10000}; secrets=${SECRETS:-10000}; bytes=${SECRET_BYTES:-51200}
rate=${RATE:-200}; secs=${SECONDS_PER_PHASE:-10}; timeout=${READY_TIMEOUT:-120}
jar=$(realpath "${JAR:-cli/target/brguard.jar}")
source bench/lib.sh
read -r -a flags <<<"$(deployment_jvm_flags "${FLAGS_FROM:-manifests/base/webhook-deployment.yaml}")"
deployment_malloc_arenas manifests/base/webhook-deployment.yaml
# PORTS moves every port the run listens on (another run on the machine may hold the defaults): PORTS=28000.
base=${PORTS:-18000}; api=$((base + 1)); tls=$((base + 443)); health=$((base + 80))

[ -n "${JAR:-}" ] || ./brguard --version >/dev/null
javac -d "$work/lg" bench/webhook/LoadGen.java
java bench/apiserver/StandinApiServer.java $api "$backups" "$secrets" "$bytes" >"$work/api.out" 2>"$work/api.err" & apid=$!; pids+=($apid)
until grep -q listening "$work/api.out" 2>/dev/null; do sleep 0.1; done
cat >"$work/kubeconfig" <<YAML
apiVersion: v1
kind: Config
clusters: [{name: standin, cluster: {server: "http://127.0.0.1:$api"}}]
users: [{name: bench, user: {}}]
contexts: [{name: standin, context: {cluster: standin, user: bench, namespace: default}}]
current-context: standin
YAML
java -jar "$jar" certs issue --dir "$work/tls" --dns localhost >/dev/null

# The AppCDS archive the image builds (Dockerfile): a short dev-mode run records the classes the webhook loads.
(cd "$work" && timeout 25 java -XX:ArchiveClassesAtExit="$work/brguard.jsa" -jar "$jar" webhook --dev \
  --objects "$OLDPWD/examples/cluster" --port $((base + 543)) --health-port $((base + 180)) >/dev/null 2>&1 || true)
[ -s "$work/brguard.jsa" ] && flags+=(-XX:SharedArchiveFile="$work/brguard.jsa")
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); $backups Backups, $secrets Secrets of $bytes bytes; jar $jar"
echo "JVM flags: ${flags[*]}"
start=$(date +%s%N)
KUBECONFIG="$work/kubeconfig" java "${flags[@]}" -jar "$jar" webhook --tls-dir "$work/tls" --host 127.0.0.1 \
  --port $tls --health-port $health >"$work/audit.jsonl" 2>"$work/webhook.err" & wpid=$!; pids+=($wpid)
peak=0; ready=""
while :; do
  v=$(awk '/VmRSS/ {print $2}' "/proc/$wpid/status" 2>/dev/null || echo 0); [ "${v:-0}" -gt "$peak" ] && peak=$v
  if ! kill -0 $wpid 2>/dev/null; then echo "the webhook exited: $(tail -3 "$work/webhook.err")"; break; fi
  if curl -sf http://127.0.0.1:$health/readyz >/dev/null 2>&1; then ready=$(( ($(date +%s%N) - start) / 1000000 )); break; fi
  if (( ($(date +%s%N) - start) / 1000000000 > timeout )); then break; fi
  sleep 0.1
done
since() { grep -m1 "$1" "$work/webhook.err" | cut -c1-23 | xargs -I{} date -d {} +%s%N 2>/dev/null \
  | awk -v s="$start" '{printf "%d ms", ($1 - s) / 1000000}'; }
if [ -n "$ready" ]; then echo "ready after $ready ms (serving after $(since 'serving TLS'), cache synced after $(since 'has synced'))"; else echo "never ready within $timeout s: $(curl -s http://127.0.0.1:$health/readyz)"; fi
echo "healthz: $(curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:$health/healthz); peak RSS until ready: $((peak / 1024)) MiB"
echo "readyz: $(curl -s http://127.0.0.1:$health/readyz 2>/dev/null || echo 'no answer')"
echo "cache: $(curl -s http://127.0.0.1:$health/metrics 2>/dev/null | awk '/^brguard_backup_cache/ {printf "%s=%s ", $1, $2}')"
if kill -0 $wpid 2>/dev/null; then
  jcmd $wpid GC.run >/dev/null 2>&1 || true; sleep 1
  used=$(jcmd $wpid GC.heap_info 2>/dev/null | awk '/used/ {for (i = 1; i <= NF; i++) if ($i == "used") {gsub("K", "", $(i+1)); s += $(i+1)}} END {print s}')
  echo "live heap after a full GC: $((used / 1024)) MiB (${used} KiB)"
fi
if [ -n "$ready" ]; then
  load() { java -Dwarmup="${WARM_UP:-20}" -cp "$work/lg" LoadGen "$@"; }
  echo "CREATE $(load rate https://localhost:$tls/validate "$work/tls/ca.crt" bench/webhook/request-scale-create.json "$secs" "$rate")"
  echo "UPDATE $(load rate https://localhost:$tls/validate "$work/tls/ca.crt" bench/webhook/request-scale-update.json "$secs" "$rate")"
  echo "RESTORE $(load rate https://localhost:$tls/validate "$work/tls/ca.crt" bench/webhook/request-scale-restore.json "$secs" "$rate")"
  echo "decisions: $(grep -c '"decision"' "$work/audit.jsonl") ($(grep -c '"decision":"error"' "$work/audit.jsonl") errors, $(grep -c 'not checked: the Backup cache is over its budget' "$work/audit.jsonl") with cross-object rules not checked)"
  v=$(awk '/VmHWM/ {print $2}' "/proc/$wpid/status"); echo "peak RSS over the run: $((v / 1024)) MiB"
fi
[ -z "${DEBUG:-}" ] || { echo "--- webhook stderr"; cat "$work/webhook.err" | head -40; }
kill $wpid; kill $apid; wait $apid 2>/dev/null || true
echo "stand-in API server: $(cat "$work/api.err")"
