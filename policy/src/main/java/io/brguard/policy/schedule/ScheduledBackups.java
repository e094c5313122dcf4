package io.brguard.policy.schedule;

import io.brguard.policy.Json;
import io.brguard.policy.Specs;
import io.brguard.policy.model.AzblobStorageProvider;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSchedule;
import io.brguard.policy.model.BackupSpec;
import io.fabric8.kubernetes.api.model.ObjectMeta;
import io.fabric8.kubernetes.api.model.OwnerReference;
import io.fabric8.kubernetes.api.model.OwnerReferenceBuilder;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * The Backups a BackupSchedule creates, built as TiDB Operator v1 builds them (pingcap/tidb-operator release-1.6
 * pkg/backup/backupschedule/backup_schedule_manager.go buildBackup and buildLogBackup; api GetBackupCRDName and
 * GetLogBackupCRDName): a snapshot named {@code <schedule>-<UTC time as 2006-01-02t15-04-05>} under the template's
 * prefix joined with {@code <cluster>-pd.<cluster namespace>-2379-<time>}; the log backup named
 * {@code log-<schedule>} under the prefix joined with {@code log-<time>}; the schedule's imagePullSecrets; labels
 * {@code app.kubernetes.io/name: backup-schedule} and {@code tidb.pingcap.com/backup-schedule: <schedule>}; an owner
 * reference to the schedule (controller, blockOwnerDeletion).
 * <p>
 * Two deliberate differences. The schedule's labels and annotations are copied except GitOps and packaging
 * markers (Argo CD, Flux, Helm, kubectl's last-applied): a child carrying them would be tracked as part of the
 * schedule's application and pruned on the next sync, since it is not in Git. And v1's
 * {@code app.kubernetes.io/instance: <schedule>} is not set: it is Argo CD's default tracking label.
 */
public final class ScheduledBackups {
    /** v1's label.BackupScheduleLabelKey: which schedule made a Backup (children are listed by it). */
    public static final String SCHEDULE_LABEL = "tidb.pingcap.com/backup-schedule";
    public static final String NAME_LABEL = "app.kubernetes.io/name";
    public static final String NAME_VALUE = "backup-schedule";
    public static final String MANAGED_BY_LABEL = "app.kubernetes.io/managed-by";
    public static final String MANAGED_BY = "brguard-controller";
    /** v1's BackupNameTimeFormat, "2006-01-02t15-04-05", in UTC. */
    public static final DateTimeFormatter NAME_TIME = DateTimeFormatter.ofPattern("yyyy-MM-dd't'HH-mm-ss").withZone(ZoneOffset.UTC);
    /** The suffix of a snapshot's name: {@code -} and the time. */
    public static final int NAME_TIME_LENGTH = 1 + 19;
    private static final Pattern CHILD_TIME = Pattern.compile("-\\d{4}-\\d{2}-\\d{2}t\\d{2}-\\d{2}-\\d{2}");
    /** v1's DefaultPDClientPort, part of the snapshot prefix v1 writes. */
    private static final int PD_PORT = 2379;

    /** Label and annotation keys never copied onto a child: they would make a GitOps tool or Helm claim it. */
    public static final List<String> NOT_COPIED_PREFIXES = List.of("argocd.argoproj.io/", "kustomize.toolkit.fluxcd.io/",
            "helm.toolkit.fluxcd.io/", "source.toolkit.fluxcd.io/", "meta.helm.sh/", "helm.sh/", "kubectl.kubernetes.io/");
    public static final List<String> NOT_COPIED_KEYS = List.of("app.kubernetes.io/instance", MANAGED_BY_LABEL,
            "app.kubernetes.io/part-of");

    private ScheduledBackups() {
    }

    /** The name of the snapshot Backup for the run at {@code time} (v1 GetBackupCRDName). */
    public static String snapshotName(String schedule, Instant time) {
        return schedule + "-" + NAME_TIME.format(time);
    }

    /** The name of the schedule's log backup (v1 GetLogBackupCRDName). */
    public static String logName(String schedule) {
        return "log-" + schedule;
    }

    /** Whether a Backup of that name is one the schedule makes: its log backup or a snapshot of one of its runs. */
    public static boolean isChildName(String schedule, String backup) {
        if (backup.equals(logName(schedule))) {
            return true;
        }
        return backup.length() == schedule.length() + NAME_TIME_LENGTH && backup.startsWith(schedule)
                && CHILD_TIME.matcher(backup.substring(schedule.length())).matches();
    }

    /** The time a snapshot child's name carries, if it is one. */
    public static Optional<Instant> runTime(String schedule, String backup) {
        if (!isChildName(schedule, backup) || backup.equals(logName(schedule))) {
            return Optional.empty();
        }
        return Optional.of(Instant.from(NAME_TIME.parse(backup.substring(schedule.length() + 1))));
    }

    /** The snapshot Backup for the run at {@code time} (v1 buildBackup). */
    public static Backup snapshot(BackupSchedule schedule, Instant time) {
        BackupSpec spec = Json.JSON.convertValue(schedule.getSpec().getBackupTemplate(), BackupSpec.class);
        Backup probe = new Backup();
        probe.getMetadata().setNamespace(Specs.namespace(schedule));
        probe.setSpec(spec);
        String pd = Specs.cluster(probe)
                .map(c -> c.name() + "-pd." + c.namespace() + "-" + PD_PORT).orElse("cluster");
        placeUnder(spec, pd + "-" + NAME_TIME.format(time));
        return child(schedule, snapshotName(schedule.getMetadata().getName(), time), spec);
    }

    /** The log Backup started at {@code time} (v1 buildLogBackup). */
    public static Backup log(BackupSchedule schedule, Instant time) {
        BackupSpec spec = Json.JSON.convertValue(schedule.getSpec().getLogBackupTemplate(), BackupSpec.class);
        placeUnder(spec, "log-" + NAME_TIME.format(time));
        return child(schedule, logName(schedule.getMetadata().getName()), spec);
    }

    /** Joins {@code sub} to the prefix of the first provider set, in v1's order: s3, gcs, azblob, local. */
    private static void placeUnder(BackupSpec spec, String sub) {
        Map<String, Object> tree = spec.getS3() != null ? spec.getS3() : spec.getGcs();
        AzblobStorageProvider az = spec.getAzblob();
        if (tree == null && az != null) {
            az.setPrefix(join(az.getPrefix(), sub));
            return;
        }
        tree = tree != null ? tree : spec.getLocal();
        if (tree != null) {
            tree.put("prefix", join(tree.get("prefix") instanceof String s ? s : "", sub));
        }
    }

    private static Backup child(BackupSchedule schedule, String name, BackupSpec spec) {
        ObjectMeta sm = schedule.getMetadata();
        if (schedule.getSpec().getImagePullSecrets() != null) {
            spec.setImagePullSecrets(schedule.getSpec().getImagePullSecrets());
        }
        Map<String, String> labels = new LinkedHashMap<>();
        labels.put(NAME_LABEL, NAME_VALUE);
        labels.put(MANAGED_BY_LABEL, MANAGED_BY);
        labels.put(SCHEDULE_LABEL, sm.getName());
        copied(sm.getLabels()).forEach(labels::putIfAbsent);
        Map<String, String> annotations = copied(sm.getAnnotations());
        Backup b = new Backup();
        ObjectMeta m = b.getMetadata();
        m.setName(name);
        m.setNamespace(Specs.namespace(schedule));
        m.setLabels(labels);
        m.setAnnotations(annotations.isEmpty() ? null : annotations);
        m.setOwnerReferences(List.of(ownerReference(schedule)));
        b.setSpec(spec);
        return b;
    }

    /** v2 GetBackupScheduleOwnerRef: the schedule as controller, blocking its deletion until children are gone. */
    public static OwnerReference ownerReference(BackupSchedule schedule) {
        return new OwnerReferenceBuilder().withApiVersion(BackupSchedule.API_VERSION).withKind(BackupSchedule.KIND)
                .withName(schedule.getMetadata().getName()).withUid(schedule.getMetadata().getUid())
                .withController(true).withBlockOwnerDeletion(true).build();
    }

    /** The entries of a label or annotation map that a child may carry. */
    public static Map<String, String> copied(Map<String, String> from) {
        Map<String, String> out = new LinkedHashMap<>();
        if (from != null) {
            from.forEach((k, v) -> {
                if (!NOT_COPIED_KEYS.contains(k) && NOT_COPIED_PREFIXES.stream().noneMatch(k::startsWith)) {
                    out.put(k, v);
                }
            });
        }
        return out;
    }

    /** Go's path.Join of two elements: joined with '/', then cleaned (empty elements ignored). */
    static String join(String a, String b) {
        String joined = a == null || a.isEmpty() ? b : b.isEmpty() ? a : a + "/" + b;
        return joined.isEmpty() ? "" : clean(joined);
    }

    /** Go's path.Clean: one slash between elements, no '.' elements, '..' removed with the element before it. */
    static String clean(String p) {
        boolean rooted = p.startsWith("/");
        Deque<String> out = new ArrayDeque<>();
        for (String el : p.split("/")) {
            if (el.isEmpty() || el.equals(".")) {
                continue;
            }
            if (el.equals("..")) {
                if (!out.isEmpty() && !out.peekLast().equals("..")) {
                    out.removeLast();
                } else if (!rooted) {
                    out.addLast("..");
                }
                continue;
            }
            out.addLast(el);
        }
        String body = String.join("/", out);
        return rooted ? "/" + body : body.isEmpty() ? "." : body;
    }
}
