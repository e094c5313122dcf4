# The brguard image: one jar, all subcommands (webhook, controller, certs, check, test), built from a clean clone:
#   docker build -t brguard/brguard:0.1.0 .
# The tag is the project version (pom.xml); ReleaseVersionTest holds this file, the manifests and the Helm chart
# to it. No Docker engine runs where brguard is developed: this file is built by your CI.

# Build stage: the jar from the sources, without the tests (they need Node.js and Azurite; CI runs them).
FROM maven:3.9.11-eclipse-temurin-17 AS build
WORKDIR /src
COPY pom.xml ./
COPY policy/pom.xml policy/
COPY certs/pom.xml certs/
COPY webhook/pom.xml webhook/
COPY controller/pom.xml controller/
COPY cli/pom.xml cli/
COPY policy/src policy/src
COPY certs/src certs/src
COPY webhook/src webhook/src
COPY controller/src controller/src
COPY cli/src cli/src
COPY docs/rules.md docs/rules.md
COPY examples examples
RUN mvn -B -q -DskipTests package -pl cli -am

# Ubuntu 24.04 (noble), so that the git below is noble's 2.43 series.
FROM eclipse-temurin:17-jre-noble
LABEL org.opencontainers.image.title="brguard" \
      org.opencontainers.image.version="0.1.0" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.description="Admission policy, offline check and slim controller for TiDB Backups to Azure Blob Storage"
WORKDIR /app
# `brguard check --base REF` reads the ref with git (and tar), `--kustomize` renders with kubectl. git is noble's 2.43
# series (security updates only); kubectl is the static binary of the official image, v1.32 with kustomize v5.5.0
# (the overlays need v4.0.5 or later). A repository mounted from the CI workspace belongs to another user than
# 65532, which git refuses ("dubious ownership") unless the directory is declared safe.
ARG GIT_VERSION=1:2.43.0-1ubuntu7*
RUN apt-get update \
    && apt-get install -y --no-install-recommends "git=${GIT_VERSION}" \
    && rm -rf /var/lib/apt/lists/* \
    && git config --system --add safe.directory '*'
COPY --from=registry.k8s.io/kubectl:v1.32.4 /bin/kubectl /usr/local/bin/kubectl
COPY --from=build /src/cli/target/brguard.jar /app/brguard.jar
COPY LICENSE /app/LICENSE
COPY examples/cluster /app/examples/cluster
# AppCDS: a short training run of the webhook records the classes it loads; startup to ready drops from about
# 2.5 s to 1.5 s (docs/benchmarks.md). `timeout` ends it with SIGTERM, and the JVM writes the archive on exit.
RUN timeout 25 java -XX:ArchiveClassesAtExit=/app/brguard.jsa -jar /app/brguard.jar webhook --dev \
      --objects /app/examples/cluster --port 18443 --health-port 18080 >/dev/null 2>&1 || true; \
    test -s /app/brguard.jsa && rm -rf /app/certs
USER 65532:65532
ENTRYPOINT ["java", "-jar", "/app/brguard.jar"]
