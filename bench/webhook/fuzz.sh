#!/usr/bin/env bash
# bench/webhook/fuzz.sh: the robustness suite's generator (webhook/src/test/.../ReviewFuzzer.java), run long against
# the jar with the Deployment's JVM flags (96 MiB heap): every answer must arrive, none may be a 5xx or name a Java
# class, and the process must still be alive and answering at the end. Prints the counts, the slowest answer, the
# peak RSS and how many decisions the audit log holds.
# Usage: bench/webhook/fuzz.sh [SEED, default 1] [VALUES PER PATH, default 20] [OTHER CASES, default 20000] [THREADS, default 8]
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=${1:-1}; per_path=${2:-20}; others=${3:-20000}; threads=${4:-8}
jar=cli/target/brguard.jar
source bench/lib.sh
read -r -a flags <<<"$(deployment_jvm_flags manifests/base/webhook-deployment.yaml)"
deployment_malloc_arenas manifests/base/webhook-deployment.yaml
./brguard --version >/dev/null
mvn -B -q -o -pl webhook -am test-compile -DskipTests >/dev/null 2>&1 || mvn -B -q -pl webhook -am test-compile -DskipTests
cp=webhook/target/test-classes:policy/target/test-classes:$jar
java "${flags[@]}" -jar "$jar" webhook --dev --objects examples/cluster --port 8443 --health-port 8080 >"$work/audit.jsonl" 2>"$work/webhook.err" &
pid=$!; pids+=("$pid")
until curl -sf http://127.0.0.1:8080/readyz >/dev/null 2>&1; do kill -0 "$pid" || { tail -20 "$work/webhook.err"; exit 1; }; sleep 0.1; done
peak=0
( while kill -0 "$pid" 2>/dev/null; do v=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); [ "$v" -gt "$peak" ] && peak=$v && echo "$peak" >"$work/rss"; sleep 0.2; done ) &
pids+=($!)
status=0
java -cp "$cp" io.brguard.webhook.ReviewFuzzer localhost 8443 certs/dev/ca.crt "$seed" "$per_path" "$others" "$threads" || status=$?
alive=$(curl -sf http://127.0.0.1:8080/healthz || echo "not answering")
echo "after the run: /healthz $alive; peak RSS $(( $(cat "$work/rss") / 1024 )) MiB; audit lines: $(wc -l <"$work/audit.jsonl")"
grep -c "OutOfMemoryError" "$work/webhook.err" && status=1 || true
exit "$status"
