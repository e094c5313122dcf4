package io.brguard.cli.serve;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

class WebhookCommandTest {

    @Test
    void readsTheCacheBudgetAsAShareOfTheHeapOrASize() {
        long heap = 96L << 20;
        assertEquals(heap * 30 / 100, WebhookCommand.size("30%", heap));
        assertEquals(24L << 20, WebhookCommand.size("24Mi", heap));
        assertEquals(512L << 10, WebhookCommand.size("512Ki", heap));
        assertEquals(1L << 30, WebhookCommand.size("1Gi", heap));
        assertEquals(4096, WebhookCommand.size("4096", heap));
        for (String bad : new String[] {"0%", "150%", "-1Mi", "0", "24MB", "lots"}) {
            assertThrows(IllegalArgumentException.class, () -> WebhookCommand.size(bad, heap), bad);
        }
    }
}
