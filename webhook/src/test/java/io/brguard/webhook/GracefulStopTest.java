package io.brguard.webhook;

import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A replica that stops (a rollout, a node drain) fails no request: two replicas under keep-alive load, one is
 * taken out of the endpoints and drained at the same moment; every request is answered 200 for its uid, the
 * stopping replica answers on the connections it has until it closes each after an answer, and its port then
 * refuses new connections. (With a real SIGTERM through the command's shutdown hook: the cli module's
 * WebhookProcessTest.)
 */
class GracefulStopTest {

    @Test
    void aDrainedReplicaAnswersEverythingInFlightAndNothingFails() throws Exception {
        WebhookHardeningTest.certificates();
        String review = WebhookServerTest.review(ReplicaLoad.UID, "CREATE",
                Fixtures.object("examples/seed/log/01-start.yaml"), null, true);
        try (WebhookServer a = WebhookHardeningTest.server(WebhookServer.MAX_CONNECTIONS);
             WebhookServer b = WebhookHardeningTest.server(WebhookServer.MAX_CONNECTIONS)) {
            ReplicaLoad.Endpoint ea = new ReplicaLoad.Endpoint("127.0.0.1", a.tlsPort());
            ReplicaLoad.Endpoint eb = new ReplicaLoad.Endpoint("127.0.0.1", b.tlsPort());
            ReplicaLoad load = new ReplicaLoad(WebhookHardeningTest.trust, "localhost", review, List.of(ea, eb)).start(8);
            long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
            while (load.answeredBy(ea) < 200 && System.nanoTime() < end) {
                Thread.sleep(20);
            }
            long beforeStop = load.answeredBy(ea);

            load.endpoints(List.of(eb)); // the endpoints controller drops the terminating pod ...
            Thread stopper = new Thread(() -> a.drain(Duration.ofSeconds(1), Duration.ofSeconds(10))); // ... as SIGTERM arrives
            stopper.start();
            // Polled: the stop begins on another thread, and its 1 s of answering is the window to see it in.
            HttpClient probe = HttpClient.newHttpClient();
            int readyStatus = 0;
            while (readyStatus != 503 && stopper.isAlive()) {
                try {
                    readyStatus = probe.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + a.healthPort() + "/readyz"))
                            .timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString()).statusCode();
                } catch (java.io.IOException e) {
                    break; // the health port closed: the stop went past its answering second
                }
                Thread.sleep(10);
            }
            assertEquals(503, readyStatus, "a stopping replica is not ready");
            stopper.join(30_000);
            long afterStop = load.answeredBy(ea);
            Thread.sleep(500); // the load goes on against the other replica
            ReplicaLoad.Result r = load.stop();

            assertEquals(0, r.failures(), r.toString());
            assertTrue(afterStop > beforeStop, "the stopping replica answered on its open connections: " + r);
            assertTrue(r.byEndpointAndStatus().keySet().stream().allMatch(k -> k.endsWith(" 200")), r.toString());
            assertEquals(0, a.inFlight(), "nothing left in flight");
            assertThrows(ConnectException.class, () -> {
                try (Socket s = new Socket()) {
                    s.connect(new InetSocketAddress("127.0.0.1", ea.port()), 2000);
                }
            }, "the admission port refuses new connections at once");
        }
    }
}
