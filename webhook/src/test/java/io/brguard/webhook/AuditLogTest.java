package io.brguard.webhook;

import io.brguard.policy.Json;
import org.junit.jupiter.api.Test;

import java.io.FileOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The audit log against failing surroundings: a stalled stdout, a full disk, a rotated file, a torn line left by a
 * process that died mid-write. Writing never blocks the caller, every line is either written whole or counted as
 * lost, and the file never holds half a line.
 */
class AuditLogTest {
    static AuditRecord record(int i) {
        return new AuditRecord("2026-12-01T10:00:00Z", "uid-" + i, "validate", "bob", List.of("g"), "CREATE", "Backup", "ns",
                "b" + i, false, null, null, null, "allowed", List.of(), List.of(), List.of(), null, null, 0.5);
    }

    /** Every line of the file: each must be a whole audit record; returns their uids. */
    static List<String> wholeLines(Path file) throws IOException {
        byte[] all = Files.readAllBytes(file);
        assertTrue(all.length == 0 || all[all.length - 1] == '\n', "the file ends with a whole line");
        List<String> uids = new ArrayList<>();
        for (String line : new String(all, StandardCharsets.UTF_8).split("\n")) {
            if (!line.isEmpty()) {
                assertEquals(AuditRecord.MARK, Json.JSON.readTree(line).path("log").asString(), line);
                uids.add(Json.JSON.readTree(line).path("uid").asString());
            }
        }
        return uids;
    }

    static void waitFor(java.util.function.BooleanSupplier done, String what) throws InterruptedException {
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!done.getAsBoolean()) {
            assertTrue(System.nanoTime() < end, "not in 30 s: " + what);
            Thread.sleep(20);
        }
    }

    /** A stream whose writes block until released: a pipe nobody reads. */
    static final class StalledStream extends OutputStream {
        final CountDownLatch release = new CountDownLatch(1);
        final java.io.ByteArrayOutputStream got = new java.io.ByteArrayOutputStream();

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] b, int off, int len) throws IOException {
            try {
                release.await();
            } catch (InterruptedException e) {
                throw new IOException(e);
            }
            synchronized (got) {
                got.write(b, off, len);
            }
        }
    }

    @Test
    void aStalledStdoutNeverHoldsUpAWriterAndEveryLineIsWrittenOrCounted() throws Exception {
        StalledStream out = new StalledStream();
        AuditLog log = new AuditLog(new AuditLog.StreamSink("stdout", out, 64 * 1024), null, AuditLog.WhenBehind.ANSWER);
        int n = 5_000;
        for (int i = 0; i < n; i++) {
            log.write(record(i)); // returns at once although the sink cannot write a byte
        }
        assertTrue(log.behind(), "the queue is full");
        long lost = log.lost().getOrDefault("stdout/queue_full", 0L);
        assertTrue(lost > 0 && lost < n, log.lost().toString());
        out.release.countDown();
        assertTrue(log.drain(30_000));
        assertFalse(log.behind());
        long written = out.got.toString(StandardCharsets.UTF_8).lines().count();
        assertEquals(n, written + lost, "written + counted as lost = every line");
        log.close();
    }

    /** A real file whose writes fail part way, as on a full disk, while {@code full} is set. */
    static final class FullDisk extends FileChannel {
        final FileChannel real;
        volatile boolean full;

        FullDisk(FileChannel real) {
            this.real = real;
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            if (full) {
                // Half of it goes in, then the disk is full: a torn line, unless the writer cuts it back.
                ByteBuffer half = src.duplicate();
                half.limit(half.position() + Math.max(1, half.remaining() / 2));
                real.write(half, position);
                throw new IOException("No space left on device");
            }
            return real.write(src, position);
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return write(src, real.size());
        }

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return real.read(dst);
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return real.read(dsts, offset, length);
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long position() throws IOException {
            return real.position();
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            real.position(newPosition);
            return this;
        }

        @Override
        public long size() throws IOException {
            return real.size();
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            real.truncate(size);
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            real.force(metaData);
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) {
            throw new UnsupportedOperationException();
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) {
            throw new UnsupportedOperationException();
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return real.read(dst, position);
        }

        @Override
        public MappedByteBuffer map(MapMode mode, long position, long size) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) {
            throw new UnsupportedOperationException();
        }

        @Override
        protected void implCloseChannel() throws IOException {
            real.close();
        }
    }

    @Test
    void aFullDiskLeavesNoTornLineCountsWhatItDropsAndRecoversWhenSpaceReturns() throws Exception {
        Path file = Files.createTempDirectory("brguard-audit").resolve("audit.jsonl");
        List<FullDisk> opened = new ArrayList<>();
        AuditLog.FileSink sink = new AuditLog.FileSink(file, f -> {
            FullDisk d = new FullDisk(AuditLog.FileChannelOpener.REAL.open(f));
            opened.add(d);
            return d;
        }, 32 * 1024);
        AuditLog log = new AuditLog(null, sink, AuditLog.WhenBehind.ANSWER);
        for (int i = 0; i < 10; i++) {
            log.write(record(i));
        }
        assertTrue(log.drain(10_000));
        opened.get(0).full = true;
        log.write(record(10));
        waitFor(() -> sink.failure != null, "the sink sees the full disk");
        int n = 1_000;
        for (int i = 11; i < n; i++) {
            log.write(record(i));
        }
        assertTrue(log.behind());
        long lost = log.lost().getOrDefault("file/write_error", 0L);
        assertTrue(lost > 0, "lines past the queue are counted: " + log.lost());
        // While the disk is full the file holds the whole lines written before, never half of the next.
        assertEquals(10, wholeLines(file).size());

        opened.get(0).full = false;
        assertTrue(log.drain(30_000), "written out once space returns");
        waitFor(() -> sink.failure == null, "the sink writes again");
        List<String> uids = wholeLines(file);
        assertEquals(n, uids.size() + lost, "written + counted as lost = every line");
        assertEquals(uids.size(), new HashSet<>(uids).size(), "no line written twice");
        for (int i = n; i < n + 5; i++) {
            log.write(record(i));
        }
        assertTrue(log.drain(10_000));
        assertEquals(uids.size() + 5, wholeLines(file).size(), "and goes on writing");
        log.close();
    }

    @Test
    void reopensTheFileAfterARenameRotation() throws Exception {
        Path dir = Files.createTempDirectory("brguard-audit");
        Path file = dir.resolve("audit.jsonl");
        AuditLog log = new AuditLog(null, file, AuditLog.WhenBehind.ANSWER);
        log.write(record(0));
        assertTrue(log.drain(10_000));
        Files.move(file, dir.resolve("audit.jsonl.1"));
        int i = 1;
        long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!Files.exists(file)) {
            assertTrue(System.nanoTime() < end, "the path was not opened again");
            log.write(record(i++));
            Thread.sleep(50);
        }
        for (int k = 0; k < 3; k++) {
            log.write(record(i++));
        }
        assertTrue(log.drain(10_000));
        log.close();
        List<String> before = wholeLines(dir.resolve("audit.jsonl.1"));
        List<String> after = wholeLines(file);
        assertEquals(i, before.size() + after.size(), "every line is in one of the two files");
        assertTrue(after.size() >= 3, "new lines go to the new file: " + after);
        assertEquals("uid-0", before.get(0));
    }

    /*
     * A rotation whose new file cannot be opened for a while (permissions, a full inode table): the sink fails and,
     * with --audit-when-behind=refuse, decisions are refused. Once the file opens again the failure is over although
     * no line waits to prove it (a refused request queues none): else refuse mode would answer 503 for good.
     */
    @Test
    void aFileThatOpensAgainEndsTheFailureEvenWithNothingWaiting() throws Exception {
        Path dir = Files.createTempDirectory("brguard-audit");
        Path file = dir.resolve("audit.jsonl");
        java.util.concurrent.atomic.AtomicBoolean refuse = new java.util.concurrent.atomic.AtomicBoolean();
        AuditLog.FileSink sink = new AuditLog.FileSink(file, f -> {
            if (refuse.get()) {
                throw new IOException("Permission denied");
            }
            return AuditLog.FileChannelOpener.REAL.open(f);
        }, 32 * 1024);
        AuditLog log = new AuditLog(null, sink, AuditLog.WhenBehind.REFUSE);
        log.write(record(0));
        assertTrue(log.drain(10_000));
        refuse.set(true);
        Files.move(file, dir.resolve("audit.jsonl.1"));
        waitFor(() -> sink.failure != null, "the new file cannot be opened");
        assertTrue(log.behind(), "decisions are refused meanwhile");
        refuse.set(false);
        waitFor(() -> !log.behind(), "the file opens again: no longer behind");
        log.write(record(1));
        assertTrue(log.drain(10_000));
        log.close();
        assertEquals(List.of("uid-1"), wholeLines(file));
    }

    @Test
    void aRestartCutsATornLastLineAndStartsOnAFreshOne() throws Exception {
        Path file = Files.createTempFile("brguard-audit", ".jsonl");
        String whole = new String(record(1).toJson(), StandardCharsets.UTF_8) + "\n";
        Files.writeString(file, whole + whole + whole.substring(0, 40));
        AuditLog log = new AuditLog(null, file, AuditLog.WhenBehind.ANSWER);
        log.write(record(2));
        assertTrue(log.drain(10_000));
        log.close();
        assertEquals(List.of("uid-1", "uid-1", "uid-2"), wholeLines(file));

        Path only = Files.createTempFile("brguard-audit", ".jsonl");
        Files.writeString(only, "{\"log\":\"brguard-au");
        new AuditLog(null, only, AuditLog.WhenBehind.ANSWER).close();
        assertEquals(0, Files.size(only), "a file of one partial line is emptied");
    }

    @Test
    void stdoutOnAFileThatEndsInAPartialLineStartsAFreshOne() throws Exception {
        Path file = Files.createTempFile("brguard-stdout", ".jsonl");
        Files.writeString(file, "{\"log\":\"brguard-audit\",\"ti");
        try (OutputStream out = new FileOutputStream(file.toFile(), true)) {
            AuditLog.StreamSink.freshLineIfFile(file, out);
            out.write(record(3).toJson());
            out.write('\n');
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size());
        assertEquals("uid-3", Json.JSON.readTree(lines.get(1)).path("uid").asString());
    }

    /* /dev/full fails every write with ENOSPC: stdout on a full disk. Nothing blocks, the loss is counted and said. */
    @Test
    void stdoutOnAFullDiskCountsEveryLostLine() throws Exception {
        Path devFull = Path.of("/dev/full");
        assertTrue(Files.exists(devFull), "this test needs Linux's /dev/full");
        try (FileOutputStream full = new FileOutputStream(devFull.toFile())) {
            AuditLog.StreamSink sink = new AuditLog.StreamSink("stdout", full, 16 * 1024);
            AuditLog log = new AuditLog(sink, null, AuditLog.WhenBehind.ANSWER);
            log.write(record(0));
            waitFor(() -> sink.failure != null, "the failure is seen");
            int n = 500;
            for (int i = 1; i < n; i++) {
                log.write(record(i));
            }
            assertTrue(sink.failure.contains("No space left on device"), sink.failure);
            assertTrue(log.behind());
            log.close();
            Set<String> causes = log.lost().keySet();
            long lost = log.lost().values().stream().mapToLong(Long::longValue).sum();
            assertEquals(n, lost, "nothing was written, every line is counted: " + log.lost());
            assertTrue(causes.contains("stdout/write_error") && causes.contains("stdout/closed"), causes.toString());
        }
    }
}
