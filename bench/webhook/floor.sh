#!/usr/bin/env bash
# bench/webhook/floor.sh: how much of the bare endpoint's throughput reading the review costs, before any decision.
# Three servers side by side, each with the Deployment's JVM flags: the bare endpoint, parse-only (a Jackson tree of
# the body, dropped) and tokens-only (Jackson's tokenizer over the body, nothing built), loaded one after the other
# in rounds, as bench/webhook/run.sh does for brguard.
# Usage: bench/webhook/floor.sh [SECONDS per phase, default 10] [CONNECTIONS, default 16] [ROUNDS, default 5]
# BODY is the AdmissionReview sent (default bench/webhook/request-apiserver.json); WARM_UP the seconds of load each
# server gets first (default 60).
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-10}
threads=${2:-16}
rounds=${3:-5}
warm=${WARM_UP:-60}
body=${BODY:-bench/webhook/request-apiserver.json}
jar=cli/target/brguard.jar
source bench/lib.sh
webhook_deployment_jvm

./brguard --version >/dev/null
javac -d "$work/lg" bench/webhook/LoadGen.java
load() { java -Dwarmup=2 -cp "$work/lg" LoadGen max "https://localhost:$1/validate" certs/dev/ca.crt "$body" "$2" "$threads" \
  | sed 's/.*"rps":\([0-9]*\).*/\1/'; }

echo "machine: $(nproc) cores; JVM flags: ${flags[*]}; request: $body ($(wc -c <"$body") bytes)"
ports=(9443 9444 9445)
modes=(bare parse tokens)
for i in 0 1 2; do
  java "${flags[@]}" -cp "$jar" bench/webhook/BareEndpoint.java certs/dev "${ports[$i]}" "${modes[$i]}" 2>"$work/${modes[$i]}.err" &
  pids+=($!)
done
for p in "${ports[@]}"; do
  until curl -sf --cacert certs/dev/ca.crt -d @"$body" "https://localhost:$p/validate" >/dev/null 2>&1; do sleep 0.05; done
done
echo "warm-up: ${warm}s of load on each server"
for p in "${ports[@]}"; do load "$p" "$warm" >/dev/null; done
for i in $(seq "$rounds"); do
  b=$(load 9443 "$secs"); q=$(load 9444 "$secs"); t=$(load 9445 "$secs")
  echo "round $i req/s: bare $b, parse-only $q, tokens-only $t; parse-only/bare $(ratio "$q" "$b"), tokens-only/bare $(ratio "$t" "$b")" \
    | tee -a "$work/rounds.txt"
done
echo "median parse-only/bare: $(median 's/.*parse-only\/bare \([0-9.]*\),.*/\1/'), median tokens-only/bare: $(median 's/.*tokens-only\/bare \([0-9.]*\)$/\1/')"
