#!/usr/bin/env bash
# bench/webhook/coldstart.sh: how a freshly started webhook answers its first requests, for several warm-up sizes.
# For each size in WARM_UPS (requests the process sends itself before /readyz turns 200, -Dbrguard.warmUpRequests):
# start `brguard webhook --dev` with the Deployment's JVM flags and an AppCDS archive (as the image runs it), time
# start to /readyz 200, then send ROUNDS rounds of COUNT requests over CONNECTIONS new connections (handshakes in
# the first round, as after a rollout) with bench/webhook/LoadGen.java in batches mode, and report each round's
# p50/p99/max. Every size runs REPEATS times; the table shows the median of each figure.
# CLIENT=cold (default) starts the load generator cold with the server, as a stress run on the same machine does;
# CLIENT=warm first warms the load generator's own TLS and HTTP code against bench/webhook/BareEndpoint.java (the
# API server calling a webhook is a warm process), so that what is left is the server's cold start.
# Usage: bench/webhook/coldstart.sh   (WARM_UPS="0 1000 3000 6000 10000" COUNT=10000 CONNECTIONS=200 ROUNDS=2
#        REPEATS=3 CLIENT=cold BODY=bench/webhook/request-apiserver.json)
set -euo pipefail
cd "$(dirname "$0")/../.."
sizes=${WARM_UPS:-0 1000 3000 6000 10000}
count=${COUNT:-10000}
conns=${CONNECTIONS:-200}
rounds=${ROUNDS:-2}
repeats=${REPEATS:-3}
body=${BODY:-bench/webhook/request-apiserver.json}
client=${CLIENT:-cold}
jar=cli/target/brguard.jar
source bench/lib.sh
webhook_deployment_jvm
tls=8443; health=8080
./brguard --version >/dev/null
javac -d "$work/lg" bench/webhook/LoadGen.java

start_webhook() { # extra java flags... -> pid
  java "${flags[@]}" "$@" -jar "$jar" webhook --dev --objects examples/cluster --port $tls --health-port $health \
    >"$work/audit.jsonl" 2>"$work/webhook.err" &
  echo $!
}
stop() { kill "$1"; while kill -0 "$1" 2>/dev/null; do sleep 0.05; done; }
wait_ready() { # start ns, pid -> ms
  until curl -sf "http://127.0.0.1:$health/readyz" >/dev/null 2>&1; do
    kill -0 "$2" 2>/dev/null || { echo "the server exited:" >&2; tail -20 "$work/webhook.err" >&2; exit 1; }
    sleep 0.02
  done
  echo $(( ($(date +%s%N) - $1) / 1000000 ))
}

# The AppCDS archive, built once as the Dockerfile does.
pid=$(start_webhook -XX:ArchiveClassesAtExit="$work/brguard.jsa" -Dbrguard.warmUpRequests=200); pids+=("$pid")
wait_ready "$(date +%s%N)" "$pid" >/dev/null
curl -s --cacert certs/dev/ca.crt https://localhost:$tls/validate -d @"$body" >/dev/null; stop "$pid"

client_flags=()
if [ "$client" = warm ]; then
  java "${flags[@]}" -cp "$jar" bench/webhook/BareEndpoint.java certs/dev 9443 2>"$work/bare.err" & bpid=$!; pids+=("$bpid")
  until curl -sf --cacert certs/dev/ca.crt -d '{}' https://localhost:9443/validate >/dev/null 2>&1; do sleep 0.05; done
  client_flags=(-Dwarmclient=https://localhost:9443/validate)
fi

echo "client: $client; machine: $(nproc) cores, $(java -version 2>&1 | head -1); JVM flags: ${flags[*]}; $count requests x $rounds rounds over $conns connections; request $body"
printf '%-8s %-9s' "warm-up" "ready ms"
for r in $(seq "$rounds"); do printf ' %-28s' "round $r p50/p99/max ms"; done; echo
for w in $sizes; do
  : >"$work/rounds.txt"
  for i in $(seq "$repeats"); do
    s=$(date +%s%N); pid=$(start_webhook -XX:SharedArchiveFile="$work/brguard.jsa" -Dbrguard.warmUpRequests="$w"); pids+=("$pid")
    line="$(wait_ready "$s" "$pid")"
    while read -r j; do
      line="$line $(echo "$j" | sed 's/.*"p50_ms":\([0-9.]*\),"p99_ms":\([0-9.]*\),"max_ms":\([0-9.]*\).*/\1 \2 \3/')"
      echo "$j" | grep -q '"errors":0' || echo "warm-up $w run $i: errors: $j" >&2
    done < <(java "${client_flags[@]}" -cp "$work/lg" LoadGen batches "https://localhost:$tls/validate" certs/dev/ca.crt "$body" "$count" "$conns" "$rounds")
    echo "$line" >>"$work/rounds.txt"
    [ -n "${DEBUG:-}" ] && echo "  run $i: $line" >&2
    stop "$pid"
  done
  printf '%-8s %-9s' "$w" "$(median 's/^\([0-9]*\).*/\1/')"
  for r in $(seq "$rounds"); do
    c=$(( 2 + (r - 1) * 3 ))
    m() { awk -v c="$1" '{print $c}' "$work/rounds.txt" | sort -n | awk '{v[NR] = $1} END {print v[int((NR + 1) / 2)]}'; }
    printf ' %-28s' "$(m $c) / $(m $((c + 1))) / $(m $((c + 2)))"
  done
  echo
done
