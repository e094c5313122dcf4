package io.brguard.policy.schedule;

import io.brguard.policy.field.GoDuration;

import java.time.DayOfWeek;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.Optional;

/**
 * A BackupSchedule's {@code spec.schedule} as TiDB Operator v1 reads it: {@code cron.ParseStandard} of
 * github.com/robfig/cron v1.2.0 (pingcap/tidb-operator release-1.6 go.mod; parser.go, spec.go,
 * constantdelay.go). Five fields (minute, hour, day of month, month, day of week) separated by any whitespace,
 * each a comma list of {@code *}, {@code ?}, {@code n}, {@code a-b} with an optional {@code /step} (a lone
 * {@code n/step} runs to the field's maximum), month and weekday names in any case; or a descriptor
 * {@code @yearly @annually @monthly @weekly @daily @midnight @hourly}, or {@code @every <Go duration>} (under a
 * second is one second, fractions of a second are dropped). Day of week is 0-6 (7 is refused). When both day
 * fields are restricted a day matches either; when one of them is {@code *} or {@code ?}, both must match.
 * Times are matched in the zone of the time given to {@link #next}, as Go matches in the zone of its time.Time.
 */
public sealed interface Cron {

    /** The first activation strictly after {@code t}, or empty when there is none within five years (Go's zero time). */
    Optional<ZonedDateTime> next(ZonedDateTime t);

    /** The parse outcome: a schedule, or robfig's error text. */
    sealed interface Parsed {
    }

    record Valid(Cron cron) implements Parsed {
    }

    record Invalid(String error) implements Parsed {
    }

    /** Parses as {@code cron.ParseStandard} does. */
    static Parsed parse(String spec) {
        return Parser.parse(spec);
    }

    /** A classic five-field schedule, kept as bit sets like robfig's SpecSchedule (bit 63: the field was a star). */
    record Spec(long minute, long hour, long dom, long month, long dow) implements Cron {
        static final long STAR = 1L << 63;

        @Override
        public Optional<ZonedDateTime> next(ZonedDateTime start) {
            // Start at the upcoming second; each field that does not match moves the time forward and, on
            // wrapping, starts over from the month (SpecSchedule.Next).
            ZonedDateTime t = start.plusSeconds(1).truncatedTo(ChronoUnit.SECONDS);
            boolean added = false;
            int yearLimit = t.getYear() + 5;
            wrap:
            while (true) {
                if (t.getYear() > yearLimit) {
                    return Optional.empty();
                }
                while ((1L << t.getMonthValue() & month) == 0) {
                    if (!added) {
                        added = true;
                        t = t.withDayOfMonth(1).truncatedTo(ChronoUnit.DAYS);
                    }
                    t = t.plusMonths(1);
                    if (t.getMonthValue() == 1) {
                        continue wrap;
                    }
                }
                while (!dayMatches(t)) {
                    if (!added) {
                        added = true;
                        t = t.truncatedTo(ChronoUnit.DAYS);
                    }
                    t = t.plusDays(1);
                    if (t.getDayOfMonth() == 1) {
                        continue wrap;
                    }
                }
                while ((1L << t.getHour() & hour) == 0) {
                    if (!added) {
                        added = true;
                        t = t.truncatedTo(ChronoUnit.HOURS);
                    }
                    t = t.plusHours(1);
                    if (t.getHour() == 0) {
                        continue wrap;
                    }
                }
                while ((1L << t.getMinute() & minute) == 0) {
                    if (!added) {
                        added = true;
                        t = t.truncatedTo(ChronoUnit.MINUTES);
                    }
                    t = t.plusMinutes(1);
                    if (t.getMinute() == 0) {
                        continue wrap;
                    }
                }
                // Seconds: ParseStandard fixes the second at 0.
                while (t.getSecond() != 0) {
                    if (!added) {
                        added = true;
                        t = t.truncatedTo(ChronoUnit.SECONDS);
                    }
                    t = t.plusSeconds(1);
                    if (t.getSecond() == 0) {
                        continue wrap;
                    }
                }
                return Optional.of(t);
            }
        }

        private boolean dayMatches(ZonedDateTime t) {
            boolean domMatch = (1L << t.getDayOfMonth() & dom) != 0;
            int weekday = t.getDayOfWeek() == DayOfWeek.SUNDAY ? 0 : t.getDayOfWeek().getValue();
            boolean dowMatch = (1L << weekday & dow) != 0;
            if ((dom & STAR) != 0 || (dow & STAR) != 0) {
                return domMatch && dowMatch;
            }
            return domMatch || dowMatch;
        }

        /** Whether the minute field matches all 60 minutes: the schedule fires every minute of the hours it matches. */
        public boolean everyMinute() {
            return Long.bitCount(minute & ~STAR) == 60;
        }
    }

    /** {@code @every d}: fixed steps of {@code delay} from the time given, landing on whole seconds. */
    record Every(Duration delay) implements Cron {
        @Override
        public Optional<ZonedDateTime> next(ZonedDateTime t) {
            return Optional.of(t.plus(delay).minusNanos(t.getNano()));
        }
    }

    /** The parser of robfig/cron v1.2.0's standardParser (Minute | Hour | Dom | Month | Dow | Descriptor). */
    final class Parser {
        private record Bounds(int min, int max, Map<String, Integer> names) {
        }

        private static final Bounds MINUTES = new Bounds(0, 59, Map.of());
        private static final Bounds HOURS = new Bounds(0, 23, Map.of());
        private static final Bounds DOM = new Bounds(1, 31, Map.of());
        private static final Bounds MONTHS = new Bounds(1, 12, Map.ofEntries(
                Map.entry("jan", 1), Map.entry("feb", 2), Map.entry("mar", 3), Map.entry("apr", 4),
                Map.entry("may", 5), Map.entry("jun", 6), Map.entry("jul", 7), Map.entry("aug", 8),
                Map.entry("sep", 9), Map.entry("oct", 10), Map.entry("nov", 11), Map.entry("dec", 12)));
        private static final Bounds DOW = new Bounds(0, 6, Map.of(
                "sun", 0, "mon", 1, "tue", 2, "wed", 3, "thu", 4, "fri", 5, "sat", 6));

        private Parser() {
        }

        /** Thrown inside the parser for robfig's error text. */
        private static final class Bad extends Exception {
            Bad(String message) {
                super(message, null, false, false);
            }
        }

        static Parsed parse(String spec) {
            if (spec == null || spec.isEmpty()) {
                return new Invalid("Empty spec string");
            }
            try {
                if (spec.charAt(0) == '@') {
                    return new Valid(descriptor(spec));
                }
                String[] fields = spec.strip().isEmpty() ? new String[0] : spec.strip().split("[\\s\\u0085\\u00a0]+");
                if (fields.length != 5) {
                    throw new Bad("Expected exactly 5 fields, found " + fields.length + ": " + spec);
                }
                return new Valid(new Spec(field(fields[0], MINUTES), field(fields[1], HOURS), field(fields[2], DOM),
                        field(fields[3], MONTHS), field(fields[4], DOW)));
            } catch (Bad e) {
                return new Invalid(e.getMessage());
            }
        }

        private static Cron descriptor(String d) throws Bad {
            long all = Spec.STAR;
            return switch (d) {
                case "@yearly", "@annually" -> new Spec(1, 1, 1L << 1, 1L << 1, bits(0, 6, 1) | all);
                case "@monthly" -> new Spec(1, 1, 1L << 1, bits(1, 12, 1) | all, bits(0, 6, 1) | all);
                case "@weekly" -> new Spec(1, 1, bits(1, 31, 1) | all, bits(1, 12, 1) | all, 1);
                case "@daily", "@midnight" -> new Spec(1, 1, bits(1, 31, 1) | all, bits(1, 12, 1) | all,
                        bits(0, 6, 1) | all);
                case "@hourly" -> new Spec(1, bits(0, 23, 1) | all, bits(1, 31, 1) | all, bits(1, 12, 1) | all,
                        bits(0, 6, 1) | all);
                default -> {
                    String every = "@every ";
                    if (!d.startsWith(every)) {
                        throw new Bad("Unrecognized descriptor: " + d);
                    }
                    GoDuration.Parsed p = GoDuration.parse(d.substring(every.length()));
                    if (p instanceof GoDuration.Invalid bad) {
                        throw new Bad("Failed to parse duration " + d + ": " + bad.error());
                    }
                    Duration delay = ((GoDuration.Value) p).duration();
                    if (delay.compareTo(Duration.ofSeconds(1)) < 0) {
                        delay = Duration.ofSeconds(1);
                    }
                    yield new Every(delay.minusNanos(delay.getNano()));
                }
            };
        }

        /** A comma list of ranges (robfig's getField; empty pieces are skipped as strings.FieldsFunc does). */
        private static long field(String field, Bounds r) throws Bad {
            long bits = 0;
            for (String expr : field.split(",")) {
                if (!expr.isEmpty()) {
                    bits |= range(expr, r);
                }
            }
            return bits;
        }

        private static long range(String expr, Bounds r) throws Bad {
            String[] rangeAndStep = expr.split("/", -1);
            String[] lowAndHigh = rangeAndStep[0].split("-", -1);
            boolean single = lowAndHigh.length == 1;
            int start;
            int end;
            long extra = 0;
            if (lowAndHigh[0].equals("*") || lowAndHigh[0].equals("?")) {
                start = r.min();
                end = r.max();
                extra = Spec.STAR;
            } else {
                start = intOrName(lowAndHigh[0], r);
                switch (lowAndHigh.length) {
                    case 1 -> end = start;
                    case 2 -> end = intOrName(lowAndHigh[1], r);
                    default -> throw new Bad("Too many hyphens: " + expr);
                }
            }
            int step;
            switch (rangeAndStep.length) {
                case 1 -> step = 1;
                case 2 -> {
                    step = integer(rangeAndStep[1]);
                    if (single) {
                        end = r.max(); // "N/step" means "N-max/step"
                    }
                }
                default -> throw new Bad("Too many slashes: " + expr);
            }
            if (start < r.min()) {
                throw new Bad("Beginning of range (" + start + ") below minimum (" + r.min() + "): " + expr);
            }
            if (end > r.max()) {
                throw new Bad("End of range (" + end + ") above maximum (" + r.max() + "): " + expr);
            }
            if (start > end) {
                throw new Bad("Beginning of range (" + start + ") beyond end of range (" + end + "): " + expr);
            }
            if (step == 0) {
                throw new Bad("Step of range should be a positive number: " + expr);
            }
            return bits(start, end, step) | extra;
        }

        private static int intOrName(String expr, Bounds r) throws Bad {
            Integer named = r.names().get(expr.toLowerCase(java.util.Locale.ROOT));
            return named != null ? named : integer(expr);
        }

        /** Go's strconv.Atoi: an optional sign and decimal digits; negative numbers are refused after. */
        private static int integer(String expr) throws Bad {
            if (!expr.matches("[+-]?[0-9]+")) {
                throw new Bad("Failed to parse int from " + expr + ": strconv.Atoi: parsing \"" + expr + "\": invalid syntax");
            }
            long n;
            try {
                n = Long.parseLong(expr);
            } catch (NumberFormatException e) {
                throw new Bad("Failed to parse int from " + expr + ": strconv.Atoi: parsing \"" + expr + "\": value out of range");
            }
            if (n < 0) {
                throw new Bad("Negative number (" + n + ") not allowed: " + expr);
            }
            return n > Integer.MAX_VALUE ? Integer.MAX_VALUE : (int) n;
        }

        private static long bits(int min, int max, int step) {
            long b = 0;
            for (int i = min; i <= max; i += step) {
                b |= 1L << i;
            }
            return b;
        }
    }
}
