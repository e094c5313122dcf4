#!/usr/bin/env bash
# bench/controller, with the controller as its own process: `brguard controller` (the jar, the Deployment's JVM
# flags) against the fabric8 CRUD mock API server running in another process (MockApiServerMain) and Azurite.
# Measures controller start to 1,000 Backups Scheduled with their Jobs, and the controller process's peak RSS.
# Usage: bench/controller/run-process.sh [BACKUPS, default 1000] [WORKERS, default 8]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
workers=${2:-8}
source bench/lib.sh
# The JVM flags of the controller's Deployment, unless BENCH_FLAGS says otherwise.
deployment_flags=$(deployment_jvm_flags manifests/controller/deployment.yaml)
read -r -a flags <<<"${BENCH_FLAGS:-$deployment_flags}"
# The mock API server stands in for kube-apiserver, which does not share the controller's CPUs in a cluster. Here
# it does, so it runs lean (C1, serial GC): with the JVM defaults it used 9 CPU seconds to the controller's 9.
# kube-apiserver (Go crypto/tls) takes ChaCha20 when the client lists it first, as brguard does (TlsSuites); a
# JSSE server goes by its own order, so the mock is given that order to behave the same.
suites=TLS_CHACHA20_POLY1305_SHA256,TLS_AES_128_GCM_SHA256,TLS_AES_256_GCM_SHA384,\
TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256,TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256,\
TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256,TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256
read -r -a mock_flags <<<"${MOCK_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1 -Djdk.tls.server.cipherSuites=$suites}"
# Extra JVM flags for an analysis run, e.g. BENCH_JAVA_OPTS=-XX:NativeMemoryTracking=summary (then the NMT summary
# is printed at the end).
read -r -a extra <<<"${BENCH_JAVA_OPTS:-}"

./brguard --version >/dev/null
mvn -B -q -Dstyle.color=never test-compile -pl controller -am >/dev/null
mvn -B -q -Dstyle.color=never dependency:build-classpath -pl controller -Dmdep.outputFile="$work/cp.txt" >/dev/null
npm install --prefix tools/azurite --no-audit --no-fund --loglevel=error >/dev/null
cp="controller/target/test-classes:controller/target/classes:$(cat "$work/cp.txt")"

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
tools/azurite/node_modules/.bin/azurite-blob --blobHost 127.0.0.1 --blobPort "$port" --location "$work/azurite" \
  --skipApiVersionCheck --disableTelemetry --silent >/dev/null 2>&1 & pids+=($!)
until (exec 3<>/dev/tcp/127.0.0.1/"$port") 2>/dev/null; do sleep 0.1; done

java "${mock_flags[@]}" -cp "$cp" io.brguard.controller.MockApiServerMain "$n" "$port" "$work/kubeconfig" >"$work/mock.out" 2>"${MOCK_LOG:-/dev/null}" & pids+=($!)
mock=$!
until grep -qs READY "$work/mock.out"; do
  kill -0 "$mock" 2>/dev/null || { echo "the mock API server exited (MOCK_LOG=FILE keeps its log)"; exit 1; }
  sleep 0.2
done
echo "mock API server holds $n Backups; starting the controller"

cpu() { awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$1/stat"; }
mock_cpu0=$(cpu "${pids[1]}"); azurite_cpu0=$(cpu "${pids[0]}")
start=$(date +%s%3N)
KUBECONFIG="$work/kubeconfig" java "${flags[@]}" ${extra[@]+"${extra[@]}"} -Djdk.httpclient.allowRestrictedHeaders=content-length \
  -jar cli/target/brguard.jar controller --no-leader-election --run-backups --health-port=0 --workers="$workers" \
  --azure-endpoint="http://127.0.0.1:$port/{account}" >/dev/null 2>"$work/controller.err" & cpid=$!; pids+=($cpid)
peak=0
if [ -n "${BENCH_PERF:-}" ]; then (sleep "${BENCH_PERF_DELAY:-0}"; exec perf record -F 999 -g -o "$BENCH_PERF" -p "$cpid") >/dev/null 2>&1 & pids+=($!); fi
while ! grep -q ALL_SCHEDULED "$work/mock.out"; do
  if grep -q TIMEOUT "$work/mock.out"; then echo "not every Backup was Scheduled within 5 minutes"; exit 1; fi
  v=$(awk '/VmRSS/ {print $2}' "/proc/$cpid/status" 2>/dev/null || echo 0)
  [ "${v:-0}" -gt "$peak" ] && peak=$v
  if ! kill -0 "$cpid" 2>/dev/null; then echo "the controller exited:"; tail -5 "$work/controller.err"; exit 1; fi
  sleep 0.1
done
echo "CPU seconds while the controller ran: controller $(cpu "$cpid"), mock API server" \
  "$(awk -v a="$(cpu "${pids[1]}")" -v b="$mock_cpu0" 'BEGIN {print a - b}'), Azurite $(awk -v a="$(cpu "${pids[0]}")" -v b="$azurite_cpu0" 'BEGIN {print a - b}')"
if [ -n "${BENCH_THREADS:-}" ]; then # CPU seconds by thread name (digits folded), for analysis
  for t in /proc/"$cpid"/task/*; do
    awk -v name="$(tr -d '0-9' <"$t/comm")" '{printf "%.2f %s\n", ($14 + $15) / 100, name}' "$t/stat"
  done | awk '{c[$2] += $1} END {for (k in c) printf "%6.2f %s\n", c[k], k}' | sort -rn | head -15
fi
done_at=$(awk '/ALL_SCHEDULED/ {print $2}' "$work/mock.out")
echo "controller start to $n Backups Scheduled: $(( done_at - start )) ms; controller peak RSS: $(( peak / 1024 )) MiB (flags: ${flags[*]})"
if [[ " ${extra[*]-} " == *NativeMemoryTracking* ]]; then
  jcmd "$cpid" VM.native_memory summary
  jcmd "$cpid" Thread.print | awk -F'"' '/^"/ {n=$2; gsub(/[0-9]+/, "#", n); c[n]++} END {for (k in c) print c[k], k}' | sort -rn | head -20
fi
