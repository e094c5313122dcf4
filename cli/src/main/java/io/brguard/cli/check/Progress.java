package io.brguard.cli.check;

import java.io.PrintWriter;
import java.util.Locale;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

/**
 * A progress line on stderr for a long check, never on stdout (where -o json, junit and sarif go). On a terminal it
 * is one line rewritten in place once a second, shown only once a run has lasted a second and cleared at the end;
 * elsewhere (a CI log, asked for with --progress) each phase is a line of its own, with a line every five seconds
 * while a phase lasts.
 */
final class Progress implements AutoCloseable {

    /** The counters the phases advance. */
    final AtomicLong files = new AtomicLong();
    final AtomicLong decided = new AtomicLong();

    private final PrintWriter err;
    private final boolean terminal;
    private final ScheduledExecutorService ticker;
    private final AtomicReference<Phase> phase = new AtomicReference<>();
    private final long started = System.nanoTime();
    private volatile int shownWidth;
    private volatile boolean closed;

    private record Phase(String name, long total, AtomicLong counter, long since) {
    }

    private Progress(PrintWriter err, boolean terminal) {
        this.err = err;
        this.terminal = terminal;
        if (err == null) {
            ticker = null;
            return;
        }
        ticker = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "brguard-progress");
            t.setDaemon(true);
            return t;
        });
        long every = terminal ? 1 : 5;
        ticker.scheduleAtFixedRate(this::tick, every, every, TimeUnit.SECONDS);
    }

    /** No progress at all. */
    static Progress none() {
        return new Progress(null, false);
    }

    /** Progress on this writer; {@code terminal}: rewrite one line in place. */
    static Progress to(PrintWriter err, boolean terminal) {
        return new Progress(err, terminal);
    }

    /** Reading the inputs: files counted as they are read. */
    void reading() {
        start("read", -1, files);
    }

    /** Deciding {@code total} objects. */
    void deciding(long total) {
        start("decided", total, decided);
    }

    private void start(String name, long total, AtomicLong counter) {
        Phase before = phase.getAndSet(new Phase(name, total, counter, System.nanoTime()));
        if (err != null && !terminal) {
            if (before != null) {
                line(done(before));
            }
            line(name.equals("read") ? "reading the inputs" : "deciding " + count(total) + " object(s)");
        }
    }

    private synchronized void tick() {
        Phase p = phase.get();
        if (p == null || err == null || closed) {
            return;
        }
        String text = p.name() + " " + count(p.counter().get()) + (p.total() < 0 ? " file(s)" : " of " + count(p.total())
                + " object(s)") + ", " + seconds(System.nanoTime() - started) + " s";
        if (terminal) {
            String padded = "brguard check: " + text;
            err.print("\r" + padded + " ".repeat(Math.max(0, shownWidth - padded.length())));
            shownWidth = padded.length();
            err.flush();
        } else {
            line(text);
        }
    }

    private static String done(Phase p) {
        return p.name() + " " + count(p.counter().get()) + (p.total() < 0 ? " file(s)" : " object(s)") + " in "
                + seconds(System.nanoTime() - p.since()) + " s";
    }

    private synchronized void line(String text) {
        err.println("brguard check: " + text);
        err.flush();
    }

    private static String count(long n) {
        return String.format(Locale.ROOT, "%,d", n);
    }

    private static String seconds(long nanos) {
        return String.format(Locale.ROOT, "%.1f", nanos / 1e9);
    }

    /** Stops the ticks; clears the terminal line, or closes the last phase with its line. */
    @Override
    public synchronized void close() {
        if (ticker == null || closed) {
            return;
        }
        closed = true;
        ticker.shutdownNow();
        Phase last = phase.get();
        if (terminal) {
            if (shownWidth > 0) {
                err.print("\r" + " ".repeat(shownWidth) + "\r");
                err.flush();
            }
        } else if (last != null) {
            line(done(last));
        }
    }
}
