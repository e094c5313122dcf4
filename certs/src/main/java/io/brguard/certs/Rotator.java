package io.brguard.certs;

import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * One rotation run: load (validating), plan, then store and publish in the order that never leaves a replica
 * serving a certificate the API server does not trust: CA Secret, caBundle, a pause for the API servers to pick up
 * the bundle, then the serving certificate. Bad input throws before anything is written.
 */
public final class Rotator {
    private final CertStore store;
    private final Consumer<List<X509Certificate>> publisher;
    private final Supplier<Rotation.Served> probe;
    private final Clock clock;
    private final CertPolicy policy;
    private final Duration settle;

    public Rotator(CertStore store, Consumer<List<X509Certificate>> publisher, Supplier<Rotation.Served> probe,
                   Clock clock, CertPolicy policy, Duration settle) {
        this.store = store;
        this.publisher = publisher;
        this.probe = probe;
        this.clock = clock;
        this.policy = policy;
        this.settle = settle;
    }

    /** Issues only when nothing exists yet; refuses to overwrite existing material. */
    public CertState issue(List<String> dns, List<String> ips) {
        if (store.load().isPresent()) {
            throw new CertException(store.describe() + " already holds a CA; nothing was changed. "
                    + "Use `brguard certs rotate` to renew it");
        }
        return rotate(dns, ips, false).state();
    }

    /** The plan that ran and the state now stored. */
    public record Result(Rotation.Plan plan, CertState state) {
    }

    public Result rotate(List<String> dns, List<String> ips, boolean forceNewCa) {
        var now = clock.instant();
        CertState current = null;
        if (!forceNewCa) {
            Optional<CertState> loaded = store.load();
            if (loaded.isPresent()) {
                CertState.checkCa(store.describe() + " (CA)", loaded.get().ca(), now);
                current = loaded.get();
            }
        }
        Rotation.Plan plan = Rotation.plan(current, now, policy, dns, ips,
                current != null && current.previousCa() != null ? probe.get() : Rotation.Served.unknown());
        if (plan.isEmpty()) {
            // Re-publish anyway: a GitOps re-sync may have wiped the caBundle (the manifests ship none).
            publisher.accept(current.bundle());
            return new Result(plan, current);
        }
        CertState next = Rotation.apply(current, plan, now, policy, dns, ips);
        boolean caChanged = current == null || current.ca().certificate() != next.ca().certificate()
                || current.previousCa() != next.previousCa();
        if (caChanged) {
            store.saveCa(next);
        }
        publisher.accept(next.bundle());
        if (plan.steps().contains(Rotation.Step.NEW_CA) && current != null && !settle.isZero()) {
            sleep(settle);
        }
        store.saveServing(next);
        return new Result(plan, next);
    }

    private static void sleep(Duration d) {
        try {
            Thread.sleep(d.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CertException("interrupted while waiting for the caBundle to settle");
        }
    }
}
