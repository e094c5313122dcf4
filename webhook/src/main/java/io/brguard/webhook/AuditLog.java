package io.brguard.webhook;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/**
 * Writes one JSON line per decision to stdout and, optionally, appends it to a file. Lines are written whole
 * under a lock, so concurrent requests never interleave. A failing file never fails a request; it is reported
 * once on stderr and stdout keeps the record.
 */
public final class AuditLog implements AutoCloseable {
    private final PrintStream stdout;
    private final OutputStream file;
    private boolean fileBroken;

    public AuditLog(PrintStream stdout, Path file) throws IOException {
        this.stdout = stdout;
        this.file = file == null ? null : Files.newOutputStream(file, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    }

    public void write(AuditRecord record) {
        // Serialized outside the lock: concurrent requests wait only for each other's write, not their JSON.
        byte[] json = record.toJson();
        byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        writeLine(line);
    }

    private synchronized void writeLine(byte[] line) {
        if (stdout != null) {
            stdout.write(line, 0, line.length);
            stdout.flush();
        }
        if (file != null && !fileBroken) {
            try {
                file.write(line);
                file.flush();
            } catch (IOException e) {
                fileBroken = true;
                System.err.println("brguard webhook: audit file write failed, continuing on stdout only: " + e.getMessage());
            }
        }
    }

    @Override
    public synchronized void close() throws IOException {
        if (file != null) {
            file.close();
        }
    }
}
