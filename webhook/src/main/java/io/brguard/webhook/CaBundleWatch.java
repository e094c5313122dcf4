package io.brguard.webhook;

import io.brguard.certs.Pem;
import io.brguard.certs.Trust;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.WebhookClientConfig;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.nio.charset.StandardCharsets;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * What the API server trusts: reads the caBundle of each of brguard's webhook configurations every few minutes and
 * exports, per configuration, whether every webhook's caBundle holds the issuer of the certificate this pod serves
 * ({@code brguard_webhook_cabundle_trusts_serving}) and when that issuer expires
 * ({@code brguard_webhook_cabundle_expiry_timestamp_seconds}). A caBundle that a GitOps sync wiped, or that still
 * holds only an old CA, refuses every call while the serving certificate itself looks fine.
 */
public final class CaBundleWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(CaBundleWatch.class);

    /** What was found in one configuration: the issuer's notAfter (NaN: not in every webhook's caBundle). */
    record Seen(double expiryEpochSeconds, boolean trusts, boolean read) {
        /** Read, and a caBundle does not hold the issuer of the serving certificate (or holds no certificate). */
        static final Seen UNKNOWN = new Seen(Double.NaN, false, true);
        /**
         * Not read yet, or not readable (the configuration is missing, RBAC, the API server), or no serving
         * certificate to judge: the gauges say NaN, never "does not trust", which would page someone for a read error.
         */
        static final Seen UNREAD = new Seen(Double.NaN, false, false);

        /** The value of brguard_webhook_cabundle_trusts_serving: 1, 0, or NaN when not read. */
        double trustsGauge() {
            return !read ? Double.NaN : trusts ? 1 : 0;
        }
    }

    private final KubernetesClient client;
    private final List<String> validating;
    private final List<String> mutating;
    private final Supplier<X509Certificate> serving;
    private final Map<String, Seen> seen = new LinkedHashMap<>();
    private volatile String lastProblem;
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "brguard-cabundle-watch");
        t.setDaemon(true);
        return t;
    });

    public CaBundleWatch(KubernetesClient client, List<String> validating, List<String> mutating, Supplier<X509Certificate> serving) {
        this.client = client;
        this.validating = List.copyOf(validating);
        this.mutating = List.copyOf(mutating);
        this.serving = serving;
        validating.forEach(n -> seen.put("ValidatingWebhookConfiguration/" + n, Seen.UNREAD));
        mutating.forEach(n -> seen.put("MutatingWebhookConfiguration/" + n, Seen.UNREAD));
    }

    public CaBundleWatch bind(MeterRegistry registry) {
        for (String configuration : seen.keySet()) {
            Gauge.builder("brguard.webhook.cabundle.expiry.timestamp", this, w -> w.seen(configuration).expiryEpochSeconds())
                    .description("notAfter of the CA in the configuration's caBundle that issued the serving certificate, "
                            + "seconds since the epoch (the earliest over its webhooks); NaN when a webhook's caBundle does not hold it")
                    .baseUnit("seconds").tags("configuration", configuration).register(registry);
            Gauge.builder("brguard.webhook.cabundle.trusts.serving", this, w -> w.seen(configuration).trustsGauge())
                    .description("1 when every webhook's caBundle in the configuration holds the issuer of the serving certificate")
                    .tags("configuration", configuration).register(registry);
        }
        return this;
    }

    private synchronized Seen seen(String configuration) {
        return seen.getOrDefault(configuration, Seen.UNREAD);
    }

    public CaBundleWatch start(Duration every) {
        timer.scheduleWithFixedDelay(this::check, 0, every.toMillis(), TimeUnit.MILLISECONDS);
        return this;
    }

    /** Reads every configuration once. */
    void check() {
        X509Certificate leaf = serving.get();
        List<String> problems = new ArrayList<>();
        for (String name : validating) {
            record(problems, "ValidatingWebhookConfiguration/" + name, leaf, () -> {
                var c = client.admissionRegistration().v1().validatingWebhookConfigurations().withName(name).get();
                return c == null ? null : c.getWebhooks().stream().map(w -> w.getClientConfig()).toList();
            });
        }
        for (String name : mutating) {
            record(problems, "MutatingWebhookConfiguration/" + name, leaf, () -> {
                var c = client.admissionRegistration().v1().mutatingWebhookConfigurations().withName(name).get();
                return c == null ? null : c.getWebhooks().stream().map(w -> w.getClientConfig()).toList();
            });
        }
        String problem = problems.isEmpty() ? null : String.join("; ", problems);
        if (!Objects.equals(problem, lastProblem)) {
            if (problem != null) {
                LOG.warn("the caBundle does not vouch for this pod's serving certificate: {}", problem);
            } else if (lastProblem != null) {
                LOG.info("every caBundle holds the issuer of the serving certificate again");
            }
            lastProblem = problem;
        }
    }

    private void record(List<String> problems, String configuration, X509Certificate leaf,
                        Supplier<List<WebhookClientConfig>> read) {
        Seen s;
        try {
            List<WebhookClientConfig> webhooks = read.get();
            if (webhooks == null) {
                problems.add(configuration + " not found");
                s = Seen.UNREAD;
            } else if (leaf == null) {
                s = Seen.UNREAD; // no serving certificate yet: nothing to judge
            } else {
                s = judge(webhooks, leaf);
                if (!s.trusts()) {
                    problems.add(configuration + ": a webhook's caBundle does not hold the issuer of the serving certificate");
                }
            }
        } catch (RuntimeException e) {
            problems.add(configuration + ": could not be read (" + e.getClass().getSimpleName() + ")");
            s = Seen.UNREAD;
        }
        synchronized (this) {
            seen.put(configuration, s);
        }
    }

    /** The earliest notAfter, over the webhooks, of the bundle certificate that issued the leaf. */
    static Seen judge(List<WebhookClientConfig> webhooks, X509Certificate leaf) {
        double earliest = Double.POSITIVE_INFINITY;
        for (WebhookClientConfig w : webhooks) {
            String b64 = w == null ? null : w.getCaBundle();
            if (b64 == null || b64.isEmpty() || leaf == null) {
                return Seen.UNKNOWN;
            }
            List<X509Certificate> bundle;
            try {
                bundle = Pem.certificates("caBundle", new String(Base64.getDecoder().decode(b64), StandardCharsets.UTF_8));
            } catch (RuntimeException e) {
                return Seen.UNKNOWN;
            }
            var issuer = Trust.issuer(bundle, leaf);
            if (issuer.isEmpty()) {
                return Seen.UNKNOWN;
            }
            earliest = Math.min(earliest, issuer.get().getNotAfter().toInstant().getEpochSecond());
        }
        return webhooks.isEmpty() ? Seen.UNKNOWN : new Seen(earliest, true, true);
    }

    @Override
    public void close() {
        timer.shutdownNow();
    }
}
