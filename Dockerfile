# The brguard image: one jar, all subcommands (webhook, controller, certs, check). No Docker engine runs where
# brguard is developed, so this file is kept simple and is built by your CI:
#   ./brguard --version          # builds cli/target/brguard.jar
#   docker build -t brguard/brguard:0.1.0 .
FROM eclipse-temurin:17-jre
WORKDIR /app
COPY cli/target/brguard.jar /app/brguard.jar
COPY examples/cluster /app/examples/cluster
# AppCDS: a short training run of the webhook records the classes it loads; startup to ready drops from about
# 2.5 s to 1.5 s (docs/benchmarks.md). `timeout` ends it with SIGTERM, and the JVM writes the archive on exit.
RUN timeout 25 java -XX:ArchiveClassesAtExit=/app/brguard.jsa -jar /app/brguard.jar webhook --dev \
      --objects /app/examples/cluster --port 18443 --health-port 18080 >/dev/null 2>&1 || true; \
    test -s /app/brguard.jsa && rm -rf /app/certs
USER 65532:65532
ENTRYPOINT ["java", "-jar", "/app/brguard.jar"]
