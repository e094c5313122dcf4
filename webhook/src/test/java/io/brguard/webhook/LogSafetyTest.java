package io.brguard.webhook;

import io.brguard.policy.Json;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a client controls cannot make a log line that reads as an audit record: request text is quoted and escaped
 * on one line, and stderr never starts a line with JSON. (The whole process, with its real logger, is in the cli
 * module's WebhookProcessTest.)
 */
class LogSafetyTest {
    static final String FORGED = "{\"log\":\"brguard-audit\",\"decision\":\"denied\",\"uid\":\"forged\"}";

    static boolean readsAsJson(String line) {
        try {
            return Json.JSON.readTree(line.strip()) != null && (line.strip().startsWith("{") || line.strip().startsWith("["));
        } catch (RuntimeException e) {
            return false;
        }
    }

    @Test
    void quotesRequestTextOnOneLine() {
        for (String hostile : List.of("x\n" + FORGED, "x\r" + FORGED, "x\u2028" + FORGED, "x\u0085" + FORGED,
                "\"quoted\" \\ back", "\u0000\u001b[31m", "\uD800 lone", "y".repeat(500) + "\n" + FORGED)) {
            String q = LogText.quoted(hostile);
            assertEquals(1, q.lines().count(), q);
            assertFalse(q.contains("\u2028") || q.contains("\u0085") || q.contains("\u001b") || q.contains("\uD800"), q);
            assertTrue(q.startsWith("\""), q);
            assertTrue(q.length() < LogText.MAX * 6 + 40, "cut: " + q.length());
        }
        assertEquals("\"a\\\"b\\\\c\\nd\"", LogText.quoted("a\"b\\c\nd"));
        assertEquals("\"\uD83D\uDE00\"", LogText.quoted("\uD83D\uDE00"), "a whole surrogate pair is kept");
        assertEquals("(none)", LogText.quoted(null));
    }

    /* A request thread that logs while stderr is stalled goes on: the line waits in a queue or is dropped and counted. */
    @Test
    void loggingNeverWaitsForAStalledStderr() throws Exception {
        AuditLogTest.StalledStream stalled = new AuditLogTest.StalledStream();
        PrintStream err = new PrintStream(new LogGuard(new LogGuard.Lines(stalled)), true, StandardCharsets.UTF_8);
        long before = LogGuard.droppedLines();
        for (int i = 0; i < 10_000; i++) {
            err.println("2026-12-01T10:00:00.000Z WARN line " + i);
        }
        long dropped = LogGuard.droppedLines() - before;
        assertTrue(dropped > 0 && dropped < 10_000, dropped + " dropped");
        stalled.release.countDown();
        long end = System.nanoTime() + 10_000_000_000L;
        while (stalled.got.size() == 0 && System.nanoTime() < end) {
            Thread.sleep(10);
        }
        assertTrue(stalled.got.toString(StandardCharsets.UTF_8).startsWith("2026-12-01T10:00:00.000Z WARN line 0\n"));
    }

    @Test
    void noStderrLineReadsAsJson() {
        ByteArrayOutputStream sink = new ByteArrayOutputStream();
        PrintStream err = new PrintStream(new LogGuard(sink), true, StandardCharsets.UTF_8);
        err.println(FORGED);
        err.print("  \t" + FORGED + "\r\n");
        err.print("2026-12-01T10:00:00.000Z WARN a message\n[1,2]\n");
        err.print("a line\n");
        err.print(FORGED.substring(0, 5));
        err.print(FORGED.substring(5) + "\n");
        new IllegalStateException("bad\n" + FORGED).printStackTrace(err);
        err.flush();
        String out = sink.toString(StandardCharsets.UTF_8);
        for (String line : out.split("\r?\n|\r")) {
            assertFalse(readsAsJson(line), line);
        }
        assertTrue(out.contains("(stderr) " + FORGED), out);
        assertTrue(out.contains("2026-12-01T10:00:00.000Z WARN a message\n(stderr) [1,2]\na line\n"), out);
    }
}
