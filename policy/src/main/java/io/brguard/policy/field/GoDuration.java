package io.brguard.policy.field;

import java.math.BigInteger;
import java.time.Duration;
import java.util.Map;

/**
 * Durations as Go's {@code time.ParseDuration} reads them (golang/go src/time/format.go): a possibly signed
 * sequence of decimal numbers, each with an optional fraction and a unit {@code ns}, {@code us} ({@code µs},
 * {@code μs}), {@code ms}, {@code s}, {@code m} or {@code h}, such as {@code 72h} or {@code 1h30m}. There is no day
 * unit: {@code 3d} is an error, and TiDB Operator then logs it and keeps every Backup of a schedule
 * (backupGCByMaxReservedTime). "0" alone is zero; a value past Go's int64 nanoseconds is an error.
 */
public final class GoDuration {
    private static final Map<String, Long> UNITS = Map.of(
            "ns", 1L, "us", 1_000L, "\u00b5s", 1_000L, "\u03bcs", 1_000L,
            "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);
    /** 1 << 63, the largest magnitude Go accepts before the sign is applied. */
    private static final BigInteger LIMIT = BigInteger.ONE.shiftLeft(63);

    private GoDuration() {
    }

    /** The outcome of a parse: a duration, or the error text Go would give. */
    public sealed interface Parsed {
    }

    public record Value(Duration duration) implements Parsed {
    }

    public record Invalid(String error) implements Parsed {
    }

    public static Parsed parse(String text) {
        String orig = text == null ? "" : text;
        String s = orig;
        boolean neg = false;
        if (!s.isEmpty() && (s.charAt(0) == '-' || s.charAt(0) == '+')) {
            neg = s.charAt(0) == '-';
            s = s.substring(1);
        }
        if (s.equals("0")) {
            return new Value(Duration.ZERO);
        }
        if (s.isEmpty()) {
            return invalid(orig);
        }
        BigInteger total = BigInteger.ZERO;
        while (!s.isEmpty()) {
            char c = s.charAt(0);
            if (!(c == '.' || c >= '0' && c <= '9')) {
                return invalid(orig);
            }
            int i = 0;
            BigInteger whole = BigInteger.ZERO;
            while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                whole = whole.multiply(BigInteger.TEN).add(BigInteger.valueOf(s.charAt(i) - '0'));
                if (whole.compareTo(LIMIT) > 0) {
                    return invalid(orig); // leadingInt overflows
                }
                i++;
            }
            boolean pre = i > 0;
            long fraction = 0;
            double scale = 1;
            boolean post = false;
            if (i < s.length() && s.charAt(i) == '.') {
                i++;
                int start = i;
                boolean overflow = false;
                while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9') {
                    // leadingFraction stops gaining precision instead of failing
                    if (!overflow) {
                        if (fraction > (Long.MAX_VALUE) / 10) {
                            overflow = true;
                        } else {
                            fraction = fraction * 10 + (s.charAt(i) - '0');
                            scale *= 10;
                        }
                    }
                    i++;
                }
                post = i > start;
            }
            if (!pre && !post) {
                return invalid(orig);
            }
            int unitStart = i;
            while (i < s.length() && !(s.charAt(i) == '.' || s.charAt(i) >= '0' && s.charAt(i) <= '9')) {
                i++;
            }
            if (i == unitStart) {
                return new Invalid("time: missing unit in duration " + quote(orig));
            }
            String unitText = s.substring(unitStart, i);
            Long unit = UNITS.get(unitText);
            if (unit == null) {
                return new Invalid("time: unknown unit " + quote(unitText) + " in duration " + quote(orig));
            }
            BigInteger v = whole.multiply(BigInteger.valueOf(unit));
            if (whole.compareTo(LIMIT.divide(BigInteger.valueOf(unit))) > 0) {
                return invalid(orig);
            }
            if (fraction > 0) {
                v = v.add(BigInteger.valueOf((long) (fraction * (unit / scale))));
                if (v.compareTo(LIMIT) > 0) {
                    return invalid(orig);
                }
            }
            total = total.add(v);
            if (total.compareTo(LIMIT) > 0) {
                return invalid(orig);
            }
            s = s.substring(i);
        }
        if (!neg && total.compareTo(LIMIT) >= 0) {
            return invalid(orig);
        }
        long nanos = neg ? total.negate().longValue() : total.longValue();
        return new Value(Duration.ofNanos(nanos));
    }

    private static Invalid invalid(String orig) {
        return new Invalid("time: invalid duration " + quote(orig));
    }

    /** Go's strconv.Quote for the printable strings this sees. */
    private static String quote(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
