package io.brguard.webhook;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The audit log: one JSON line per decision, to stdout and, optionally, appended to a file. A request only puts its
 * line in each sink's queue, which never blocks; a thread per sink writes it. So a stalled stdout pipe or a full
 * disk never holds up an admission. What cannot be written is counted, never silently lost:
 * {@code brguard_audit_lines_lost_total{sink, cause}} and one log line per sink and cause until the sink recovers.
 *
 * <ul>
 *   <li>{@code queue_full}: the sink writes more slowly than lines come (a stalled pipe); the queue holds
 *       {@link #QUEUE_BYTES} per sink, past that new lines are dropped and counted.</li>
 *   <li>{@code write_error}: writes fail (disk full, a broken pipe); the line that failed is tried again every
 *       second, new lines wait in the queue and past it are dropped and counted. When writes succeed again the
 *       queue is written out.</li>
 *   <li>{@code closed}: lines still queued when the process stops and the queue could not be written in time.</li>
 * </ul>
 *
 * <p>No torn line is left behind: a write to the file that fails half way is cut back to the line's start, a file
 * found ending in a partial line when it is opened (a process killed mid-write) is cut back to its last whole line,
 * and after a failed write to stdout the next line starts on a line of its own. The file is opened again when it is
 * renamed away or removed (logrotate's create mode), within a second. Lines are not fsync'd.
 *
 * <p>Whether a decision may be answered while its line cannot be taken is {@link WhenBehind}.
 */
public final class AuditLog implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(AuditLog.class);

    /** Bytes of lines each sink holds while it is slow or failing, about 2,000 lines. */
    static final long QUEUE_BYTES = 2L << 20;
    /** How often a failing sink tries again, and how often the file is checked for a rotation. */
    static final long RETRY_MILLIS = 1000;

    /** What the webhook does when a decision's line cannot be taken (a sink is failing or its queue is full). */
    public enum WhenBehind {
        /** Answer anyway; the line is counted as lost. The default: with failurePolicy Fail, refusing would block every Backup write while the log is down. */
        ANSWER,
        /** Answer HTTP 503 without deciding, so the API server applies the webhook's failurePolicy: no decision without its record. */
        REFUSE
    }

    private final List<Sink> sinks = new ArrayList<>();
    private final WhenBehind whenBehind;
    private final ScheduledExecutorService watch = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "brguard-audit-watch");
        t.setDaemon(true);
        return t;
    });

    /** Lines to {@code stdout} (when not null) and {@code file} (when not null); decisions are answered while behind. */
    public AuditLog(PrintStream stdout, Path file) throws IOException {
        this(stdout, file, WhenBehind.ANSWER);
    }

    public AuditLog(OutputStream stdout, Path file, WhenBehind whenBehind) throws IOException {
        this(stdout == null ? null : new StreamSink("stdout", stdout, QUEUE_BYTES),
                file == null ? null : new FileSink(file, FileChannelOpener.REAL, QUEUE_BYTES), whenBehind);
    }

    AuditLog(Sink stdout, Sink file, WhenBehind whenBehind) {
        this.whenBehind = whenBehind;
        for (Sink s : new Sink[] {stdout, file}) {
            if (s != null) {
                sinks.add(s);
                s.start();
            }
        }
        watch.scheduleWithFixedDelay(this::report, 1, 1, TimeUnit.SECONDS);
    }

    /** The process's stdout as a stream whose write errors are seen (System.out is a PrintStream, which hides them). */
    public static OutputStream stdout() {
        OutputStream out = new FileOutputStream(FileDescriptor.out);
        StreamSink.freshLineIfFile(Path.of("/proc/self/fd/1"), out);
        return out;
    }

    public WhenBehind whenBehind() {
        return whenBehind;
    }

    /** True when a sink is failing or its queue is nearly full: a line written now may be lost. */
    public boolean behind() {
        for (Sink s : sinks) {
            if (s.failure != null || s.queuedBytes() > s.maxBytes * 9 / 10) {
                return true;
            }
        }
        return false;
    }

    /** Queues the record's line for every sink; never blocks. False when a sink could not take it (counted). */
    public boolean write(AuditRecord record) {
        byte[] json = record.toJson();
        byte[] line = java.util.Arrays.copyOf(json, json.length + 1);
        line[json.length] = '\n';
        boolean all = true;
        for (Sink s : sinks) {
            all &= s.offer(line);
        }
        return all;
    }

    /** Waits until every queue is written out, at most {@code millis}; false when lines remain. */
    public boolean drain(long millis) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(millis);
        for (Sink s : sinks) {
            if (!s.drain(end)) {
                return false;
            }
        }
        return true;
    }

    /** The meters: lines written and lost by sink (and cause), bytes queued, whether each sink writes. */
    public void bind(MeterRegistry registry) {
        for (Sink s : sinks) {
            s.bind(registry);
        }
    }

    /** Lines lost so far, by sink and cause (tests). */
    Map<String, Long> lost() {
        Map<String, Long> out = new LinkedHashMap<>();
        for (Sink s : sinks) {
            s.lost.forEach((cause, n) -> {
                if (n.get() > 0) {
                    out.put(s.name + "/" + cause, n.get());
                }
            });
        }
        return out;
    }

    /** Says once per sink and cause what is being lost, and once when the sink writes again. */
    private void report() {
        for (Sink s : sinks) {
            s.report();
        }
    }

    /** Stops taking lines, writes out what is queued (at most 2 s), closes the file. */
    @Override
    public void close() {
        try {
            drain(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        for (Sink s : sinks) {
            s.close();
        }
        watch.shutdownNow();
        report();
    }

    /** One place lines go: a queue and the thread that writes it. */
    abstract static class Sink implements Runnable {
        static final List<String> CAUSES = List.of("queue_full", "write_error", "closed");
        static final Map<String, String> WHY = Map.of(
                "queue_full", "it cannot keep up and its queue is full",
                "write_error", "its writes fail and its queue is full",
                "closed", "the process stopped before they were written");

        final String name;
        final long maxBytes;
        private final ArrayDeque<byte[]> queue = new ArrayDeque<>();
        private long queued;
        private boolean closed;
        /** Lines at the head of the queue that the writer is writing now (counted by the writer, not by close). */
        private int writing;
        /** Why writes fail now, or null. */
        volatile String failure;
        final AtomicLong written = new AtomicLong();
        final Map<String, AtomicLong> lost = new LinkedHashMap<>();
        /** What {@link #report} said in this episode: its causes and the failure; and the counts before it. */
        private final java.util.Set<String> announced = new java.util.HashSet<>();
        private String announcedFailure;
        private final Map<String, Long> seen = new java.util.HashMap<>();

        Sink(String name, long maxBytes) {
            this.name = name;
            this.maxBytes = maxBytes;
            CAUSES.forEach(c -> lost.put(c, new AtomicLong()));
        }

        void start() {
            Thread thread = new Thread(this, "brguard-audit-" + name);
            thread.setDaemon(true);
            thread.start();
        }

        long queuedBytes() {
            synchronized (queue) {
                return queued;
            }
        }

        boolean offer(byte[] line) {
            synchronized (queue) {
                if (closed) {
                    lost.get("closed").incrementAndGet();
                    return false;
                }
                if (queued + line.length > maxBytes) {
                    lost.get(failure != null ? "write_error" : "queue_full").incrementAndGet();
                    return false;
                }
                queue.addLast(line);
                queued += line.length;
                queue.notifyAll();
            }
            return failure == null;
        }

        @Override
        public void run() {
            long lastCheck = System.nanoTime();
            while (true) {
                List<byte[]> batch = new ArrayList<>();
                synchronized (queue) {
                    while (queue.isEmpty() && !closed) {
                        try {
                            queue.wait(RETRY_MILLIS);
                        } catch (InterruptedException e) {
                            return;
                        }
                        if (queue.isEmpty()) {
                            break;
                        }
                    }
                    if (queue.isEmpty() && closed) {
                        return;
                    }
                    int bytes = 0;
                    for (byte[] l : queue) {
                        if (!batch.isEmpty() && (bytes + l.length > batchBytes() || batch.size() >= 512)) {
                            break;
                        }
                        batch.add(l);
                        bytes += l.length;
                    }
                    writing = batch.size();
                }
                if (System.nanoTime() - lastCheck > TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS)) {
                    lastCheck = System.nanoTime();
                    maintain();
                }
                if (batch.isEmpty()) {
                    continue;
                }
                try {
                    int done = write(batch);
                    synchronized (queue) {
                        writing = 0;
                        if (closed) {
                            lost.get("closed").addAndGet(batch.size() - done); // close() left the batch to this count
                        }
                        for (int i = 0; i < done && !queue.isEmpty(); i++) { // close() may have emptied it meanwhile
                            queued -= queue.removeFirst().length;
                        }
                        queue.notifyAll();
                    }
                    written.addAndGet(done);
                    failure = null;
                } catch (IOException e) {
                    failure = describe(e);
                    synchronized (queue) {
                        writing = 0;
                        if (closed) {
                            lost.get("closed").addAndGet(batch.size()); // no retry after close
                            return;
                        }
                    }
                    try {
                        Thread.sleep(RETRY_MILLIS);
                    } catch (InterruptedException ie) {
                        return;
                    }
                    maintain();
                }
            }
        }

        /** Bytes written in one go. */
        abstract int batchBytes();

        /** Writes the lines of the batch in order; returns how many are written whole, or throws with none of a half line left behind where it can. */
        abstract int write(List<byte[]> batch) throws IOException;

        /** Every second and after a failure: the file's rotation check. */
        void maintain() {
        }

        boolean drain(long endNanos) throws InterruptedException {
            synchronized (queue) {
                while (!queue.isEmpty()) {
                    long left = endNanos - System.nanoTime();
                    if (left <= 0) {
                        return false;
                    }
                    queue.wait(Math.max(1, TimeUnit.NANOSECONDS.toMillis(left)));
                }
                return queue.isEmpty();
            }
        }

        void close() {
            synchronized (queue) {
                closed = true;
                // A batch being written is the writer's to count: written, or lost when its write fails.
                lost.get("closed").addAndGet(Math.max(0, queue.size() - writing));
                queue.clear();
                queued = 0;
                queue.notifyAll();
            }
            closeQuietly();
        }

        void closeQuietly() {
        }

        /**
         * Says, once per episode, that the sink fails (and why) and each cause of lost lines; and once, when it
         * writes again and its queue has room, how many lines the episode lost by cause.
         */
        void report() {
            String f = failure;
            if (f != null && !f.equals(announcedFailure)) {
                LOG.error("the audit log to {} cannot be written: {}; trying again every second, new lines wait in "
                        + "memory ({} MiB) and past that are dropped and counted (brguard_audit_lines_lost_total)",
                        name, f, maxBytes >> 20);
                announcedFailure = f;
            }
            for (String cause : CAUSES) {
                long n = lost.get(cause).get() - seen.getOrDefault(cause, 0L);
                if (n > 0 && announced.add(cause)) {
                    LOG.error("the audit log to {} is losing lines: {} ({} so far, counted in "
                            + "brguard_audit_lines_lost_total)", name, WHY.get(cause), n);
                }
            }
            if ((announcedFailure != null || !announced.isEmpty()) && f == null && queuedBytes() < maxBytes / 2) {
                StringBuilder lostNow = new StringBuilder();
                for (String cause : CAUSES) {
                    long n = lost.get(cause).get();
                    if (n > seen.getOrDefault(cause, 0L)) {
                        lostNow.append(lostNow.isEmpty() ? "" : ", ").append(n - seen.getOrDefault(cause, 0L))
                                .append(' ').append(cause);
                    }
                    seen.put(cause, n);
                }
                LOG.warn("the audit log to {} is written again; {}", name,
                        lostNow.isEmpty() ? "no line was lost" : "lines lost meanwhile: " + lostNow);
                announced.clear();
                announcedFailure = null;
            }
        }

        void bind(MeterRegistry registry) {
            Gauge.builder("brguard.audit.queue", this, s -> s.queuedBytes()).baseUnit("bytes")
                    .description("audit lines waiting to be written").tags("sink", name).register(registry);
            Gauge.builder("brguard.audit.sink.writing", this, s -> s.failure == null ? 1 : 0)
                    .description("1 while the audit sink's writes succeed, 0 while they fail").tags("sink", name).register(registry);
            io.micrometer.core.instrument.FunctionCounter.builder("brguard.audit.lines.written", written, AtomicLong::get)
                    .description("audit lines written").tags("sink", name).register(registry);
            for (String cause : CAUSES) {
                io.micrometer.core.instrument.FunctionCounter.builder("brguard.audit.lines.lost", lost.get(cause), AtomicLong::get)
                        .description("audit lines that could not be written").tags("sink", name, "cause", cause)
                        .register(registry);
            }
        }
    }

    static String describe(IOException e) {
        String m = e.getMessage();
        return e.getClass().getSimpleName() + (m == null ? "" : ": " + m);
    }

    /** stdout (or any stream): a line per write, so that a failed write leaves at most one line to repeat. */
    static final class StreamSink extends Sink {
        private final OutputStream out;
        /** A write failed part way, perhaps: the next line starts with a line break. */
        private boolean freshLine;

        StreamSink(String name, OutputStream out, long maxBytes) {
            super(name, maxBytes);
            this.out = out;
        }

        @Override
        int batchBytes() {
            return 64 * 1024;
        }

        @Override
        int write(List<byte[]> batch) throws IOException {
            int done = 0;
            for (byte[] line : batch) {
                if (freshLine) {
                    out.write('\n');
                    freshLine = false;
                }
                try {
                    out.write(line);
                    out.flush();
                    if (out instanceof PrintStream p && p.checkError()) {
                        throw new IOException("the stream reported an error");
                    }
                } catch (IOException e) {
                    freshLine = true;
                    if (done == 0) {
                        throw e;
                    }
                    return done;
                }
                done++;
            }
            return done;
        }

        /** When stdout is a regular file that ends in a partial line (an earlier run cut short), starts a new line. */
        static void freshLineIfFile(Path fd, OutputStream out) {
            try {
                Path target = fd.toRealPath();
                if (Files.isRegularFile(target) && Files.size(target) > 0) {
                    try (FileChannel ch = FileChannel.open(target, StandardOpenOption.READ)) {
                        ByteBuffer last = ByteBuffer.allocate(1);
                        ch.read(last, ch.size() - 1);
                        if (last.get(0) != '\n') {
                            out.write('\n');
                        }
                    }
                }
            } catch (IOException | RuntimeException e) {
                // not a file we can read (a pipe, no /proc): nothing to repair
            }
        }
    }

    /** How the file sink opens its file: the real file system, or a test's. */
    interface FileChannelOpener {
        FileChannel open(Path file) throws IOException;

        FileChannelOpener REAL = f -> FileChannel.open(f, StandardOpenOption.CREATE, StandardOpenOption.READ,
                StandardOpenOption.WRITE);
    }

    /**
     * --audit-file: appended in batches at the file's end as it is at each write (so a copytruncate rotation
     * leaves no hole); a failed batch is cut back, the file reopened when rotated.
     */
    static final class FileSink extends Sink {
        private final Path path;
        private final FileChannelOpener opener;
        private FileChannel channel;
        private Object fileKey;
        /** A failed write could not be cut back: the end of the file may be half a line. */
        private boolean tailUnknown;

        FileSink(Path path, FileChannelOpener opener, long maxBytes) throws IOException {
            super("file", maxBytes);
            this.path = path;
            this.opener = opener;
            open();
        }

        private void open() throws IOException {
            channel = opener.open(path);
            fileKey = key();
            long cut = repairTail(channel);
            if (cut > 0) {
                LOG.warn("the audit file {} ended in a partial line (a write cut short); removed its {} bytes", path, cut);
            }
            tailUnknown = false;
        }

        private Object key() {
            try {
                return Files.readAttributes(path, BasicFileAttributes.class).fileKey();
            } catch (IOException e) {
                return null;
            }
        }

        /** Cuts a file back to its last line break; returns the bytes removed. */
        static long repairTail(FileChannel ch) throws IOException {
            long size = ch.size();
            if (size == 0) {
                return 0;
            }
            ByteBuffer buf = ByteBuffer.allocate(4096);
            long end = size;
            while (end > 0) {
                long from = Math.max(0, end - buf.capacity());
                buf.clear().limit((int) (end - from));
                while (buf.hasRemaining()) {
                    if (ch.read(buf, from + buf.position()) < 0) {
                        break;
                    }
                }
                for (int i = buf.position() - 1; i >= 0; i--) {
                    if (buf.get(i) == '\n') {
                        long keep = from + i + 1;
                        if (keep < size) {
                            ch.truncate(keep);
                        }
                        return size - keep;
                    }
                }
                end = from;
            }
            ch.truncate(0);
            return size;
        }

        @Override
        int batchBytes() {
            return 256 * 1024;
        }

        @Override
        int write(List<byte[]> batch) throws IOException {
            if (channel == null) {
                open();
            }
            if (tailUnknown) {
                repairTail(channel);
                tailUnknown = false;
            }
            int bytes = 0;
            for (byte[] l : batch) {
                bytes += l.length;
            }
            ByteBuffer buf = ByteBuffer.allocate(bytes);
            batch.forEach(buf::put);
            buf.flip();
            // At the end as it is now, read each time: a copytruncate rotation may have emptied the file.
            long before = channel.size();
            try {
                long at = before;
                while (buf.hasRemaining()) {
                    at += channel.write(buf, at);
                }
            } catch (IOException e) {
                try {
                    channel.truncate(before);
                } catch (IOException cut) {
                    tailUnknown = true;
                }
                throw e;
            }
            return batch.size();
        }

        /** Opens the path again when the file there is no longer the one written (renamed away, removed). */
        @Override
        void maintain() {
            Object now = key();
            if (channel != null && (now == null || !Objects.equals(now, fileKey))) {
                closeQuietly();
                LOG.info("the audit file {} was {}; writing to a new one", path, now == null ? "removed or renamed" : "replaced");
            }
            if (channel == null) {
                try {
                    open();
                    if (queuedBytes() == 0) {
                        // Open again, with nothing waiting whose write would say so: the failure is over. Kept, it
                        // would hold --audit-when-behind=refuse at 503 for good (a refused request queues no line,
                        // so no write would ever clear it) and the writing gauge at 0.
                        failure = null;
                    }
                } catch (IOException e) {
                    failure = describe(e);
                }
            }
        }

        @Override
        void closeQuietly() {
            try {
                if (channel != null) {
                    channel.close();
                }
            } catch (IOException e) {
                // closing a file that failed: nothing more to do
            }
            channel = null;
        }
    }
}
