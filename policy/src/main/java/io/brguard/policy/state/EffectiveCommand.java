package io.brguard.policy.state;

import io.brguard.policy.model.BackupSpec;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.model.LogSubCommandStatus;

import java.util.Map;

/**
 * The log subcommand TiDB Operator v2 runs next for a spec against a status, and the gates it checks first. A port
 * of {@code ParseLogBackupSubcommand}, {@code IsLogSubcommandAlreadySync} and
 * {@code IsLogBackupSubCommandOntheCondition} (pingcap/tidb-operator, api/br/v1alpha1/backup.go), shared by the
 * policy and the controller so that both read a Backup the way the operator does.
 */
public enum EffectiveCommand {
    START("log-start"), RESUME("log-resume"), PAUSE("log-pause"), STOP("log-stop"), TRUNCATE("log-truncate"),
    /** A logSubcommand value the operator does not know: a RetryFailed condition and a requeue, forever. */
    UNKNOWN("log-unknown");

    private final String key;

    EffectiveCommand(String key) {
        this.key = key;
    }

    /** The key in status.logSubCommandStatuses and the Job name suffix, e.g. {@code log-pause}. */
    public String key() {
        return key;
    }

    /**
     * ParseLogBackupSubcommand for a log-mode spec: an empty logSubcommand is log-stop when logStop is set or the
     * phase is Stopped, else log-start (never a resume, unlike v1); log-start on a Paused Backup is a resume; and a
     * subcommand already in sync with a logTruncateUntil different from status.logSuccessTruncateUntil (a plain
     * string comparison) becomes a truncate.
     */
    public static EffectiveCommand of(BackupSpec spec, BackupStatus status) {
        EffectiveCommand cmd = ofSubcommand(spec, status);
        if (cmd == UNKNOWN) {
            return cmd;
        }
        String until = spec.getLogTruncateUntil();
        String done = status == null || status.getLogSuccessTruncateUntil() == null ? "" : status.getLogSuccessTruncateUntil();
        if (alreadySync(cmd, status) && until != null && !until.isEmpty() && !until.equals(done)) {
            return TRUNCATE;
        }
        return cmd;
    }

    /** What the logSubcommand alone maps to, before ParseLogBackupSubcommand's switch to a truncate. */
    public static EffectiveCommand ofSubcommand(BackupSpec spec, BackupStatus status) {
        String sub = spec.getLogSubcommand() == null ? "" : spec.getLogSubcommand();
        return switch (sub) {
            case "" -> Boolean.TRUE.equals(spec.getLogStop()) || "Stopped".equals(phase(status)) ? STOP : START;
            case "log-start" -> "Paused".equals(phase(status)) ? RESUME : START;
            case "log-stop" -> STOP;
            case "log-pause" -> PAUSE;
            default -> UNKNOWN;
        };
    }

    /**
     * IsLogSubcommandAlreadySync: start once status.commitTs is set, stop once Stopped, pause once Paused, resume
     * once Running. A truncate is judged separately (IsLogBackupAlreadyTruncate).
     */
    public static boolean alreadySync(EffectiveCommand cmd, BackupStatus status) {
        return switch (cmd) {
            case START -> started(status);
            case STOP -> "Stopped".equals(phase(status));
            case PAUSE -> "Paused".equals(phase(status));
            case RESUME -> "Running".equals(phase(status));
            default -> false;
        };
    }

    /**
     * The phase of this command in status.logSubCommandStatuses, as IsLogBackupSubCommandOntheCondition reads it:
     * for a truncate only while its logTruncatingUntil is the spec's value. Empty when there is none.
     */
    public String subPhase(BackupSpec spec, BackupStatus status) {
        Map<String, LogSubCommandStatus> all = status == null ? null : status.getLogSubCommandStatuses();
        LogSubCommandStatus sub = all == null ? null : all.get(key);
        if (sub == null || sub.getPhase() == null) {
            return "";
        }
        if (this == TRUNCATE && !java.util.Objects.equals(sub.getLogTruncatingUntil(), spec.getLogTruncateUntil())) {
            return "";
        }
        return sub.getPhase();
    }

    /**
     * Whether syncBackupJob returns at once without acting: the command's own sub-status is Complete or Failed
     * (IsBackupComplete || IsBackupFailed, pkg/controllers/br/manager/backup/backup_manager.go). A failed pause,
     * resume or stop is therefore never run again by asking for it again.
     */
    public boolean finishedBefore(BackupSpec spec, BackupStatus status) {
        String p = subPhase(spec, status);
        return "Complete".equals(p) || "Failed".equals(p);
    }

    /** IsLogBackupAlreadyStart: status.commitTs is set once log-start succeeded. */
    public static boolean started(BackupStatus status) {
        return status != null && status.getCommitTs() != null && !status.getCommitTs().isEmpty();
    }

    private static String phase(BackupStatus status) {
        return status == null || status.getPhase() == null ? "" : status.getPhase();
    }
}
