package io.brguard.certs;

import java.time.Duration;
import java.time.Instant;
import java.security.cert.X509Certificate;

/**
 * How long certificates live and when they are renewed: by default a CA lives 5 years and a serving certificate
 * 1 year, and each is renewed once 2/3 of its life has passed (a yearly leaf is renewed after about 8 months),
 * far ahead of expiry so a failing rotation Job has months to be noticed.
 */
public record CertPolicy(Duration caValidity, Duration leafValidity, double renewFraction) {
    public static final CertPolicy DEFAULT = new CertPolicy(Duration.ofDays(5 * 365), Duration.ofDays(365), 2.0 / 3);

    public CertPolicy {
        if (renewFraction <= 0 || renewFraction >= 1) {
            throw new IllegalArgumentException("renew fraction must be between 0 and 1, not " + renewFraction);
        }
        if (leafValidity.compareTo(caValidity) > 0) {
            throw new IllegalArgumentException("the serving certificate cannot outlive its CA");
        }
    }

    /** The instant from which {@code cert} is due for renewal. */
    public Instant renewAt(X509Certificate cert) {
        Instant from = cert.getNotBefore().toInstant();
        Instant to = cert.getNotAfter().toInstant();
        return from.plusMillis((long) (Duration.between(from, to).toMillis() * renewFraction));
    }

    /** Parses 5y, 365d, 12h, 30m or 45s. */
    public static Duration parse(String s) {
        String t = s.trim();
        if (t.length() < 2) {
            throw new IllegalArgumentException("not a duration: " + s + " (use e.g. 5y, 365d, 12h)");
        }
        long n;
        try {
            n = Long.parseLong(t.substring(0, t.length() - 1));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("not a duration: " + s + " (use e.g. 5y, 365d, 12h)");
        }
        return switch (t.charAt(t.length() - 1)) {
            case 'y' -> Duration.ofDays(365 * n);
            case 'd' -> Duration.ofDays(n);
            case 'h' -> Duration.ofHours(n);
            case 'm' -> Duration.ofMinutes(n);
            case 's' -> Duration.ofSeconds(n);
            default -> throw new IllegalArgumentException("not a duration: " + s + " (use e.g. 5y, 365d, 12h)");
        };
    }
}
