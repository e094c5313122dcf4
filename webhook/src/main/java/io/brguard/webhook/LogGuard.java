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

    /** Replaces System.err with a guarded one (autoflush, UTF-8). */
    public static void install() {
        if (!(System.err instanceof Guarded)) {
            System.setErr(new Guarded(new LogGuard(new java.io.FileOutputStream(java.io.FileDescriptor.err))));
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
