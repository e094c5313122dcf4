#!/usr/bin/env bash
# bench/webhook/hostile.sh: ordinary reviews while hostile clients attack the admission port (Hostile.java), each
# scenario against a fresh `brguard webhook --dev` from the jar with the Deployment's JVM flags. Target: 99% of
# ordinary reviews answered 200 within 1 s under every attack. Prints one JSON line per scenario, the webhook's
# overload counters and its peak RSS.
# Usage: bench/webhook/hostile.sh [SECONDS per scenario, default 30] [ORDINARY REVIEWS a second, default 200]
# SCENARIOS (default all): none, stall-4, stall-8, stall-16, slowloris-511 (one client address), slowloris-spread
# (511 from eight addresses), idle-510 (kept-alive idle connections from two addresses), burst-8. Attackers connect
# from 127.0.0.2 and up, the ordinary load from 127.0.0.1.
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-30}; rps=${2:-200}; port=${PORT:-18443}; health=${HEALTH_PORT:-18080}
scenarios=${SCENARIOS:-"none stall-4 stall-8 stall-16 slowloris-511 slowloris-spread idle-510 burst-8"}
body=${BODY:-bench/webhook/request-apiserver.json}
jar=${JAR:-cli/target/brguard.jar} # JAR=another build to compare with (e.g. the commit before)
source bench/lib.sh
ports_free "$port" "$health"
webhook_deployment_jvm
[ -n "${JAR:-}" ] || ./brguard --version >/dev/null
javac -d "$work/cls" bench/webhook/LoadGen.java bench/webhook/Hostile.java
ulimit -n 4096 2>/dev/null || true
echo "machine: $(nproc) cores, $(java -version 2>&1 | head -1); JVM flags: ${flags[*]}; ordinary: $rps/s of $body for ${secs}s"
for sc in $scenarios; do
  case "$sc" in
    none) attack=none; n=0; from=();;
    stall-*) attack=stall; n=${sc#stall-}; from=(127.0.0.2);;
    slowloris-511) attack=slowloris; n=511; from=(127.0.0.2);;
    slowloris-spread) attack=slowloris; n=511; from=(127.0.0.2 127.0.0.3 127.0.0.4 127.0.0.5 127.0.0.6 127.0.0.7 127.0.0.8 127.0.0.9);;
    idle-510) attack=idle; n=510; from=(127.0.0.2 127.0.0.3);;
    burst-*) attack=burst; n=${sc#burst-}; from=(127.0.0.2);;
    *) echo "unknown scenario $sc" >&2; exit 2;;
  esac
  java "${flags[@]}" ${WEBHOOK_JAVA_OPTS:-} -jar "$jar" webhook --dev --objects examples/cluster --port "$port" --health-port "$health" \
    >"$work/audit.jsonl" 2>"$work/webhook.err" &
  pid=$!; pids+=("$pid")
  until curl -sf http://127.0.0.1:$health/readyz >/dev/null 2>&1; do kill -0 "$pid" || { tail -20 "$work/webhook.err"; exit 1; }; sleep 0.1; done
  rm -f "$work/rss"; echo 0 >"$work/rss"
  ( peak=0; while kill -0 "$pid" 2>/dev/null; do v=$(awk '/VmRSS/ {print $2}' /proc/$pid/status 2>/dev/null || echo 0); [ "${v:-0}" -gt "$peak" ] && peak=$v && echo "$peak" >"$work/rss"; sleep 0.2; done ) &
  pids+=($!)
  java -cp "$work/cls" Hostile 127.0.0.1 "$port" certs/dev/ca.crt "$body" "$secs" "$rps" "$attack" "$n" "${from[@]}"
  overload=$(curl -s http://127.0.0.1:$health/metrics | awk '/^brguard_admission_overload_total/ {printf "%s=%s ", $1, $2}')
  echo "  $sc: overload counters: ${overload:-none}; peak RSS $(( $(cat "$work/rss") / 1024 )) MiB; /healthz $(curl -s http://127.0.0.1:$health/healthz); load average $(machine_load)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
done
