#!/usr/bin/env bash
# bench/controller/schedules.sh: N BackupSchedules in M namespaces, all due at the same minute: the time from that
# minute's tick to the last of their Backups created (target <= 10 s for 1,000), and the controller's peak RSS.
# `brguard controller` (the jar, the Deployment's JVM flags, schedules only) runs as its own process against the
# fabric8 CRUD mock API server in another process (MockScheduleServerMain). No admission webhook is in the path.
# Usage: bench/controller/schedules.sh [SCHEDULES, default 1000] [NAMESPACES, default 100] [WORKERS, default 2]
set -euo pipefail
cd "$(dirname "$0")/../.."
n=${1:-1000}
namespaces=${2:-100}
workers=${3:-2}
source bench/lib.sh
deployment_flags=$(deployment_jvm_flags manifests/controller/deployment.yaml)
read -r -a flags <<<"${BENCH_FLAGS:-$deployment_flags}"
read -r -a mock_flags <<<"${MOCK_JAVA_OPTS:--XX:+UseSerialGC -XX:TieredStopAtLevel=1}"

./brguard --version >/dev/null
mvn -B -q -Dstyle.color=never test-compile -pl controller -am >/dev/null
mvn -B -q -Dstyle.color=never dependency:build-classpath -pl controller -Dmdep.outputFile="$work/cp.txt" >/dev/null
cp="controller/target/test-classes:controller/target/classes:policy/target/test-classes:policy/target/classes:$(cat "$work/cp.txt")"

java "${mock_flags[@]}" -cp "$cp" io.brguard.controller.schedule.MockScheduleServerMain "$n" "$namespaces" "$work/kubeconfig" \
  >"$work/mock.out" 2>"${MOCK_LOG:-/dev/null}" & pids+=($!)
mock=$!
until grep -qs READY "$work/mock.out"; do
  kill -0 "$mock" 2>/dev/null || { echo "the mock API server exited (MOCK_LOG=FILE keeps its log)"; exit 1; }
  sleep 0.2
done
tick=$(awk '/^TICK/ {print $2}' "$work/mock.out")
echo "mock API server holds $n BackupSchedules in $namespaces namespaces; all due at $(date -u -d "@$((tick / 1000))" +%T)"
KUBECONFIG="$work/kubeconfig" TZ=UTC java "${flags[@]}" -jar cli/target/brguard.jar controller --no-leader-election \
  --health-port=0 --workers="$workers" >/dev/null 2>"$work/controller.err" & cpid=$!; pids+=($cpid)
peak=0
while ! grep -qE 'ALL_CREATED|TIMEOUT' "$work/mock.out"; do
  v=$(awk '/VmRSS/ {print $2}' "/proc/$cpid/status" 2>/dev/null || echo 0)
  [ "${v:-0}" -gt "$peak" ] && peak=$v
  if ! kill -0 "$cpid" 2>/dev/null; then echo "the controller exited:"; tail -5 "$work/controller.err"; exit 1; fi
  if [ "$(date +%s%3N)" -lt "$tick" ] && [ -z "${synced:-}" ] && grep -q 'schedule controller started' "$work/controller.err"; then
    synced=$(date +%s%3N); echo "controller synced $(( tick - synced )) ms before the tick"
  fi
  sleep 0.1
done
if grep -q TIMEOUT "$work/mock.out"; then echo "not every run's Backup was made within 2 minutes: $(grep TIMEOUT "$work/mock.out")"; exit 1; fi
[ -n "${synced:-}" ] || { echo "the controller was not ready before the tick; nothing measured"; exit 1; }
done_at=$(awk '/ALL_CREATED/ {print $2}' "$work/mock.out")
echo "tick to the last of $n Backups created: $(( done_at - tick )) ms; controller peak RSS: $(( peak / 1024 )) MiB; CPU seconds: controller $(awk '{printf "%.1f", ($14 + $15) / 100}' "/proc/$cpid/stat") (flags: ${flags[*]})"
