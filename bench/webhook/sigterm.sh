#!/usr/bin/env bash
# bench/webhook/sigterm.sh: rollouts under load. Two replicas of `brguard webhook --dev` from the jar (the
# Deployment's JVM flags); ReplicaLoad (webhook test classes) keeps CONNECTIONS keep-alive connections busy on both,
# as the API server does; then, as in a rollout, replica A leaves the endpoints and gets SIGTERM at the same moment
# (the harder case: without the preStop pause the Deployment has). Every request must be answered 200 for its uid:
# no reset, no 404, no 503. A is restarted and the round repeated.
# Usage: bench/webhook/sigterm.sh [ROUNDS, default 10] [CONNECTIONS, default 16]
set -euo pipefail
cd "$(dirname "$0")/../.."
rounds=${1:-10}; conns=${2:-16}
a_port=${PORT:-18443}; a_health=$((a_port + 1)); b_port=$((a_port + 2)); b_health=$((a_port + 3))
jar=${JAR:-cli/target/brguard.jar} # JAR=another build to compare with (e.g. the commit before)
source bench/lib.sh
ports_free "$a_port" "$a_health" "$b_port" "$b_health"
webhook_deployment_jvm
./brguard --version >/dev/null # this build (the load client), whatever JAR runs
mvn -B -q -o -pl webhook -am test-compile -DskipTests >/dev/null 2>&1 || mvn -B -q -pl webhook -am test-compile -DskipTests
cp=webhook/target/test-classes:policy/target/test-classes:cli/target/brguard.jar # the load client: this build
start() { # tls port, health port, log -> pid
  java "${flags[@]}" -jar "$jar" webhook --dev --objects examples/cluster --port "$1" --health-port "$2" >/dev/null 2>"$3" &
  echo $!
}
ready() { until curl -sf "http://127.0.0.1:$1/readyz" >/dev/null 2>&1; do sleep 0.1; done; }
b=$(start "$b_port" "$b_health" "$work/b.err"); pids+=("$b"); ready "$b_health"
total=0; failed=0
for round in $(seq 1 "$rounds"); do
  a=$(start "$a_port" "$a_health" "$work/a.err"); pids+=("$a"); ready "$a_health"
  rm -f "$work/switch"
  java -cp "$cp" io.brguard.webhook.ReplicaLoad certs/dev/ca.crt bench/webhook/request-apiserver.json 14 "$conns" \
    "$work/switch" "127.0.0.1:$a_port,127.0.0.1:$b_port" "127.0.0.1:$b_port" >"$work/load.json" &
  load=$!
  sleep 6
  t0=$(date +%s%N); touch "$work/switch"; kill -TERM "$a"
  while kill -0 "$a" 2>/dev/null; do sleep 0.05; done # started in a subshell: not this shell's child to wait for
  took=$(( ($(date +%s%N) - t0) / 1000000 ))
  wait "$load" || true
  f=$(jq -r .failures "$work/load.json"); n=$(jq -r .answered "$work/load.json")
  total=$((total + n)); failed=$((failed + f))
  echo "round $round: A exited after ${took} ms ($(grep -o 'every request answered; stopping' "$work/a.err" || echo 'NOT drained')); load $(cat "$work/load.json")"
done
echo "all rounds: $total requests, $failed failed; load average $(machine_load)"
