package io.brguard.policy.field;

import java.time.DateTimeException;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * TiDB timestamps as TiDB Operator and BR both read them. TiDB Operator v2's ParseTSString
 * (pingcap/tidb-operator api/br/v1alpha1/unorganized.go) takes a TSO integer (physical milliseconds shifted left 18
 * bits), {@code 2006-01-02 15:04:05} in its own local zone, or Go's strict time.RFC3339 ({@code T} and {@code Z}
 * in capitals, seconds, an offset of {@code ±hh:mm}); BR's ParseTSString (pingcap/tidb br/pkg/task/backup.go) reads
 * the same string as a MySQL datetime and, for log start and log truncate, refuses one without a zone ("must set
 * timezone when using datetime format ts"). So a log timestamp is a TSO or strict RFC 3339; a datetime without a
 * zone is a parse result of its own. Lenient forms Java's ISO parser takes (a lowercase {@code t}, no seconds,
 * {@code +08}, {@code +08:00:00}) are refused by the operator, and BR misreads some of them.
 */
public final class Tso {
    private static final int LOGICAL_BITS = 18;
    // A TSO whose physical part is before 2015 cannot come from a TiDB cluster that can run log backup;
    // such numbers are almost always Unix seconds or milliseconds pasted by mistake.
    private static final long MIN_PHYSICAL_MS = Instant.parse("2015-01-01T00:00:00Z").toEpochMilli();
    private static final Pattern DIGITS = Pattern.compile("[0-9]+");
    /** Go's time.RFC3339 as time.Parse reads it: fractional seconds may follow the seconds. */
    private static final Pattern RFC3339 = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2})T(\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,9})?)(Z|[+-]\\d{2}:\\d{2})");
    /** The operator's other layout, 2006-01-02 15:04:05, read in its local zone. */
    private static final Pattern ZONELESS = Pattern.compile("\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}:\\d{2}(\\.\\d+)?");
    /**
     * A snapshot's --backupts as BR reads it correctly (tzCheck false): a date, or a date and a time with seconds
     * (space or T between them), and a zone BR's GetTimezone knows (Z, ±hh, ±hhmm, ±hh:mm) or none.
     */
    private static final Pattern DATETIME = Pattern.compile(
            "(\\d{4}-\\d{2}-\\d{2})(?:[ T](\\d{2}:\\d{2}:\\d{2}(?:\\.\\d{1,6})?) ?(Z|[+-]\\d{2}(?::?\\d{2})?)?)?");

    /** The reading of one timestamp string. */
    public sealed interface Parsed {
    }

    /** A TSO, from digits or converted from an RFC 3339 time. */
    public record Value(long tso) implements Parsed {
        public long physicalMillis() {
            return tso >>> LOGICAL_BITS;
        }
    }

    /** A datetime with no offset: TiDB Operator takes its own local zone, BR refuses it for log backups. */
    public record Zoneless() implements Parsed {
    }

    /** A datetime with no offset that BR reads in its own pod's time zone (a snapshot's --backupts). */
    public record LocalTime() implements Parsed {
    }

    /** Digits that are not a plausible TSO (e.g. Unix seconds). */
    public record Implausible(String hint) implements Parsed {
    }

    /** Not a timestamp at all. */
    public record Invalid() implements Parsed {
    }

    private Tso() {
    }

    public static Parsed parse(String s) {
        if (s == null) {
            return new Invalid();
        }
        String t = s.trim();
        if (DIGITS.matcher(t).matches()) {
            long v;
            try {
                v = Long.parseUnsignedLong(t);
            } catch (NumberFormatException e) {
                return new Invalid();
            }
            long physical = v >>> LOGICAL_BITS;
            if (v != 0 && physical < MIN_PHYSICAL_MS) {
                String hint = t.length() <= 10 ? "looks like Unix seconds" : t.length() <= 13 ? "looks like Unix milliseconds" : "too small for a TSO";
                return new Implausible(hint);
            }
            return new Value(v);
        }
        Matcher m = RFC3339.matcher(t);
        if (m.matches()) {
            try {
                OffsetDateTime odt = OffsetDateTime.parse(m.group(1) + "T" + m.group(2) + m.group(3));
                return new Value(fromMillis(odt.toInstant().toEpochMilli()));
            } catch (DateTimeParseException e) {
                return new Invalid(); // a month 13 or an hour 25
            }
        }
        return ZONELESS.matcher(t).matches() ? new Zoneless() : new Invalid();
    }

    /**
     * A snapshot's commitTs, which BR reads as --backupts with ParseTSString(ts, false) (pingcap/tidb
     * br/pkg/task/backup.go) and TiDB Operator does not parse: a TSO, a date, or a datetime with or without a zone
     * (without one BR takes its pod's zone). Forms BR reads wrongly are refused: without seconds BR takes the
     * offset's digits for them ({@code 15:21+08:00} becomes 15:21:08), and {@code +08:00:00} is dropped.
     */
    public static Parsed parseSnapshot(String s) {
        Parsed strict = parse(s);
        if (strict instanceof Value || strict instanceof Implausible) {
            return strict;
        }
        Matcher m = DATETIME.matcher(s.trim());
        if (!m.matches()) {
            return new Invalid();
        }
        try {
            LocalDateTime local = LocalDateTime.parse(m.group(1) + "T" + (m.group(2) == null ? "00:00:00" : m.group(2)));
            if (m.group(3) == null) {
                return new LocalTime();
            }
            String zone = m.group(3).equals("Z") ? "Z" : m.group(3).length() == 3 ? m.group(3) + ":00"
                    : m.group(3).replaceFirst("^([+-]\\d{2})(\\d{2})$", "$1:$2");
            return new Value(fromMillis(local.atOffset(ZoneOffset.of(zone)).toInstant().toEpochMilli()));
        } catch (DateTimeException e) {
            return new Invalid();
        }
    }

    /** The TSO at a physical time, logical part zero. */
    public static long fromMillis(long millis) {
        return millis << LOGICAL_BITS;
    }

    /** The physical time of a TSO, in milliseconds since the epoch. */
    public static long toMillis(long tso) {
        return tso >>> LOGICAL_BITS;
    }

    /** The TSO of a string, or -1 when it is not one (negative TSOs do not exist below 2^63). */
    public static long valueOrMinusOne(String s) {
        return parse(s) instanceof Value v ? v.tso() : -1;
    }

    /** A readable UTC time for a TSO, for messages. */
    public static String describe(long tso) {
        return Instant.ofEpochMilli(tso >>> LOGICAL_BITS).toString();
    }
}
