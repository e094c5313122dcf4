package io.brguard.certs;

import com.sun.management.HotSpotDiagnosticMXBean;

import java.lang.management.ManagementFactory;
import java.util.List;
import java.util.Properties;
import java.util.function.Function;

/**
 * The TLS cipher suites brguard offers, in the order this JVM runs fastest: AES-GCM first under C2, ChaCha20-Poly1305
 * first under C1 only.
 *
 * <p>The two are AEAD suites of equal standing; only their cost differs, and it depends on the JIT. C2 compiles
 * AES-GCM to the CPU's AES and carry-less multiply instructions; C1 has no such intrinsics, and JDK 17 has none for
 * ChaCha20 in either compiler. A {@code Cipher} loop over 2 KB records on the benchmark machine (docs/benchmarks.md):
 * under C2, AES-GCM 0.6 us and ChaCha20-Poly1305 10 us; under C1 ({@code -XX:TieredStopAtLevel=1}, the
 * controller's flags) 66 us and 14 us. So the webhook (C2) prefers AES-GCM and the controller (C1) ChaCha20, each
 * on its own flags. kube-apiserver (Go crypto/tls) follows the client's order, and as a server brguard applies its
 * own. CBC and non-forward-secret suites are not offered.
 */
public final class TlsSuites {
    /** AES-GCM first: for a JVM whose C2 uses the CPU's AES instructions. */
    public static final List<String> AES_FIRST = List.of(
            "TLS_AES_128_GCM_SHA256",
            "TLS_AES_256_GCM_SHA384",
            "TLS_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256",
            "TLS_ECDHE_ECDSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_RSA_WITH_AES_256_GCM_SHA384",
            "TLS_ECDHE_ECDSA_WITH_CHACHA20_POLY1305_SHA256",
            "TLS_ECDHE_RSA_WITH_CHACHA20_POLY1305_SHA256");

    /** ChaCha20-Poly1305 first: for a JVM without C2 (C1 only, or interpreted) or a CPU without AES instructions. */
    public static final List<String> CHACHA_FIRST = List.of(
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

    private static final List<String> FOR_THIS_JVM = forVm(TlsSuites::vmOption);

    private TlsSuites() {
    }

    /** The order for this JVM, from its flags (see the class comment). */
    public static List<String> preferred() {
        return FOR_THIS_JVM;
    }

    /** Makes every JDK TLS client of this process offer {@link #preferred()} in order, unless the operator set a list. */
    public static void preferForClients(Properties props) {
        props.putIfAbsent(CLIENT_PROPERTY, String.join(",", preferred()));
    }

    /**
     * The order for a JVM with these HotSpot flags ({@code null} for a flag it does not have). AES-GCM comes first
     * only when C2 runs (tiered up to level 4, or C2 alone) and the JVM uses the CPU's AES instructions; a JVM that
     * does not say (not HotSpot) gets AES-GCM first, as the JDK's own default order has it.
     */
    static List<String> forVm(Function<String, String> flag) {
        String useAes = flag.apply("UseAES");
        String compiler = flag.apply("UseCompiler");
        String tiered = flag.apply("TieredCompilation");
        String stopAt = flag.apply("TieredStopAtLevel");
        boolean noAes = "false".equals(useAes);
        boolean interpreted = "false".equals(compiler);
        boolean c1Only = "true".equals(tiered) && stopAt != null && !stopAt.equals("4");
        return noAes || interpreted || c1Only ? CHACHA_FIRST : AES_FIRST;
    }

    private static String vmOption(String name) {
        try {
            return ManagementFactory.getPlatformMXBean(HotSpotDiagnosticMXBean.class).getVMOption(name).getValue();
        } catch (RuntimeException | LinkageError e) { // not HotSpot, or no such flag on this JVM
            return null;
        }
    }
}
