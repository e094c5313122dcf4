package io.brguard.webhook;

import org.junit.jupiter.api.Test;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * /readyz means "answers in time": a new process is not ready until it has decided its warm-up requests over its
 * own TLS port, and those leave no audit line or metric. Before, the warm-up was a few dozen in-process decisions
 * before the port opened, and the first 10,000 real ones under 200 connections had a p99 of seconds.
 */
class WarmUpTest {

    @Test
    void isNotReadyUntilTheWarmUpRequestsWereAnsweredAndAuditsNoneOfThem() throws Exception {
        WebhookHardeningTest.certificates();
        String before = System.getProperty("brguard.warmUpRequests");
        System.setProperty("brguard.warmUpRequests", "3000");
        WebhookHardeningTest.audit.reset();
        WebhookHardeningTest.auditLog = new AuditLog(new java.io.PrintStream(WebhookHardeningTest.audit, true), null);
        try (WebhookServer s = WebhookHardeningTest.start(new WebhookServer.Options("127.0.0.1", 0, 0, 0),
                WebhookHardeningTest.auditLog)) {
            HttpResponse<String> first = plain(s, "/readyz");
            assertEquals(503, first.statusCode(), first.body());
            assertTrue(first.body().startsWith("not ready: warming up ("), first.body());
            long end = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            HttpResponse<String> ready = first;
            while (ready.statusCode() != 200 && System.nanoTime() < end) {
                Thread.sleep(50);
                ready = plain(s, "/readyz");
            }
            assertEquals(200, ready.statusCode(), ready.body());
            assertEquals("", WebhookHardeningTest.auditLines(), "warm-up requests are not audited");
            String metrics = plain(s, "/metrics").body();
            assertTrue(metrics.lines().noneMatch(l -> l.startsWith("brguard_admission_requests_total{")), metrics);

            // The header with any value but the process's token is an ordinary, audited request.
            HttpResponse<String> forged = WebhookHardeningTest.http.send(HttpRequest.newBuilder(
                    URI.create("https://localhost:" + s.tlsPort() + "/validate")).header(WarmUp.HEADER, "guess")
                    .header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString(WebhookHardeningTest.seedCreate())).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertEquals(200, forged.statusCode(), forged.body());
            assertEquals(1, WebhookHardeningTest.auditLines().lines().count());
        } finally {
            if (before == null) {
                System.clearProperty("brguard.warmUpRequests");
            } else {
                System.setProperty("brguard.warmUpRequests", before);
            }
        }
    }

    private static HttpResponse<String> plain(WebhookServer s, String path) throws Exception {
        return WebhookServerTest.plain(s.healthPort(), path);
    }
}
