#!/usr/bin/env bash
# bench/controller: 1,000 Backups planned and their Jobs created (target <= 10 s), peak RSS (target <= 200 MiB).
# Runs ControllerBench (a JUnit class tagged "bench", excluded from mvn verify) against the fabric8 CRUD mock API
# and Azurite, in one JVM. Usage: bench/controller/run.sh [BACKUPS, default 1000] [WORKERS, default 8]
set -euo pipefail
cd "$(dirname "$0")/../.."
mvn -B -q -Dstyle.color=never install -DskipTests -pl controller -am >/dev/null
mvn -B -Dstyle.color=never test -pl controller -Dtest=ControllerBench -Dbench.excluded= -Dsurefire.failIfNoSpecifiedTests=false \
  -Dbench.backups="${1:-1000}" -Dbench.workers="${2:-8}" -DargLine="-Djdk.httpclient.allowRestrictedHeaders=content-length -Xmx256m" \
  | grep -E "BENCH|Tests run:|ERROR" 
