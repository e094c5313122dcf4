package io.brguard.certs;

import io.fabric8.kubernetes.api.model.admissionregistration.v1.MutatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.api.model.admissionregistration.v1.ValidatingWebhookConfigurationBuilder;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLServerSocket;
import javax.net.ssl.SSLSocket;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

@EnableKubernetesMockClient(crud = true)
class CertsTest {
    static KubernetesClient client;

    private static final List<String> DNS = Issuer.serviceNames("brguard-webhook", "brguard");
    private static final List<String> LOCAL = List.of("localhost");
    private static final List<String> LOOPBACK_IP = List.of("127.0.0.1");
    private static final Instant T0 = Instant.parse("2026-11-26T00:00:00Z");

    // ------------------------------------------------------------------ issuing

    @Test
    void issuesAP256ChainThatTheJdkPkixValidatorAccepts(@TempDir Path dir) {
        CertState s = rotator(new CertFiles(dir), clock(T0), bundle -> { }).issue(DNS, List.of());
        assertTrue(CertState.chainsTo(s.leaf().certificate(), s.bundle(), T0));
        assertEquals("EC", s.leaf().key().getAlgorithm());
        assertEquals(Rotation.sans(s.leaf().certificate()), new java.util.HashSet<>(DNS));
        assertTrue(DNS.contains("brguard-webhook.brguard.svc") && DNS.contains("brguard-webhook.brguard.svc.cluster.local"));
        assertEquals(T0.plus(Duration.ofDays(365)), s.leaf().certificate().getNotAfter().toInstant());
        assertEquals(T0.plus(Duration.ofDays(5 * 365)), s.ca().certificate().getNotAfter().toInstant());
        assertFalse(CertState.chainsTo(s.leaf().certificate(), s.bundle(), T0.plus(Duration.ofDays(400))), "expired");
    }

    @Test
    void servesAHandshakeThatPassesHostnameVerificationOnlyForItsNames(@TempDir Path dir) throws Exception {
        CertState s = rotator(new CertFiles(dir), Clock.systemUTC(), b -> { }).issue(LOCAL, LOOPBACK_IP);
        AtomicReference<Issuer.Issued> serving = new AtomicReference<>(s.leaf());
        try (TlsServer server = new TlsServer(serving)) {
            assertTrue(handshake(server.port(), "localhost", s.bundle()));
            assertFalse(handshake(server.port(), "brguard-webhook.brguard.svc", s.bundle()), "name not in the SANs");
            CertState other = Rotation.apply(null, Rotation.plan(null, Instant.now(), CertPolicy.DEFAULT, LOCAL,
                    List.of(), Rotation.Served.unknown()), Instant.now(), CertPolicy.DEFAULT, LOCAL, List.of());
            assertFalse(handshake(server.port(), "localhost", other.bundle()), "a foreign CA");
        }
    }

    @Test
    void refusesToIssueOverExistingMaterial(@TempDir Path dir) throws IOException {
        rotator(new CertFiles(dir), clock(T0), b -> { }).issue(DNS, List.of());
        byte[] before = Files.readAllBytes(dir.resolve("ca.key"));
        CertException e = assertThrows(CertException.class,
                () -> rotator(new CertFiles(dir), clock(T0), b -> { }).issue(DNS, List.of()));
        assertTrue(e.getMessage().contains("already holds a CA"), e.getMessage());
        assertEquals(new String(before), Files.readString(dir.resolve("ca.key")));
    }

    // ------------------------------------------------------------------ planning

    @Test
    void renewsTheLeafAtTwoThirdsOfItsLifeAndKeepsTheCa(@TempDir Path dir) {
        CertFiles files = new CertFiles(dir);
        CertState first = rotator(files, clock(T0), b -> { }).issue(DNS, List.of());
        Rotator.Result early = rotator(files, clock(T0.plus(Duration.ofDays(240))), b -> { }).rotate(DNS, List.of(), false);
        assertTrue(early.plan().isEmpty(), early.plan().toString());
        Rotator.Result due = rotator(files, clock(T0.plus(Duration.ofDays(245))), b -> { }).rotate(DNS, List.of(), false);
        assertEquals(List.of(Rotation.Step.ISSUE_LEAF), due.plan().steps());
        assertEquals(first.ca().certificate(), files.load().orElseThrow().ca().certificate());
        assertNotEquals(first.leaf().certificate(), files.load().orElseThrow().leaf().certificate());
    }

    @Test
    void reissuesTheLeafWhenTheServiceNamesChange(@TempDir Path dir) {
        CertFiles files = new CertFiles(dir);
        rotator(files, clock(T0), b -> { }).issue(DNS, List.of());
        Rotator.Result r = rotator(files, clock(T0), b -> { })
                .rotate(Issuer.serviceNames("brguard-webhook", "other-ns"), List.of(), false);
        assertEquals(List.of(Rotation.Step.ISSUE_LEAF), r.plan().steps());
        assertTrue(r.plan().reasons().get(0).contains("wanted"), r.plan().reasons().toString());
    }

    @Test
    void keepsThePreviousCaUntilEveryReplicaServesALeafOfTheNewCa(@TempDir Path dir) {
        CertFiles files = new CertFiles(dir);
        CertState first = rotator(files, clock(T0), b -> { }).issue(DNS, List.of());
        Instant caDue = T0.plus(Duration.ofDays(1217));
        Rotator.Result r = rotator(files, clock(caDue), b -> { }).rotate(DNS, List.of(), false);
        assertEquals(List.of(Rotation.Step.NEW_CA, Rotation.Step.ISSUE_LEAF), r.plan().steps());
        assertEquals(2, r.state().bundle().size());
        assertEquals(first.ca().certificate(), r.state().previousCa());

        X509Certificate oldLeaf = first.leaf().certificate();
        X509Certificate newLeaf = r.state().leaf().certificate();
        var stillOld = new Rotator(files, b -> { }, () -> Rotation.Served.of(List.of(newLeaf, oldLeaf)),
                clock(caDue), CertPolicy.DEFAULT, Duration.ZERO).rotate(DNS, List.of(), false);
        assertTrue(stillOld.plan().isEmpty(), "one replica still serves the old leaf");
        var unknown = new Rotator(files, b -> { }, Rotation.Served::unknown, clock(caDue), CertPolicy.DEFAULT,
                Duration.ZERO).rotate(DNS, List.of(), false);
        assertTrue(unknown.plan().isEmpty(), "without a probe the previous CA stays");
        var allNew = new Rotator(files, b -> { }, () -> Rotation.Served.of(List.of(newLeaf, newLeaf)),
                clock(caDue), CertPolicy.DEFAULT, Duration.ZERO).rotate(DNS, List.of(), false);
        assertEquals(List.of(Rotation.Step.DROP_PREVIOUS_CA), allNew.plan().steps());
        assertEquals(1, files.load().orElseThrow().bundle().size());
        assertFalse(Files.exists(dir.resolve("previous-ca.crt")));
    }

    // ------------------------------------------------------------------ rotation under load

    @Test
    void rotatesTheCaUnderARunningServerWithZeroFailedHandshakes(@TempDir Path dir) throws Exception {
        assertEquals(0, rotateUnderLoad(dir, true), "handshakes failed during a correctly ordered rotation");
    }

    @Test
    void publishingOnlyTheNewCaBeforeReplicasReloadWouldBreakHandshakes(@TempDir Path dir) throws Exception {
        // Negative control: proves the load test above can see a failure.
        assertTrue(rotateUnderLoad(dir, false) > 0, "the wrong order should have failed some handshakes");
    }

    /**
     * Two "replicas" serve the stored leaf and reload it a moment after it changes, as the webhook does; clients
     * take the caBundle as last published, like the API server. Returns the number of failed handshakes.
     */
    private static int rotateUnderLoad(Path dir, boolean correctOrder) throws Exception {
        CertFiles files = new CertFiles(dir);
        AtomicReference<List<X509Certificate>> published = new AtomicReference<>();
        CertState first = rotator(files, Clock.systemUTC(), published::set).issue(LOCAL, List.of());
        AtomicReference<Issuer.Issued> serving = new AtomicReference<>(first.leaf());
        AtomicInteger failures = new AtomicInteger();
        AtomicInteger successes = new AtomicInteger();
        java.util.concurrent.atomic.AtomicBoolean done = new java.util.concurrent.atomic.AtomicBoolean();
        try (TlsServer a = new TlsServer(serving); TlsServer b = new TlsServer(serving)) {
            // Each phase lasts until clients made a number of handshakes in it, not a fixed time: on a busy machine
            // a fixed time held too few handshakes to tell anything.
            Thread clients = new Thread(() -> {
                while (!done.get()) {
                    for (int port : new int[] {a.port(), b.port()}) {
                        (handshake(port, "localhost", published.get()) ? successes : failures).incrementAndGet();
                    }
                }
            });
            clients.start();
            awaitHandshakes(successes, failures, 10);
            // CA rotation through the real Rotator at real time (clients validate at real time), with a policy whose
            // renewal point has already passed; the follow-up run uses the default policy again.
            Clock later = Clock.systemUTC();
            CertPolicy dueNow = new CertPolicy(CertPolicy.DEFAULT.caValidity(), CertPolicy.DEFAULT.leafValidity(), 1e-9);
            java.util.function.Consumer<List<X509Certificate>> publisher = correctOrder ? published::set
                    : bundle -> published.set(List.of(bundle.get(0)));
            Rotator.Result r = new Rotator(files, publisher, Rotation.Served::unknown, later, dueNow,
                    Duration.ZERO).rotate(LOCAL, List.of(), false);
            assertEquals(Rotation.Step.NEW_CA, r.plan().steps().get(0));
            awaitHandshakes(successes, failures, 10); // the kubelet's Secret propagation and the reload take a while
            serving.set(files.pair(CertFiles.TLS_CRT, CertFiles.TLS_KEY));
            awaitHandshakes(successes, failures, 10);
            // every replica now serves the new leaf: the next run drops the previous CA
            Rotator.Result drop = new Rotator(files, publisher, () -> Rotation.Served.of(
                    ServingProbe.leaves(List.of(new InetSocketAddress("127.0.0.1", a.port()),
                            new InetSocketAddress("127.0.0.1", b.port())), "localhost", 2000)),
                    later, CertPolicy.DEFAULT, Duration.ZERO).rotate(LOCAL, List.of(), false);
            if (correctOrder) {
                assertEquals(List.of(Rotation.Step.DROP_PREVIOUS_CA), drop.plan().steps());
            }
            awaitHandshakes(successes, failures, 10);
            done.set(true);
            clients.join();
        }
        assertTrue(successes.get() > 20, "too few handshakes to mean anything: " + successes.get());
        return failures.get();
    }

    /** Waits until the clients made {@code n} more handshakes (at most 60 s). */
    private static void awaitHandshakes(AtomicInteger successes, AtomicInteger failures, int n) throws InterruptedException {
        int target = successes.get() + failures.get() + n;
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (successes.get() + failures.get() < target && System.nanoTime() < deadline) {
            Thread.sleep(10);
        }
    }

    // ------------------------------------------------------------------ bad input

    @Test
    void namesAnUnreadableKeyAndOverwritesNothing(@TempDir Path dir) throws IOException {
        rotator(new CertFiles(dir), clock(T0), b -> { }).issue(DNS, List.of());
        Files.writeString(dir.resolve("ca.key"), "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n");
        String crt = Files.readString(dir.resolve("tls.crt"));
        CertException e = assertThrows(CertException.class,
                () -> rotator(new CertFiles(dir), clock(T0.plus(Duration.ofDays(300))), b -> { }).rotate(DNS, List.of(), false));
        assertTrue(e.getMessage().startsWith(dir.resolve("ca.key") + ": not a readable PEM private key"), e.getMessage());
        assertEquals(crt, Files.readString(dir.resolve("tls.crt")));
    }

    @Test
    void refusesAnRsaKeyBecauseBrguardUsesP256(@TempDir Path dir) throws Exception {
        rotator(new CertFiles(dir), clock(T0), b -> { }).issue(DNS, List.of());
        KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
        g.initialize(2048);
        Files.writeString(dir.resolve("ca.key"), Pem.encode(g.generateKeyPair().getPrivate()));
        CertException e = assertThrows(CertException.class,
                () -> rotator(new CertFiles(dir), clock(T0), b -> { }).rotate(DNS, List.of(), false));
        assertTrue(e.getMessage().contains("the key is RSA, brguard uses ECDSA P-256 keys"), e.getMessage());
    }

    @Test
    void refusesACaKeyThatDoesNotMatchTheCertificate(@TempDir Path dir) throws IOException {
        rotator(new CertFiles(dir), clock(T0), b -> { }).issue(DNS, List.of());
        Files.writeString(dir.resolve("ca.key"), Pem.encode(Issuer.newKeyPair().getPrivate()));
        CertException e = assertThrows(CertException.class,
                () -> rotator(new CertFiles(dir), clock(T0), b -> { }).rotate(DNS, List.of(), false));
        assertTrue(e.getMessage().contains("does not belong to the certificate"), e.getMessage());
    }

    @Test
    void refusesAnExpiredCaAndChangesNothing(@TempDir Path dir) throws IOException {
        rotator(new CertFiles(dir), clock(T0), b -> { }).issue(DNS, List.of());
        String key = Files.readString(dir.resolve("tls.key"));
        CertException e = assertThrows(CertException.class, () -> rotator(new CertFiles(dir),
                clock(T0.plus(Duration.ofDays(6 * 365))), b -> { }).rotate(DNS, List.of(), false));
        assertTrue(e.getMessage().contains("the CA expired on"), e.getMessage());
        assertTrue(e.getMessage().contains("--force-new-ca"), e.getMessage());
        assertEquals(key, Files.readString(dir.resolve("tls.key")));
    }

    @Test
    void namesAFileThatHoldsAKeyWhereACertificateBelongs(@TempDir Path dir) throws IOException {
        rotator(new CertFiles(dir), clock(T0), b -> { }).issue(DNS, List.of());
        Files.copy(dir.resolve("ca.key"), dir.resolve("ca.crt"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        CertException e = assertThrows(CertException.class, () -> new CertFiles(dir).load());
        assertTrue(e.getMessage().startsWith(dir.resolve("ca.crt") + ": expected certificates"), e.getMessage());
    }

    // ------------------------------------------------------------------ Kubernetes

    @Test
    void patchesTheCaBundleIntoEveryBrguardWebhookConfiguration() {
        client.admissionRegistration().v1().validatingWebhookConfigurations().resource(new ValidatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("brguard").endMetadata()
                .addNewWebhook().withName("validate.brguard.io").withNewClientConfig().withNewService()
                .withName("brguard-webhook").withNamespace("brguard").endService().endClientConfig().endWebhook()
                .build()).create();
        client.admissionRegistration().v1().mutatingWebhookConfigurations().resource(new MutatingWebhookConfigurationBuilder()
                .withNewMetadata().withName("brguard").endMetadata()
                .addNewWebhook().withName("mutate.brguard.io").withNewClientConfig().withNewService()
                .withName("brguard-webhook").withNamespace("brguard").endService().endClientConfig().endWebhook()
                .build()).create();
        CertSecrets secrets = new CertSecrets(client, "brguard", "brguard-ca", "brguard-webhook-tls");
        CaBundlePatcher patcher = new CaBundlePatcher(client, List.of("brguard"), List.of("brguard"));
        CertState s = rotator(secrets, clock(T0), patcher::publish).issue(DNS, List.of());

        String expected = Base64.getEncoder().encodeToString(Pem.encode(s.bundle()).getBytes(StandardCharsets.UTF_8));
        assertEquals(expected, client.admissionRegistration().v1().validatingWebhookConfigurations().withName("brguard")
                .get().getWebhooks().get(0).getClientConfig().getCaBundle());
        assertEquals(expected, client.admissionRegistration().v1().mutatingWebhookConfigurations().withName("brguard")
                .get().getWebhooks().get(0).getClientConfig().getCaBundle());
        var tls = client.secrets().inNamespace("brguard").withName("brguard-webhook-tls").get();
        assertEquals("kubernetes.io/tls", tls.getType());
        assertTrue(tls.getData().keySet().containsAll(List.of("tls.crt", "tls.key", "ca.crt")));

        // a later run reloads the Secrets and renews the leaf
        CertState again = new CertSecrets(client, "brguard", "brguard-ca", "brguard-webhook-tls").load().orElseThrow();
        assertEquals(s.leaf().certificate(), again.leaf().certificate());
        Rotator.Result r = rotator(new CertSecrets(client, "brguard", "brguard-ca", "brguard-webhook-tls"),
                clock(T0.plus(Duration.ofDays(250))), patcher::publish).rotate(DNS, List.of(), false);
        assertEquals(List.of(Rotation.Step.ISSUE_LEAF), r.plan().steps());

        CertException missing = assertThrows(CertException.class,
                () -> new CaBundlePatcher(client, List.of("nope"), List.of()).publish(s.bundle()));
        assertTrue(missing.getMessage().contains("ValidatingWebhookConfiguration nope not found"));
    }

    // ------------------------------------------------------------------ helpers

    private static Rotator rotator(CertStore store, Clock clock, java.util.function.Consumer<List<X509Certificate>> pub) {
        return new Rotator(store, pub, Rotation.Served::unknown, clock, CertPolicy.DEFAULT, Duration.ZERO);
    }

    private static Clock clock(Instant t) {
        return Clock.fixed(t, ZoneOffset.UTC);
    }

    /** One TLS handshake to 127.0.0.1 with hostname verification, trusting exactly {@code bundle}. */
    static boolean handshake(int port, String host, List<X509Certificate> bundle) {
        try {
            SSLContext ctx = Trust.sslContext(bundle);
            // TLS over a plain socket to 127.0.0.1, named as `host`: hostname verification checks that name.
            java.net.Socket plain = new java.net.Socket(InetAddress.getLoopbackAddress(), port);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket(plain, host, port, true)) {
                SSLParameters p = s.getSSLParameters();
                p.setEndpointIdentificationAlgorithm("HTTPS");
                p.setServerNames(List.of(new javax.net.ssl.SNIHostName(host)));
                s.setSSLParameters(p);
                s.setSoTimeout(2000);
                s.startHandshake();
                return true;
            }
        } catch (Exception e) {
            return false;
        }
    }

    /** A TLS server that presents whatever certificate {@code serving} holds at each handshake. */
    static final class TlsServer implements AutoCloseable {
        private final SSLServerSocket socket;
        private final Thread thread;
        private final List<Thread> workers = new CopyOnWriteArrayList<>();

        TlsServer(AtomicReference<Issuer.Issued> serving) throws Exception {
            javax.net.ssl.X509ExtendedKeyManager km = new javax.net.ssl.X509ExtendedKeyManager() {
                public String[] getClientAliases(String t, java.security.Principal[] i) { return null; }
                public String chooseClientAlias(String[] t, java.security.Principal[] i, java.net.Socket s) { return null; }
                public String[] getServerAliases(String t, java.security.Principal[] i) { return new String[] {"leaf"}; }
                public String chooseServerAlias(String t, java.security.Principal[] i, java.net.Socket s) { return "leaf"; }
                public String chooseEngineServerAlias(String t, java.security.Principal[] i, javax.net.ssl.SSLEngine e) { return "leaf"; }
                public X509Certificate[] getCertificateChain(String alias) { return new X509Certificate[] {serving.get().certificate()}; }
                public java.security.PrivateKey getPrivateKey(String alias) { return serving.get().key(); }
            };
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(new javax.net.ssl.KeyManager[] {km}, null, null);
            socket = (SSLServerSocket) ctx.getServerSocketFactory().createServerSocket(0, 50, InetAddress.getLoopbackAddress());
            thread = new Thread(() -> {
                while (!socket.isClosed()) {
                    try {
                        SSLSocket s = (SSLSocket) socket.accept();
                        Thread w = new Thread(() -> {
                            try (s) {
                                s.startHandshake();
                            } catch (IOException ignored) {
                                // the client decides whether the handshake failed
                            }
                        });
                        workers.add(w);
                        w.start();
                    } catch (IOException e) {
                        return;
                    }
                }
            });
            thread.start();
        }

        int port() {
            return socket.getLocalPort();
        }

        @Override
        public void close() throws Exception {
            socket.close();
            thread.join(2000);
            for (Thread w : new ArrayList<>(workers)) {
                w.join(2000);
            }
        }
    }
}
