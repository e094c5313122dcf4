package io.brguard.controller;

import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.concurrent.TimeUnit;

/**
 * Starts Azurite's blob service (tools/azurite, installed by Maven before the tests) on a free loopback port for a
 * test class, with its own data folder, and stops exactly that process afterwards.
 */
public final class Azurite implements BeforeAllCallback, AfterAllCallback {
    public static final String ACCOUNT = "devstoreaccount1";
    // Azurite's documented, public development key (not a secret).
    public static final String KEY = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private static Process process;
    private static Path data;
    private static int port;

    @Override
    public void beforeAll(ExtensionContext context) throws Exception {
        if (process != null) {
            return;
        }
        Path bin = Fixtures.path("tools/azurite/node_modules/.bin/azurite-blob");
        if (!Files.isExecutable(bin)) {
            throw new IllegalStateException(bin + " is missing: run `npm install --prefix tools/azurite` (Maven does it "
                    + "before the controller tests; it needs Node.js 20 and npm)");
        }
        try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            port = s.getLocalPort();
        }
        data = Files.createTempDirectory("azurite");
        process = new ProcessBuilder(bin.toString(), "--blobHost", "127.0.0.1", "--blobPort", String.valueOf(port),
                "--location", data.toString(), "--skipApiVersionCheck", "--disableTelemetry", "--silent")
                .redirectErrorStream(true).redirectOutput(data.resolve("azurite.log").toFile()).start();
        long end = System.currentTimeMillis() + 30_000;
        while (System.currentTimeMillis() < end) {
            try (Socket ignored = new Socket("127.0.0.1", port)) {
                return;
            } catch (IOException e) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("Azurite exited: " + Files.readString(data.resolve("azurite.log")));
                }
                Thread.sleep(100);
            }
        }
        throw new IllegalStateException("Azurite did not listen on " + port + " within 30 s");
    }

    @Override
    public void afterAll(ExtensionContext context) throws Exception {
        // The process is shared by the test classes of this JVM and stopped when the JVM ends (see the hook).
    }

    static {
        Runtime.getRuntime().addShutdownHook(new Thread(Azurite::stop));
    }

    static void stop() {
        if (process != null) {
            process.toHandle().descendants().forEach(ProcessHandle::destroy);
            process.destroy();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException ignored) {
                Thread.currentThread().interrupt();
            }
            process = null;
            try (var s = Files.walk(data)) {
                s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            } catch (IOException ignored) {
                // a temp folder left behind is harmless
            }
        }
    }

    public static AzureStorage.Endpoint endpoint() {
        return new AzureStorage.Endpoint("http://127.0.0.1:" + port + "/{account}");
    }

    public static BlobContainerClient container(String name) {
        BlobContainerClient c = new BlobServiceClientBuilder().endpoint("http://127.0.0.1:" + port + "/" + ACCOUNT)
                .credential(new StorageSharedKeyCredential(ACCOUNT, KEY)).buildClient().getBlobContainerClient(name);
        if (!c.exists()) {
            c.create();
        }
        return c;
    }
}
