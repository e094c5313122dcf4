package io.brguard.policy;

import io.brguard.policy.field.Tso;
import io.brguard.policy.model.Backup;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

class BackupIndexTest {
    private static final Specs.ClusterRef DEMO1 = new Specs.ClusterRef("test1", "demo1");

    private static Backup backup(String yaml) {
        return Json.toBackup(Fixtures.yaml("{apiVersion: br.pingcap.com/v1alpha1, kind: Backup, " + yaml + "}"));
    }

    private static Backup log(String name, String prefix, String phase) {
        return backup("metadata: {name: " + name + ", namespace: test1}, spec: {backupMode: log, br: {cluster: demo1}, "
                + "azblob: {container: c, prefix: '" + prefix + "'}}, status: {phase: '" + phase + "'}");
    }

    private static Backup snapshot(String name, String prefix, String phase, String commitTs) {
        return backup("metadata: {name: " + name + ", namespace: test1}, spec: {br: {cluster: demo1}, "
                + "azblob: {container: c, prefix: '" + prefix + "'}}, status: {phase: " + phase + ", commitTs: '" + commitTs + "'}");
    }

    private static List<String> keys(BackupIndex.Matches m) {
        return m.first().stream().map(BackupIndex.Peer::key).toList();
    }

    @Test
    void findsActiveLogBackupsOfAClusterAndFollowsTheirPhase() {
        BackupIndex index = new BackupIndex();
        index.put(log("a", "a", "Running"));
        index.put(log("b", "b", ""));
        index.put(log("c", "c", "Stopped"));
        assertEquals(List.of("test1/a", "test1/b"), keys(index.activeLogBackups(DEMO1, "test1/x", 5)));
        assertEquals(List.of("test1/b"), keys(index.activeLogBackups(DEMO1, "test1/a", 5)), "itself is left out");
        index.put(log("a", "a", "Stopped"));
        assertEquals(1, index.activeLogBackups(DEMO1, "test1/x", 5).total(), "a phase change moves it out");
        index.remove("test1", "b");
        assertEquals(0, index.activeLogBackups(DEMO1, "test1/x", 5).total());
        assertEquals(2, index.size());
    }

    @Test
    void findsTheSameLocationItsAncestorsAndEverythingInsideButNotSiblings() {
        BackupIndex index = new BackupIndex();
        index.put(snapshot("root", "", "Complete", "1"));
        index.put(snapshot("same", "team/x", "", ""));
        index.put(snapshot("parent", "team", "", ""));
        index.put(snapshot("child", "team/x/daily", "", ""));
        index.put(snapshot("sibling", "team/xy", "", ""));
        index.put(backup("metadata: {name: other-container, namespace: test1}, spec: {br: {cluster: demo1}, "
                + "azblob: {container: other, prefix: team/x}}"));
        Specs.AzureLocation here = Specs.location(snapshot("me", "/team/x/", "", "")).orElseThrow();
        BackupIndex.Matches m = index.overlapping(here, "test1/me", 10);
        assertEquals(List.of("test1/child", "test1/parent", "test1/root", "test1/same"), keys(m));
        assertEquals(4, m.total());
        assertEquals(2, index.overlapping(here, "test1/me", 2).first().size(), "at most the limit is named");
        assertEquals(4, index.overlapping(here, "test1/me", 2).total(), "but all are counted");
    }

    /** A Restore finds the Backup it reads by its exact location: neither what is above it nor what is below. */
    @Test
    void findsTheBackupsAtExactlyALocationAndKeepsWhatTheirStatusSaysOfTheLog() {
        BackupIndex index = new BackupIndex();
        index.put(snapshot("parent", "team", "Complete", "436569794150400000"));
        index.put(snapshot("child", "team/x/daily", "Complete", "436569794150400000"));
        index.put(backup("metadata: {name: log, namespace: test1}, spec: {backupMode: log, br: {cluster: demo1}, "
                + "azblob: {container: c, prefix: /team/x/}}, status: {phase: Running, commitTs: '436564131840000000', "
                + "logCheckpointTs: '436575456460800000', logSuccessTruncateUntil: '2022-10-10T07:00:00Z'}"));
        index.put(backup("metadata: {name: other-account, namespace: test1}, spec: {backupMode: log, br: {cluster: demo1}, "
                + "azblob: {container: c, prefix: team/x, storageAccount: acct2}}"));
        Specs.AzureLocation here = new Specs.AzureLocation("acct1", "c", List.of("team", "x"));
        BackupIndex.Matches m = index.at(here, 5);
        assertEquals(List.of("test1/log"), keys(m));
        BackupIndex.Peer log = m.first().get(0);
        assertEquals(436564131840000000L, log.commitTs());
        assertEquals(436575456460800000L, log.logCheckpointTs());
        assertEquals(Tso.valueOrMinusOne("2022-10-10T07:00:00Z"), log.truncateUntil());
        assertEquals(2, index.at(new Specs.AzureLocation(null, "c", List.of("team", "x")), 5).total(), "an unknown account may be either");
        assertEquals(0, index.at(new Specs.AzureLocation(null, "c", List.of("team", "y")), 5).total());
        BackupIndex.Peer parent = index.get("test1", "parent").orElseThrow();
        assertEquals(-1, parent.logCheckpointTs(), "a snapshot has no checkpoint");
        assertEquals(0, parent.truncateUntil());
        index.put(backup("metadata: {name: log, namespace: test1}, spec: {backupMode: log, br: {cluster: demo1}, "
                + "azblob: {container: c, prefix: team/x}}, status: {phase: Running, logSuccessTruncateUntil: '2022-10-10 07:00:00'}"));
        BackupIndex.Peer unreadable = index.get("test1", "log").orElseThrow();
        assertEquals(-1, unreadable.truncateUntil(), "a zone-less truncate time cannot be placed");
        assertEquals(-1, unreadable.logCheckpointTs());
    }

    @Test
    void keepsTwoKnownDifferentAccountsApart() {
        BackupIndex index = new BackupIndex();
        index.put(backup("metadata: {name: a1, namespace: test1}, spec: {br: {cluster: demo1}, azblob: {container: c, prefix: p, storageAccount: acct1}}"));
        index.put(backup("metadata: {name: unknown, namespace: test1}, spec: {br: {cluster: demo1}, azblob: {container: c, prefix: p}}"));
        Specs.AzureLocation acct2 = new Specs.AzureLocation("acct2", "c", List.of("p"));
        assertEquals(List.of("test1/unknown"), keys(index.overlapping(acct2, "x", 5)));
        Specs.AzureLocation any = new Specs.AzureLocation(null, "c", List.of("p"));
        assertEquals(2, index.overlapping(any, "x", 5).total());
    }

    @Test
    void answersTheNewestCompleteSnapshotOfACluster() {
        BackupIndex index = new BackupIndex();
        index.put(snapshot("old", "s1", "Complete", "436568622965194754"));
        index.put(snapshot("new", "s2", "Complete", "436979621972148225"));
        index.put(snapshot("running", "s3", "Running", "436979621972148999"));
        assertEquals("test1/new", index.newestCompleteSnapshot(DEMO1).orElseThrow().key());
        index.remove("test1", "new");
        assertEquals("test1/old", index.newestCompleteSnapshot(DEMO1).orElseThrow().key());
        index.remove("test1", "old");
        assertTrue(index.newestCompleteSnapshot(DEMO1).isEmpty());
    }

    @Test
    void aQueryBeforeAPlaceSeesWhatExistsAndTheNewOnesPlacedEarlier() {
        BackupIndex index = new BackupIndex();
        index.put(log("existing", "e", "Running"));
        for (int i = 0; i < 5; i++) {
            index.put(log("new-" + i, "n" + i, ""), i);
        }
        assertEquals(List.of("test1/existing"), keys(index.activeLogBackups(DEMO1, "test1/new-0", 0, 10)));
        BackupIndex.Matches third = index.activeLogBackups(DEMO1, "test1/new-3", 3, 10);
        assertEquals(4, third.total(), "the existing one and new-0, new-1, new-2");
        assertEquals(List.of("test1/existing", "test1/new-0", "test1/new-1", "test1/new-2"), keys(third));
        assertEquals(6, index.activeLogBackups(DEMO1, "test1/other", 10).total(), "without a place: every one");
        Specs.AzureLocation n2 = Specs.location(log("x", "n2", "")).orElseThrow();
        assertEquals(0, index.overlapping(n2, "test1/new-1", 1, 10).total(), "new-2 is placed after new-1");
        assertEquals(1, index.overlapping(n2, "test1/new-4", 4, 10).total());
        index.remove("test1", "new-1");
        assertEquals(3, index.activeLogBackups(DEMO1, "test1/new-3", 3, 10).total());
    }

    @Test
    void readersSeeAConsistentIndexWhileAWriterChurns() throws Exception {
        BackupIndex index = new BackupIndex();
        index.put(log("stays", "stays", "Running"));
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Thread writer = new Thread(() -> {
            for (int i = 0; i < 20_000; i++) {
                index.put(log("churn-" + (i % 50), "churn/" + (i % 50), i % 3 == 0 ? "Stopped" : "Running"));
                if (i % 7 == 0) {
                    index.remove("test1", "churn-" + (i % 50));
                }
            }
        });
        List<Thread> readers = new ArrayList<>();
        for (int r = 0; r < 3; r++) {
            readers.add(new Thread(() -> {
                try {
                    for (int i = 0; i < 20_000; i++) {
                        BackupIndex.Matches m = index.activeLogBackups(DEMO1, "none", 3);
                        assertTrue(m.total() >= 1 && m.first().size() <= 3);
                        index.overlapping(new Specs.AzureLocation(null, "c", List.of("churn")), "none", 3);
                        index.newestCompleteSnapshot(DEMO1);
                    }
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                }
            }));
        }
        writer.start();
        readers.forEach(Thread::start);
        writer.join();
        for (Thread t : readers) {
            t.join();
        }
        assertNull(failure.get());
        assertTrue(index.get("test1", "stays").isPresent());
    }
}
