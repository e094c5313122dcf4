package io.brguard.cli;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.Properties;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /** --help and -h print the subcommand's usage and exit 0, without starting anything or asking for arguments. */
    @ParameterizedTest
    @ValueSource(strings = {"check", "test", "webhook", "controller", "certs", "vap"})
    void everySubcommandPrintsItsUsageOnHelp(String sub) {
        for (String flag : new String[] {"--help", "-h"}) {
            CommandLine cli = Main.commandLine();
            StringWriter out = new StringWriter();
            StringWriter err = new StringWriter();
            cli.setOut(new PrintWriter(out));
            cli.setErr(new PrintWriter(err));
            // picocli's own warnings (a description with a bare '%', a format it cannot read) go to System.err
            java.io.PrintStream stderr = System.err;
            java.io.ByteArrayOutputStream picocli = new java.io.ByteArrayOutputStream();
            System.setErr(new java.io.PrintStream(picocli, true));
            try {
                assertEquals(0, cli.execute(sub, flag), sub + " " + flag + ": " + err);
            } finally {
                System.setErr(stderr);
            }
            assertTrue(out.toString().startsWith("Usage: brguard " + sub), out.toString());
            assertTrue(out.toString().contains("-h, --help"), "the usage lists the help option");
            assertEquals("", err.toString());
            assertEquals("", picocli.toString(), "picocli formats every description");
        }
    }
}
