package io.brguard.policy.testing;

import java.util.Map;

/**
 * What TiDB Operator v2 does when a log-mode Backup's logSubcommand is set to a value, given the status the Backup
 * has: a port of the gates its controller passes through, written from the Go source (pingcap/tidb-operator main)
 * and kept apart from brguard's own reading (EffectiveCommand) so the two can be held against each other.
 * <ol>
 *   <li>{@code ParseLogBackupSubcommand} (api/br/v1alpha1/backup.go) picks the command: "" is log-stop when the
 *   phase is Stopped, else log-start; log-start on a Paused Backup is log-resume; any other value is log-unknown.</li>
 *   <li>{@code Reconcile} (pkg/controllers/br/backup/controller.go) returns for a Backup being deleted (its cleaner
 *   takes over) and skips one whose command is Invalid ({@code IsBackupInvalid}: the command's own sub-status).</li>
 *   <li>{@code syncBackupJob} (pkg/controllers/br/manager/backup/backup_manager.go) returns when the command's
 *   sub-status is Complete or Failed ({@code IsBackupComplete || IsBackupFailed}), then {@code validateBackup}
 *   turns log-unknown into a RetryFailed condition and an error (a requeue, forever), {@code skipLogBackupSync}
 *   skips a command already in sync ({@code IsLogSubcommandAlreadySync}), and {@code waitPreTaskDone} requeues a
 *   pause or stop while status.commitTs is empty ({@code shouldLogBackupCommandRequeue}).</li>
 *   <li>Otherwise {@code makeBRBackupJob} creates Job {@code backup-<name>-<command>}. BR then fails a pause or a
 *   resume of a stopped task: {@code log stop} deleted it ({@code RunStreamStop}, {@code RunStreamPause} and
 *   {@code RunStreamResume} in pingcap/tidb br/pkg/task/stream.go look the task up first).</li>
 * </ol>
 */
public final class OperatorV2 {

    /** The operator's reaction, as a short token, and the phase the Backup ends in. */
    public record Reaction(String token, String endPhase) {
        public boolean runsJob() {
            return token.startsWith("run ");
        }
    }

    private OperatorV2() {
    }

    /**
     * @param phase     the old top-level phase ("" for none)
     * @param started   whether status.commitTs is set
     * @param sub       the phases in status.logSubCommandStatuses, by command
     * @param deleting  whether the Backup has a deletionTimestamp
     * @param value     the new logSubcommand ("" for none)
     */
    public static Reaction react(String phase, boolean started, Map<String, String> sub, boolean deleting, String value) {
        String cmd = switch (value) {
            case "" -> "Stopped".equals(phase) ? "log-stop" : "log-start";
            case "log-start" -> "Paused".equals(phase) ? "log-resume" : "log-start";
            case "log-stop", "log-pause" -> value;
            default -> "log-unknown";
        };
        if (deleting) {
            return new Reaction("deleting", phase);
        }
        String own = sub.getOrDefault(cmd, "");
        if (own.equals("Invalid")) {
            return new Reaction("skip " + cmd + " Invalid", phase);
        }
        if (own.equals("Complete") || own.equals("Failed")) {
            return new Reaction("ignore " + cmd + " " + own, phase);
        }
        if (cmd.equals("log-unknown")) {
            return new Reaction("unknown", phase);
        }
        boolean inSync = switch (cmd) {
            case "log-start" -> started;
            case "log-stop" -> "Stopped".equals(phase);
            case "log-pause" -> "Paused".equals(phase);
            case "log-resume" -> "Running".equals(phase);
            default -> false;
        };
        if (inSync) {
            return new Reaction("in-sync " + cmd, phase);
        }
        if ((cmd.equals("log-pause") || cmd.equals("log-stop")) && !started) {
            return new Reaction("requeue", phase);
        }
        if ("Stopped".equals(phase) && (cmd.equals("log-pause") || cmd.equals("log-resume"))) {
            return new Reaction("br-fails " + cmd, phase);
        }
        String end = switch (cmd) {
            case "log-pause" -> "Paused";
            case "log-stop" -> "Stopped";
            default -> "Running";
        };
        return new Reaction("run " + cmd, end);
    }

    /** The phase a logSubcommand value asks for, as v2 reads it: "" is log-stop on a Stopped Backup. */
    public static String intent(String phase, String value) {
        return switch (value) {
            case "log-pause" -> "Paused";
            case "log-stop" -> "Stopped";
            case "" -> "Stopped".equals(phase) ? "Stopped" : "Running";
            case "log-start" -> "Running";
            default -> "(unsupported)";
        };
    }
}
