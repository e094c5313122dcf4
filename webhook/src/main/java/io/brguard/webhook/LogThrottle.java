package io.brguard.webhook;

import org.slf4j.Logger;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * At most one warning per cause and interval: a client that sends thousands of bad or refused requests a second
 * must not turn the log into its own channel (20,000 warnings in 30 s were seen) or take the CPU that writing them
 * costs. The first of a cause is logged at once; later ones within the interval are counted and the count rides
 * along with the next line of that cause. The metrics count every one.
 */
final class LogThrottle {
    private final Logger log;
    private final long intervalNanos;
    private final Map<String, Cause> causes = new ConcurrentHashMap<>();

    private static final class Cause {
        final AtomicLong next = new AtomicLong(Long.MIN_VALUE);
        final AtomicLong skipped = new AtomicLong();
    }

    LogThrottle(Logger log, java.time.Duration interval) {
        this.log = log;
        this.intervalNanos = interval.toNanos();
    }

    /** Logs {@code message} (already safe: request text through {@link LogText}) unless this cause logged lately. */
    void warn(String cause, String message) {
        Cause c = causes.computeIfAbsent(cause, k -> new Cause());
        long now = System.nanoTime();
        long next = c.next.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !c.next.compareAndSet(next, now + intervalNanos)) {
            c.skipped.incrementAndGet();
            return;
        }
        long skipped = c.skipped.getAndSet(0);
        log.warn(skipped == 0 ? message : message + " (and " + skipped + " more like it since the last such line)");
    }
}
