package io.brguard.controller;

import io.brguard.policy.Specs;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** AzureStorage's own behaviour against Azurite: clients are shared, and credentials are not mixed up. */
@ExtendWith(Azurite.class)
class AzureStorageTest {

    private static long httpClientThreads() {
        return Thread.getAllStackTraces().keySet().stream()
                .filter(t -> t.isAlive() && t.getName().startsWith("HttpClient-") && t.getName().endsWith("-SelectorManager"))
                .count();
    }

    @Test
    void manyPreflightsShareOneHttpClient() {
        Azurite.container("shared-client");
        AzureStorage storage = new AzureStorage(Azurite.endpoint(), Duration.ofSeconds(20));
        var creds = AzureStorage.Credentials.from(Azurite.ACCOUNT, null, Map.of("AZURE_STORAGE_KEY", Azurite.KEY));
        storage.preflight(creds, new Specs.AzureLocation(Azurite.ACCOUNT, "shared-client", List.of("warm")), true);
        long before = httpClientThreads();
        for (int i = 0; i < 40; i++) {
            var result = storage.preflight(creds, new Specs.AzureLocation(Azurite.ACCOUNT, "shared-client", List.of("p" + i)), true);
            assertTrue(result.ok(), result::message);
        }
        // Before the fix every preflight built its own JDK HttpClient, each with a selector thread that lived until
        // the next GC: 306 of them in a 1,000-Backup run. Clients of earlier test classes in this JVM may still be
        // winding down, so the count may fall meanwhile; it must not grow.
        long after = httpClientThreads();
        assertTrue(after <= before, "HTTP client selector threads after 40 preflights: " + after + ", before: " + before);
    }

    @Test
    void aChangedKeyIsUsedAtOnceNotTheCachedClient() {
        Azurite.container("key-change");
        AzureStorage storage = new AzureStorage(Azurite.endpoint(), Duration.ofSeconds(20));
        var loc = new Specs.AzureLocation(Azurite.ACCOUNT, "key-change", List.of("a"));
        assertTrue(storage.preflight(AzureStorage.Credentials.from(Azurite.ACCOUNT, null,
                Map.of("AZURE_STORAGE_KEY", Azurite.KEY)), loc, true).ok());
        String wrongKey = java.util.Base64.getEncoder().encodeToString(new byte[64]);
        var denied = storage.preflight(AzureStorage.Credentials.from(Azurite.ACCOUNT, null,
                Map.of("AZURE_STORAGE_KEY", wrongKey)), new Specs.AzureLocation(Azurite.ACCOUNT, "key-change", List.of("b")), true);
        assertFalse(denied.ok(), "a wrong key must fail even though a client for the right key is cached");
    }
}
