package io.brguard.webhook;

import java.io.FilterOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * The webhook's stderr, where everything but the audit log goes: a line that would begin (after blanks) with
 * {@code {} or {@code [} is written with {@link #MARK} in front. `kubectl logs` merges stdout, which holds the audit
 * lines only, with stderr; with this guard no line from stderr is a JSON object or list, whatever a library puts in
 * a log message or an exception, so a reader that takes the JSON lines takes audit lines and nothing else.
 * Request text is escaped where it is logged too ({@link LogText}); this is the backstop for text that is not.
 * Installed, it also keeps logging off the request path's critical section ({@link #install}).
 */
public final class LogGuard extends FilterOutputStream {
    /** What goes in front of a line that would otherwise read as JSON. */
    static final byte[] MARK = "(stderr) ".getBytes(StandardCharsets.US_ASCII);

    /** At the start of a line, or within its leading blanks (held back until the first other byte shows). */
    private boolean lineStart = true;
    private final java.io.ByteArrayOutputStream blanks = new java.io.ByteArrayOutputStream();

    public LogGuard(OutputStream out) {
        super(out);
    }

    /**
     * Replaces System.err with a guarded one (autoflush, UTF-8) that never blocks its caller: lines go through a
     * queue of {@link Lines#MAX_BYTES} to a thread that writes them, so a request thread that logs is not held up
     * by a stalled pipe; lines that find the queue full are dropped and counted ({@link #droppedLines()}).
     */
    public static void install() {
        if (!(System.err instanceof Guarded)) {
            installed = new Lines(new java.io.FileOutputStream(java.io.FileDescriptor.err));
            System.setErr(new Guarded(new LogGuard(installed)));
        }
    }

    private static volatile Lines installed;

    /** Waits, at most {@code millis}, until the installed stderr has written what it holds (the last lines at exit). */
    public static void flush(long millis) {
        Lines l = installed;
        if (l != null) {
            System.err.flush();
            l.awaitEmpty(millis);
        }
    }

    private static final java.util.concurrent.atomic.AtomicLong DROPPED = new java.util.concurrent.atomic.AtomicLong();

    /** Log lines dropped because stderr could not keep up or failed. */
    public static long droppedLines() {
        return DROPPED.get();
    }

    /** Whole lines handed to a writer thread through a bounded queue. */
    static final class Lines extends OutputStream {
        static final int MAX_BYTES = 256 * 1024;
        private final OutputStream out;
        private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream(256);
        private final java.util.ArrayDeque<byte[]> queue = new java.util.ArrayDeque<>();
        private int queued;
        private boolean writing;

        Lines(OutputStream out) {
            this.out = out;
            Thread t = new Thread(this::drain, "brguard-stderr");
            t.setDaemon(true);
            t.start();
        }

        @Override
        public synchronized void write(int b) {
            line.write(b);
            if (b == '\n') {
                hand();
            }
        }

        @Override
        public synchronized void write(byte[] b, int off, int len) {
            for (int i = off; i < off + len; i++) {
                write(b[i]);
            }
        }

        @Override
        public synchronized void flush() {
            if (line.size() > 0) {
                hand();
            }
        }

        private void hand() {
            byte[] l = line.toByteArray();
            line.reset();
            synchronized (queue) {
                if (queued + l.length > MAX_BYTES) {
                    DROPPED.incrementAndGet();
                    return;
                }
                queue.addLast(l);
                queued += l.length;
                queue.notifyAll();
            }
        }

        void awaitEmpty(long millis) {
            long end = System.nanoTime() + millis * 1_000_000;
            synchronized (queue) {
                while ((!queue.isEmpty() || writing) && System.nanoTime() < end) {
                    try {
                        queue.wait(10);
                    } catch (InterruptedException e) {
                        Thread.currentThread().interrupt();
                        return;
                    }
                }
            }
        }

        private void drain() {
            while (true) {
                byte[] l;
                synchronized (queue) {
                    while (queue.isEmpty()) {
                        try {
                            queue.wait();
                        } catch (InterruptedException e) {
                            return;
                        }
                    }
                    l = queue.removeFirst();
                    queued -= l.length;
                    writing = true;
                }
                try {
                    out.write(l);
                    out.flush();
                } catch (IOException e) {
                    DROPPED.incrementAndGet();
                }
                synchronized (queue) {
                    writing = false;
                    queue.notifyAll();
                }
            }
        }
    }

    private static final class Guarded extends PrintStream {
        Guarded(OutputStream out) {
            super(out, true, StandardCharsets.UTF_8);
        }
    }

    @Override
    public synchronized void write(int b) throws IOException {
        if (lineStart) {
            if (b == ' ' || b == '\t') {
                blanks.write(b);
                return;
            }
            if (b == '{' || b == '[') {
                out.write(MARK);
            }
            blanks.writeTo(out);
            blanks.reset();
            lineStart = b == '\n' || b == '\r';
            out.write(b);
            return;
        }
        out.write(b);
        if (b == '\n' || b == '\r') {
            lineStart = true;
        }
    }

    @Override
    public synchronized void write(byte[] b, int off, int len) throws IOException {
        int from = off;
        int end = off + len;
        for (int i = off; i < end; i++) {
            if (lineStart || b[i] == '\n' || b[i] == '\r') {
                out.write(b, from, i - from);
                write(b[i]);
                from = i + 1;
            }
        }
        out.write(b, from, end - from);
    }

    @Override
    public synchronized void flush() throws IOException {
        out.flush();
    }
}
