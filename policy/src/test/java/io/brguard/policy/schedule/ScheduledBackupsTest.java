package io.brguard.policy.schedule;

import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.time.Instant;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The Backups of a schedule, built as TiDB Operator v1's buildBackup and buildLogBackup build them
 * (pingcap/tidb-operator release-1.6 pkg/backup/backupschedule/backup_schedule_manager.go; TestBuildBackup), with
 * the two differences the class documents.
 */
class ScheduledBackupsTest {
    static final Instant RUN = Instant.parse("2023-03-08T02:48:00Z");

    static BackupSchedule integrated() {
        BackupSchedule s = Json.toSchedule(Fixtures.object("examples/schedules/integrated-backup-schedule-azblob.yaml"));
        s.getMetadata().setUid("uid-1");
        return s;
    }

    /** GetBackupCRDName and GetLogBackupCRDName: the v1 guide's kubectl get bk output shows these two names. */
    @Test
    void namesRunsAndTheLogBackupAsV1Does() {
        assertEquals("integrated-backup-schedule-azblob-2023-03-08t02-48-00", ScheduledBackups.snapshotName("integrated-backup-schedule-azblob", RUN));
        assertEquals("log-integrated-backup-schedule-azblob", ScheduledBackups.logName("integrated-backup-schedule-azblob"));
        assertEquals(RUN, ScheduledBackups.runTime("integrated-backup-schedule-azblob", "integrated-backup-schedule-azblob-2023-03-08t02-48-00").get());
        assertTrue(ScheduledBackups.isChildName("daily", "log-daily"));
        assertFalse(ScheduledBackups.isChildName("daily", "daily-backup"));
        assertFalse(ScheduledBackups.isChildName("daily", "daily-2023-03-08t02-48-00-x"));
    }

    /** buildBackup: the template, placed under <prefix>/<cluster>-pd.<namespace>-2379-<time>, with v1's labels and the owner. */
    @Test
    void buildsASnapshotFromTheTemplate() {
        BackupSchedule s = integrated();
        Backup b = ScheduledBackups.snapshot(s, RUN);
        assertEquals("test1", b.getMetadata().getNamespace());
        assertEquals("schedule-backup-folder-snapshot/demo1-pd.test1-2379-2023-03-08t02-48-00", b.getSpec().getAzblob().getPrefix());
        assertEquals("Delete", b.getSpec().getCleanPolicy());
        assertEquals(Map.of("app.kubernetes.io/name", "backup-schedule", "app.kubernetes.io/managed-by", "brguard-controller",
                "tidb.pingcap.com/backup-schedule", "integrated-backup-schedule-azblob"), b.getMetadata().getLabels());
        var owner = b.getMetadata().getOwnerReferences().get(0);
        assertEquals(List.of("br.pingcap.com/v1alpha1", "BackupSchedule", "integrated-backup-schedule-azblob", "uid-1", true, true),
                List.of(owner.getApiVersion(), owner.getKind(), owner.getName(), owner.getUid(), owner.getController(), owner.getBlockOwnerDeletion()));
        assertEquals("schedule-backup-folder-snapshot", s.getSpec().getBackupTemplate().getAzblob().getPrefix(), "the template is not changed");
        assertNull(b.getStatus());
    }

    /** buildLogBackup: log-<schedule> under <prefix>/log-<time>; the schedule's imagePullSecrets win, as in v1. */
    @Test
    void buildsTheLogBackupFromItsTemplate() {
        BackupSchedule s = integrated();
        s.getSpec().setImagePullSecrets(List.of(new io.fabric8.kubernetes.api.model.LocalObjectReference("registry")));
        Backup b = ScheduledBackups.log(s, RUN);
        assertEquals("log-integrated-backup-schedule-azblob", b.getMetadata().getName());
        assertEquals("log", b.getSpec().getBackupMode());
        assertEquals("schedule-backup-folder-log/log-2023-03-08t02-48-00", b.getSpec().getAzblob().getPrefix());
        assertEquals("registry", b.getSpec().getImagePullSecrets().get(0).getName());
    }

    /** Go's path.Join, which buildBackup uses: empty elements ignored, the result cleaned. */
    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"folder | x | folder/x", "/folder/ | x | /folder/x", "'' | x | x", "a//b/ | x | a/b/x",
            "a/./b | x | a/b/x", "a/../b | x | b/x"})
    void joinsPrefixesAsGoPathJoinDoes(String a, String b, String joined) {
        assertEquals(joined, ScheduledBackups.join(a, b));
    }

    /** Marker keys of Argo CD, Flux, Helm and kubectl are never copied; the schedule's own labels are. */
    @Test
    void copiesNoGitOpsMarkers() {
        Map<String, String> from = Map.of("app.kubernetes.io/instance", "app", "argocd.argoproj.io/instance", "app",
                "kustomize.toolkit.fluxcd.io/name", "ks", "helm.toolkit.fluxcd.io/name", "hr", "meta.helm.sh/release-name", "r",
                "kubectl.kubernetes.io/last-applied-configuration", "{}", "app.kubernetes.io/managed-by", "Helm", "team", "dba");
        assertEquals(Map.of("team", "dba"), ScheduledBackups.copied(from));
    }
}
