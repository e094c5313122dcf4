package io.brguard.certs;

import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class TlsSuitesTest {

    private static List<String> order(String useAes, String useCompiler, String tiered, String stopAt) {
        Map<String, String> flags = new java.util.HashMap<>();
        flags.put("UseAES", useAes);
        flags.put("UseCompiler", useCompiler);
        flags.put("TieredCompilation", tiered);
        flags.put("TieredStopAtLevel", stopAt);
        return TlsSuites.forVm(flags::get);
    }

    @Test
    void prefersAesGcmUnderC2AndChaChaWithoutIt() {
        assertEquals(TlsSuites.AES_FIRST, order("true", "true", "true", "4"), "the JVM's default: tiered up to C2");
        assertEquals(TlsSuites.AES_FIRST, order("true", "true", "false", "4"), "-XX:-TieredCompilation: C2 alone");
        assertEquals(TlsSuites.AES_FIRST, order("true", "true", "false", "1"), "without tiering the stop level is moot");
        assertEquals(TlsSuites.CHACHA_FIRST, order("true", "true", "true", "1"), "-XX:TieredStopAtLevel=1: C1 only");
        assertEquals(TlsSuites.CHACHA_FIRST, order("true", "true", "true", "3"), "C1 with profiling, still no C2");
        assertEquals(TlsSuites.CHACHA_FIRST, order("false", "true", "true", "4"), "a CPU without AES instructions");
        assertEquals(TlsSuites.CHACHA_FIRST, order("true", "false", "true", "4"), "-Xint");
        assertEquals(TlsSuites.AES_FIRST, order(null, null, null, null), "not HotSpot: the JDK's own default order");
    }

    @Test
    void bothOrdersOfferTheSameAeadSuitesOnly() {
        assertEquals(new HashSet<>(TlsSuites.AES_FIRST), new HashSet<>(TlsSuites.CHACHA_FIRST));
        assertEquals(TlsSuites.AES_FIRST.size(), new HashSet<>(TlsSuites.AES_FIRST).size(), "no suite twice");
        for (String suite : TlsSuites.AES_FIRST) {
            assertTrue(suite.contains("_GCM_") || suite.contains("CHACHA20_POLY1305"), suite);
            assertFalse(suite.contains("CBC") || suite.contains("_RSA_WITH_AES") && !suite.contains("ECDHE"), suite);
        }
        assertEquals("TLS_AES_128_GCM_SHA256", TlsSuites.AES_FIRST.get(0));
        assertEquals("TLS_CHACHA20_POLY1305_SHA256", TlsSuites.CHACHA_FIRST.get(0));
    }

    @Test
    void readsTheFlagsOfTheJvmItRunsIn() throws Exception {
        // Real JVMs, so the flag reading is tested and not only the choice: C1 only (the controller's flags) and a
        // JVM told not to use the AES instructions both get ChaCha20 first.
        assertEquals("TLS_CHACHA20_POLY1305_SHA256", firstInChildJvm("-XX:TieredStopAtLevel=1"));
        assertEquals("TLS_CHACHA20_POLY1305_SHA256", firstInChildJvm("-XX:-UseAES"));
    }

    private static String firstInChildJvm(String flag) throws IOException, InterruptedException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        Process p = new ProcessBuilder(java, "-Xshare:auto", flag, "-cp", System.getProperty("java.class.path"),
                PrintPreferred.class.getName()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        assertEquals(0, p.waitFor(), out);
        return out;
    }

    /** Run in a child JVM: prints the first suite of that JVM's order. */
    public static final class PrintPreferred {
        public static void main(String[] args) {
            System.out.println(TlsSuites.preferred().get(0));
        }
    }
}
