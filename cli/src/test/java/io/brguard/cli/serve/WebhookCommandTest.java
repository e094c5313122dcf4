package io.brguard.cli.serve;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

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

    /*
     * auto, the default: the heap less 80 MiB, at least 30% of it. The sizing table of docs/operations.md gives each
     * heap a count of Backups; the budget must hold that many, as CompactBackupStore estimates them, or the webhook
     * would report the cross-object rules unchecked in a cluster sized by the table. Counted with specs of 400 bytes,
     * larger than the seed's (150-240) and the scale benchmark's, for a margin.
     */
    @Test
    void theDefaultBudgetHoldsTheBackupsTheSizingTableGivesEachHeap() {
        assertEquals((96L << 20) * 3 / 10, WebhookCommand.size("auto", 96L << 20), "a small heap: 30%");
        assertEquals(64L << 20, WebhookCommand.size("auto", 144L << 20));
        long perBackup = io.brguard.webhook.ClusterLookups.estimatedBytes(400);
        long[][] rows = {{96, 15_000}, {144, 30_000}, {176, 50_000}, {320, 100_000}};
        for (long[] row : rows) {
            long budget = WebhookCommand.size("auto", row[0] << 20);
            assertTrue(budget >= row[1] * perBackup, row[0] + " MiB holds " + budget / perBackup + " Backups, not " + row[1]);
            assertTrue(budget <= (row[0] << 20) - (42L << 20), "the webhook's own 42 MiB stay outside the cache");
        }
    }
}
