package io.brguard.webhook;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Prometheus metrics: {@code brguard_admission_requests_total} (one count per rule id of a denial, rule="none"
 * otherwise), {@code brguard_admission_duration_seconds} (histogram), and the serving certificate's expiry.
 */
public final class WebhookMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    public WebhookMetrics(Supplier<Double> certExpiryEpochSeconds) {
        this(certExpiryEpochSeconds, () -> 1.0);
    }

    public WebhookMetrics(Supplier<Double> certExpiryEpochSeconds, Supplier<Double> policyConfigValid) {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        Gauge.builder("brguard.webhook.certificate.expiry.timestamp", certExpiryEpochSeconds::get)
                .description("notAfter of the serving certificate, seconds since the epoch")
                .baseUnit("seconds").register(registry);
        io.micrometer.core.instrument.FunctionCounter.builder("brguard.log.lines.dropped", LogGuard.class, c -> LogGuard.droppedLines())
                .description("lines of the webhook's own log (stderr) dropped because stderr could not keep up or failed")
                .register(registry);
        Gauge.builder("brguard.policy.config.valid", policyConfigValid::get)
                .description("1 when the policy configuration file in place is the one in force, 0 when a bad one "
                        + "was refused and the last good one is kept").register(registry);
    }

    /** notAfter of the CA that issued the serving certificate (NaN when the mounted ca.crt does not hold it). */
    public void caExpiry(Supplier<Double> epochSeconds) {
        Gauge.builder("brguard.webhook.ca.expiry.timestamp", epochSeconds::get)
                .description("notAfter of the CA that issued the serving certificate (mounted ca.crt), seconds since "
                        + "the epoch; NaN when ca.crt does not hold it").baseUnit("seconds").register(registry);
    }

    private final Map<List<String>, Counter> rollouts = new ConcurrentHashMap<>();

    /** Validations the rollout let through against a finding: mode Warn, exempt (namespace or selector), break-glass. */
    public void rollout(String mode, String exemptBy) {
        String by = exemptBy == null ? "" : exemptBy;
        rollouts.computeIfAbsent(List.of(mode, by), k -> Counter.builder("brguard.admission.rollout")
                .description("validations allowed by the rollout configuration although a rule found a problem")
                .tags("mode", mode, "exempt_by", by).register(registry)).increment();
    }

    private final Map<String, Counter> overloads = new ConcurrentHashMap<>();

    /**
     * A request refused, or a connection closed, to keep the webhook answering everyone else: the body budget is
     * full, a body or a request head came too slowly, a client holds too many connections, the audit log is behind
     * (with --audit-when-behind=refuse), the process is stopping. One count per request or connection.
     */
    public void overload(String cause) {
        overloads.computeIfAbsent(cause, c -> Counter.builder("brguard.admission.overload")
                .description("admission requests refused or connections closed to protect the rest, by cause")
                .tags("cause", c).register(registry)).increment();
    }

    // Meters are looked up by their label values here instead of being re-registered on every request
    // (a builder per request showed in the profile under load).
    private final Map<List<String>, Timer> timers = new ConcurrentHashMap<>();
    private final Map<List<String>, Counter> counters = new ConcurrentHashMap<>();

    public void record(String endpoint, String operation, String allowed, boolean dryRun, List<String> rules, Duration took) {
        String dry = Boolean.toString(dryRun);
        timers.computeIfAbsent(List.of(endpoint, operation, allowed, dry), k ->
                Timer.builder("brguard.admission.duration").description("time from request read to response ready")
                        .tags("endpoint", endpoint, "operation", operation, "allowed", allowed, "dry_run", dry)
                        .publishPercentileHistogram().minimumExpectedValue(Duration.ofMillis(1).dividedBy(10))
                        .maximumExpectedValue(Duration.ofSeconds(10))
                        .register(registry)).record(took);
        for (String rule : rules.isEmpty() ? List.of("none") : rules) {
            counters.computeIfAbsent(List.of(endpoint, operation, allowed, dry, rule), k ->
                    Counter.builder("brguard.admission.requests").description("admission decisions")
                            .tags("endpoint", endpoint, "operation", operation, "allowed", allowed, "dry_run", dry, "rule", rule)
                            .register(registry)).increment();
        }
    }

    /** The registry, for meters of the background audit. */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return registry;
    }

    public String scrape() {
        return registry.scrape();
    }
}
