package io.brguard.certs;

import java.util.List;
import java.util.Properties;

/**
 * The TLS cipher suites brguard offers and prefers, ChaCha20-Poly1305 first.
 *
 * <p>The controller runs with C1 only ({@code -XX:TieredStopAtLevel=1}, see docs/benchmarks.md), and C1 has no
 * AES or GHASH intrinsics: AES-GCM ran at 31 MB/s there against 155 MB/s for ChaCha20-Poly1305 on the benchmark
 * machine, and GHASH was the controller's hottest method. (The webhook now runs C2, which has those intrinsics; it
 * keeps this order, which was not measured against AES first under C2.) Both are AEAD suites of equal standing;
 * only the order changes. kube-apiserver (Go crypto/tls) chooses ChaCha20 when the client lists it first, and as
 * a server brguard applies its own order. CBC and non-forward-secret suites are not offered.
 */
public final class TlsSuites {
    public static final List<String> PREFERRED = List.of(
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384");

    /** The JSSE property that orders what a client offers; read once, when TLS is first used. */
    public static final String CLIENT_PROPERTY = "jdk.tls.client.cipherSuites";

    private TlsSuites() {
    }

    /** Makes every JDK TLS client of this process offer {@link #PREFERRED} in order, unless the operator set a list. */
    public static void preferForClients(Properties props) {
        props.putIfAbsent(CLIENT_PROPERTY, String.join(",", PREFERRED));
    }
}
