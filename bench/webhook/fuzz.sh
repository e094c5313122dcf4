#!/usr/bin/env bash
# bench/webhook/fuzz.sh: the robustness suite's generator (webhook/src/test/.../ReviewFuzzer.java), run long against
# the jar with the Deployment's JVM flags (96 MiB heap): every answer must arrive, none may be a 5xx or name a Java
# class, and the process must still be alive and answering at the end. Prints the counts, the slowest answer, the
# peak RSS and how many decisions the audit log holds.
# Usage: bench/webhook/fuzz.sh [SEED, default 1] [VALUES PER PATH, default 20] [OTHER CASES, default 20000] [THREADS, default 8]
set -euo pipefail
cd "$(dirname "$0")/../.."
seed=${1:-1}; per_path=${2:-20}; others=${3:-20000}; threads=${4:-8}; port=${PORT:-8443}; health=${HEALTH_PORT:-8080}
jar=cli/target/brguard.jar
source bench/lib.sh
webhook_deployment_jvm
./brguard --version >/dev/null
mvn -B -q -o -pl webhook -am test-compile -DskipTests >/dev/null 2>&1 || mvn -B -q -pl webhook -am test-compile -DskipTests
cp=webhook/target/test-classes:policy/target/test-classes:$jar
java "${flags[@]}" ${WEBHOOK_JAVA_OPTS:-} -jar "$jar" webhook --dev --objects examples/cluster --port "$port" --health-port "$health" >"$work/audit.jsonl" 2>"$work/webhook.err" &
pid=$!; pids+=("$pid")
until curl -sf http://127.0.0.1:$health/readyz >/dev/null 2>&1; do kill -0 "$pid" || { tail -20 "$work/webhook.err"; exit 1; }; sleep 0.1; done
peak=0
( while kill -0 "$pid" 2>/dev/null; do v=$(awk '/VmRSS/ {print $2}' /proc/$pid/status); [ "$v" -gt "$peak" ] && peak=$v && echo "$peak" >"$work/rss"; sleep 0.2; done ) &
pids+=($!)
status=0
java -cp "$cp" io.brguard.webhook.ReviewFuzzer localhost "$port" certs/dev/ca.crt "$seed" "$per_path" "$others" "$threads" || status=$?
alive=$(curl -sf http://127.0.0.1:$health/healthz || echo "not answering")
echo "after the run: /healthz $alive; peak RSS $(( $(cat "$work/rss") / 1024 )) MiB; audit lines: $(wc -l <"$work/audit.jsonl")"
grep -c "OutOfMemoryError" "$work/webhook.err" && status=1 || true
# Nothing a request sends may make a line of the webhook's own log (stderr) read as JSON: the documented audit
# queries take the JSON lines of `kubectl logs` (stdout and stderr together) for audit records.
json_on_stderr=$(jq -cR 'fromjson? | objects' "$work/webhook.err" | wc -l)
echo "stderr lines that read as a JSON object: $json_on_stderr; of $(wc -l <"$work/webhook.err") lines"
[ "$json_on_stderr" -eq 0 ] || status=1
exit "$status"
