#!/usr/bin/env bash
# bench/webhook/policy-writes.sh: the policy configuration rewritten in place, again and again, while reviews come.
# The file alternates between two configurations that both deny the review sent (the revert of a stopped log backup,
# transition.stopped-is-terminal): "default: Enforce", and "default: Warn" with the transition family enforced.
# Each rewrite truncates the file, writes up to "default: Warn" (a valid policy of its own that would let the review
# through), pauses up to 0.8 s and writes the rest, as an editor or `kubectl cp` into a hostPath might. The webhook
# looks every second (--reload-interval 1s). Counted from its audit log: reviews allowed (must be 0), denied, and
# the modes that decided.
# Usage: bench/webhook/policy-writes.sh [SECONDS, default 120] [REVIEWS a second, default 100]
set -euo pipefail
cd "$(dirname "$0")/../.."
secs=${1:-120}; rps=${2:-100}; port=${PORT:-18443}; health=${HEALTH_PORT:-18080}
jar=${JAR:-cli/target/brguard.jar} # JAR=another build to compare with (e.g. the commit before)
source bench/lib.sh
ports_free "$port" "$health"
webhook_deployment_jvm
[ -n "${JAR:-}" ] || ./brguard --version >/dev/null
javac -d "$work/cls" bench/webhook/LoadGen.java
jq -c '.request.object.spec.logSubcommand = "log-start" | .request.oldObject.spec.logSubcommand = "log-stop"
       | .request.oldObject.status.phase = "Stopped"' bench/webhook/request.json >"$work/denied.json"
head='apiVersion: brguard.io/v1alpha1
kind: PolicyConfig
enforcement:
'
enforce="${head}  default: Enforce
"
warn_first="${head}  default: Warn
"
warn_rest='  families: {transition: Enforce, immutable: Enforce}
'
printf '%s' "$enforce" >"$work/policy.yaml"
java "${flags[@]}" -jar "$jar" webhook --dev --objects examples/cluster --port "$port" --health-port "$health" \
  --policy-config "$work/policy.yaml" --reload-interval 1s >"$work/audit.jsonl" 2>"$work/err" &
pid=$!; pids+=("$pid")
until curl -sf "http://127.0.0.1:$health/readyz" >/dev/null 2>&1; do kill -0 "$pid" || { tail -20 "$work/err"; exit 1; }; sleep 0.1; done
# The writer: in place (the same inode), truncate, the first part, a pause, the rest.
(
  end=$((SECONDS + secs)); i=0
  while [ $SECONDS -lt $end ]; do
    if [ $((i % 2)) -eq 0 ]; then
      : >"$work/policy.yaml"; printf '%s' "$warn_first" >>"$work/policy.yaml"
      sleep "0.$((RANDOM % 8))"; printf '%s' "$warn_rest" >>"$work/policy.yaml"
    else
      : >"$work/policy.yaml"; printf '%s' "$enforce" >>"$work/policy.yaml"
    fi
    i=$((i + 1)); sleep "$((1 + RANDOM % 3)).$((RANDOM % 10))"
  done
  echo "$i" >"$work/writes"
) & writer=$!; pids+=("$writer")
java -Dwarmup=0 -cp "$work/cls" LoadGen rate "https://localhost:$port/validate" certs/dev/ca.crt "$work/denied.json" "$secs" "$rps"
wait "$writer"
sleep 2
echo "rewrites: $(cat "$work/writes"); load average $(machine_load)"
echo "decisions: $(jq -cR 'fromjson? | objects | select(has("decision")) | .decision' "$work/audit.jsonl" | sort | uniq -c | tr '\n' ' ')"
echo "modes: $(jq -cR 'fromjson? | objects | select(has("decision")) | .rollout.mode' "$work/audit.jsonl" | sort | uniq -c | tr '\n' ' ')"
echo "the webhook said: $(grep -c 'reloaded' "$work/err" || true) reloads, $(grep -c 'keeping the last good' "$work/err" || true) refusals"
