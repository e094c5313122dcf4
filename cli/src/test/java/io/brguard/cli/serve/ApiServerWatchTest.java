package io.brguard.cli.serve;

import io.fabric8.kubernetes.client.ConfigBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientBuilder;
import io.fabric8.kubernetes.client.server.mock.KubernetesMockServer;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ApiServerWatchTest {

    @Test
    void saysOnceThatTheApiServerIsUnreachableAndOnceThatItAnswers() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
        try (ApiServerWatch w = new ApiServerWatch("brguard webhook", "https://10.0.0.1:6443", () -> {
            if (calls.incrementAndGet() < 5) {
                throw new java.io.IOException("wrapped", new java.net.ConnectException("Connection refused"));
            }
            return "v1.31";
        }, out, Duration.ofMillis(5), Duration.ofMillis(20)).start()) {
            assertTrue(w.awaitDone(Duration.ofSeconds(10)));
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(5, calls.get());
        assertEquals(List.of("brguard webhook: cannot reach the API server at https://10.0.0.1:6443: connection refused or unreachable (Connection refused); "
                + "retrying (up to every 20 ms), and not ready until it answers",
                "brguard webhook: the API server at https://10.0.0.1:6443 answers now"), lines);
    }

    /** With the webhook's own client settings against a port nobody listens on, then the CRUD mock API server. */
    @Test
    void namesTheServerAndTheCauseForARealClient() throws Exception {
        int port;
        try (ServerSocket s = new ServerSocket(0)) {
            port = s.getLocalPort();
        }
        String url = "https://127.0.0.1:" + port + "/";
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        try (KubernetesClient client = new KubernetesClientBuilder().withConfig(new ConfigBuilder().withMasterUrl(url)
                .withTrustCerts(true).withConnectionTimeout(500).withRequestTimeout(500).withRequestRetryBackoffLimit(0).build()).build();
             ApiServerWatch w = new ApiServerWatch("brguard webhook", client.getMasterUrl().toString(), client::getKubernetesVersion,
                     new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofMillis(50), Duration.ofMillis(100)).start()) {
            long deadline = System.nanoTime() + 10_000_000_000L;
            while (bytes.size() == 0 && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
            Thread.sleep(400);
        }
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(1, lines.size(), "said once, not per retry: " + lines);
        assertTrue(lines.get(0).startsWith("brguard webhook: cannot reach the API server at " + url + ": "), lines.get(0));
        assertTrue(lines.get(0).toLowerCase().contains("refused"), lines.get(0));

        KubernetesMockServer api = new KubernetesMockServer(false);
        api.init();
        try (KubernetesClient client = api.createClient()) {
            ByteArrayOutputStream quiet = new ByteArrayOutputStream();
            api.expect().get().withPath("/version").andReturn(200, "{\"major\":\"1\",\"minor\":\"31\"}").always();
            try (ApiServerWatch w = new ApiServerWatch("brguard webhook", client.getMasterUrl().toString(), client::getKubernetesVersion,
                    new PrintStream(quiet, true, StandardCharsets.UTF_8), Duration.ofMillis(50), Duration.ofMillis(100)).start()) {
                assertTrue(w.awaitDone(Duration.ofSeconds(10)));
            }
            assertEquals("", quiet.toString(StandardCharsets.UTF_8), "a reachable API server is not mentioned");
        } finally {
            api.destroy();
        }
    }

    /** The controller's wait: one line per failed try, naming what was tried and when the next is, then one more. */
    @Test
    void theControllerSaysEveryTryWithItsBackoff() throws Exception {
        AtomicInteger calls = new AtomicInteger();
        List<Duration> slept = new java.util.ArrayList<>();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        int failed = ApiServerWatch.awaitReachable("brguard controller", "https://10.0.0.1:6443", () -> {
            if (calls.incrementAndGet() <= 6) {
                throw new java.io.IOException(new java.net.UnknownHostException("kubernetes.default.svc"));
            }
            return "v1.31";
        }, new PrintStream(bytes, true, StandardCharsets.UTF_8), Duration.ofSeconds(1), Duration.ofSeconds(30), slept::add);
        assertEquals(6, failed);
        assertEquals(List.of(1L, 2L, 4L, 8L, 16L, 30L), slept.stream().map(Duration::toSeconds).toList(), "doubling, capped");
        List<String> lines = bytes.toString(StandardCharsets.UTF_8).lines().toList();
        assertEquals(7, lines.size(), String.join("\n", lines));
        assertEquals("brguard controller: cannot reach the API server at https://10.0.0.1:6443 (GET /version): unknown host "
                + "(kubernetes.default.svc); trying again in 1 s", lines.get(0));
        assertTrue(lines.get(5).endsWith("trying again in 30 s"));
        assertEquals("brguard controller: the API server at https://10.0.0.1:6443 answers now", lines.get(6));
        assertTrue(lines.stream().noneMatch(l -> l.contains("Exception") || l.contains("\tat ")), "no stack trace");
    }
}
