package io.brguard.cli;

import org.junit.jupiter.api.Test;

import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;

class MainTest {
    private static final String KEY = "java.util.concurrent.ForkJoinPool.common.parallelism";

    @Test
    void theCommonPoolGetsTwoThreadsUnlessTheOperatorSaidOtherwise() {
        Properties unset = new Properties();
        Main.tuneRuntime(unset);
        assertEquals("2", unset.getProperty(KEY), "with no -D the common pool must not fall back to a thread per task");

        Properties explicit = new Properties();
        explicit.setProperty(KEY, "6");
        Main.tuneRuntime(explicit);
        assertEquals("6", explicit.getProperty(KEY), "an explicit -D" + KEY + " wins");
    }

    @Test
    void tlsClientsOfferThisJvmsOrderUnlessTheOperatorChoseSuites() {
        Properties unset = new Properties();
        Main.tuneRuntime(unset);
        assertEquals(String.join(",", io.brguard.certs.TlsSuites.preferred()), unset.getProperty("jdk.tls.client.cipherSuites"));

        Properties explicit = new Properties();
        explicit.setProperty("jdk.tls.client.cipherSuites", "TLS_AES_256_GCM_SHA384");
        Main.tuneRuntime(explicit);
        assertEquals("TLS_AES_256_GCM_SHA384", explicit.getProperty("jdk.tls.client.cipherSuites"));
    }
}
