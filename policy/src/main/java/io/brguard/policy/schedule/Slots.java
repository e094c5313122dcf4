package io.brguard.policy.schedule;

import java.time.Duration;
import java.time.ZonedDateTime;
import java.util.Optional;

/**
 * The run a schedule owes: the latest activation after the last run and at or before now (TiDB Operator v1
 * getLastScheduledTime, pingcap/tidb-operator release-1.6 pkg/backup/backupschedule/backup_schedule_manager.go).
 * Missed runs after a restart or a long pause give this one run, not a burst. v1 walks every missed activation
 * and, past 1,000 of them, moves the last run to now and makes nothing that round; this finds the latest one
 * directly, in work bounded by the length of the gap's logarithm and the density of the schedule, so a minutely
 * schedule paused for a year costs no more than a daily one.
 */
public final class Slots {
    /** Activations walked inside the final window at most (a minutely schedule's window holds about 60). */
    static final int MAX_WALK = 100_000;

    private Slots() {
    }

    /** The latest activation {@code t} with {@code after < t <= now}, if any. */
    public static Optional<ZonedDateTime> lastAtOrBefore(Cron cron, ZonedDateTime after, ZonedDateTime now) {
        if (!now.isAfter(after)) {
            return Optional.empty();
        }
        if (cron instanceof Cron.Every every) {
            // @every steps from the last run: after + k * delay (constantdelay.go), so count the steps.
            long delay = every.delay().toMillis();
            long gap = Duration.between(after.withNano(0), now).toMillis();
            long steps = gap / delay;
            return steps < 1 ? Optional.empty() : Optional.of(after.withNano(0).plus(Duration.ofMillis(steps * delay)));
        }
        // Look back from now over a window that doubles until it holds an activation, then walk that window.
        Duration window = Duration.ofMinutes(1);
        while (true) {
            ZonedDateTime from = now.minus(window);
            boolean whole = !from.isAfter(after);
            if (whole) {
                from = after;
            }
            Optional<ZonedDateTime> t = cron.next(from);
            if (t.isPresent() && !t.get().isAfter(now)) {
                ZonedDateTime last = t.get();
                for (int i = 0; i < MAX_WALK; i++) {
                    Optional<ZonedDateTime> n = cron.next(last);
                    if (n.isEmpty() || n.get().isAfter(now)) {
                        break;
                    }
                    last = n.get();
                }
                return Optional.of(last);
            }
            if (whole) {
                return Optional.empty();
            }
            window = window.multipliedBy(2);
        }
    }
}
