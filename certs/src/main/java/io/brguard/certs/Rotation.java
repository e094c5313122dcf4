package io.brguard.certs;

import java.security.cert.CertificateParsingException;
import java.security.cert.X509Certificate;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what a rotation run does, as a pure function of the stored state, the clock and what the replicas serve.
 * A CA rotation keeps the old CA in the caBundle (the API server trusts both) and issues the new leaf from the new
 * CA; the old CA leaves the bundle only once every replica is seen serving a leaf of the new CA, or it expired.
 */
public final class Rotation {

    /** What to do, in this order. */
    public enum Step { NEW_CA, ISSUE_LEAF, DROP_PREVIOUS_CA }

    /** The steps and, for each, why. */
    public record Plan(List<Step> steps, List<String> reasons) {
        public boolean isEmpty() {
            return steps.isEmpty();
        }
    }

    /**
     * What the webhook replicas serve: the leaf certificate each answered with, or empty when no probe ran (then
     * the previous CA stays in the bundle until it expires: keeping it costs nothing, dropping it early breaks TLS).
     */
    public record Served(Optional<List<X509Certificate>> leaves) {
        public static Served unknown() {
            return new Served(Optional.empty());
        }

        public static Served of(List<X509Certificate> leaves) {
            return new Served(Optional.of(List.copyOf(leaves)));
        }
    }

    private Rotation() {
    }

    public static Plan plan(CertState state, Instant now, CertPolicy policy, List<String> dns, List<String> ips,
                            Served served) {
        List<Step> steps = new ArrayList<>();
        List<String> why = new ArrayList<>();
        if (state == null || state.ca() == null) {
            steps.add(Step.NEW_CA);
            why.add("no CA yet");
            steps.add(Step.ISSUE_LEAF);
            why.add("no serving certificate yet");
            return new Plan(steps, why);
        }
        X509Certificate ca = state.ca().certificate();
        if (!now.isBefore(policy.renewAt(ca))) {
            steps.add(Step.NEW_CA);
            why.add("the CA is due for renewal since " + policy.renewAt(ca) + " (expires " + ca.getNotAfter().toInstant() + ")");
            steps.add(Step.ISSUE_LEAF);
            why.add("a serving certificate from the new CA");
            return new Plan(steps, why);
        }
        Optional<String> leafReason = leafReason(state, now, policy, dns, ips);
        leafReason.ifPresent(r -> {
            steps.add(Step.ISSUE_LEAF);
            why.add(r);
        });
        if (state.previousCa() != null && leafReason.isEmpty()) {
            if (now.isAfter(state.previousCa().getNotAfter().toInstant())) {
                steps.add(Step.DROP_PREVIOUS_CA);
                why.add("the previous CA expired");
            } else if (served.leaves().isPresent() && !served.leaves().get().isEmpty()
                    && served.leaves().get().stream().allMatch(l -> CertState.signedBy(l, ca))) {
                steps.add(Step.DROP_PREVIOUS_CA);
                why.add("all " + served.leaves().get().size() + " replicas serve a certificate of the current CA");
            }
        }
        return new Plan(steps, why);
    }

    private static Optional<String> leafReason(CertState s, Instant now, CertPolicy policy, List<String> dns, List<String> ips) {
        if (s.leaf() == null) {
            return Optional.of("no serving certificate yet");
        }
        X509Certificate leaf = s.leaf().certificate();
        if (!CertState.signedBy(leaf, s.ca().certificate())) {
            return Optional.of("the serving certificate is not from the current CA");
        }
        if (!CertState.matches(s.leaf())) {
            return Optional.of("the serving key does not belong to the serving certificate");
        }
        if (!now.isBefore(policy.renewAt(leaf))) {
            return Optional.of("the serving certificate is due for renewal since " + policy.renewAt(leaf));
        }
        Set<String> want = new HashSet<>(dns);
        want.addAll(ips);
        Set<String> have = sans(leaf);
        if (!have.equals(want)) {
            return Optional.of("the serving certificate names " + new java.util.TreeSet<>(have) + ", wanted "
                    + new java.util.TreeSet<>(want));
        }
        return Optional.empty();
    }

    static Set<String> sans(X509Certificate cert) {
        Set<String> out = new HashSet<>();
        try {
            Collection<List<?>> names = cert.getSubjectAlternativeNames();
            if (names != null) {
                names.forEach(n -> out.add(String.valueOf(n.get(1))));
            }
        } catch (CertificateParsingException e) {
            // no readable SANs: the set stays empty and the leaf is reissued
        }
        return out;
    }

    /** Carries out a plan in memory; the caller stores and publishes the result (bundle first, then the leaf). */
    public static CertState apply(CertState state, Plan plan, Instant now, CertPolicy policy, List<String> dns,
                                  List<String> ips) {
        Issuer.Issued ca = state == null ? null : state.ca();
        X509Certificate previous = state == null ? null : state.previousCa();
        Issuer.Issued leaf = state == null ? null : state.leaf();
        for (Step step : plan.steps()) {
            switch (step) {
                case NEW_CA -> {
                    previous = ca == null ? null : ca.certificate();
                    ca = Issuer.ca("brguard-webhook-ca-" + now.getEpochSecond(), now, policy.caValidity());
                }
                case ISSUE_LEAF -> leaf = Issuer.leaf(ca, dns, ips, now, policy.leafValidity());
                case DROP_PREVIOUS_CA -> previous = null;
            }
        }
        return new CertState(ca, previous, leaf);
    }
}
