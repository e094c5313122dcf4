package io.brguard.policy.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The one table of legal logSubcommand changes, by old state and the newly asked command. It drives the
 * admission rule and the state diagram in README.md (a test fails when the README drifts from it).
 * A cell is consulted only when the command changes: re-applying the same command is always allowed. An allowed
 * cell can still be refused by the command's own sub-status (TransitionRules: a failed pause is never re-run).
 */
public final class TransitionTable {

    /** One cell: allowed, or denied with a rule id, what is wrong and what to do. */
    public record Cell(LogState from, LogCommand command, boolean allowed, LogState to,
                       String ruleId, String problem, String fix) {
    }

    public static final String CREATE = "transition.create-needs-start";
    public static final String PAUSE_NOT_RUNNING = "transition.pause-needs-running";
    public static final String STOP_NOT_STARTED = "transition.stop-needs-started";
    public static final String RESUME_NEEDS_START = "transition.resume-needs-log-start";
    public static final String STOPPED_TERMINAL = "transition.stopped-is-terminal";
    public static final String FAILED_START = "transition.failed-start-is-terminal";
    public static final String FAILED_NO_RESUME = "transition.failed-cannot-resume";
    public static final String RETRYING = "transition.retrying";
    public static final String INVALID = "transition.invalid-is-terminal";
    public static final String DELETING = "transition.deleting";
    public static final String UNKNOWN_PHASE = "transition.unknown-phase";

    /** The commands that are columns of the table, in order. */
    public static final List<LogCommand> COMMANDS = List.of(LogCommand.START, LogCommand.PAUSE, LogCommand.STOP,
            LogCommand.NONE);

    private static final String RECREATE = "delete this Backup and create a new one with a new name and prefix";
    private static final String DELETE = "delete the Backup instead (its finalizer cleans up)";
    private static final String WAIT_OR_DELETE = "wait until status.commitTs is set, or delete the Backup";

    private static final Map<LogState, Map<LogCommand, Cell>> CELLS = build();

    private TransitionTable() {
    }

    /** The cell for {@code from} and {@code command}; never null for the table's {@link #COMMANDS}. */
    public static Cell cell(LogState from, LogCommand command) {
        Cell cell = CELLS.get(from).get(command);
        if (cell == null) {
            throw new IllegalArgumentException("no transition cell for " + from + " / " + command);
        }
        return cell;
    }

    /** Every cell, row by row, in declaration order. */
    public static List<Cell> cells() {
        List<Cell> all = new ArrayList<>();
        CELLS.values().forEach(row -> all.addAll(row.values()));
        return Collections.unmodifiableList(all);
    }

    /*
     * The cells follow TiDB Operator v2 (pingcap/tidb-operator api/br/v1alpha1/backup.go ParseLogBackupSubcommand,
     * pkg/controllers/br/manager/backup/backup_manager.go syncBackupJob): every command but log-start waits for
     * status.commitTs (shouldLogBackupCommandRequeue), a missing logSubcommand means log-start (log-stop once
     * Stopped), and log-start on a Paused Backup is the resume. LogConformanceTest holds every cell against a port
     * of that code.
     */
    private static Map<LogState, Map<LogCommand, Cell>> build() {
        Map<LogState, Map<LogCommand, Cell>> t = new EnumMap<>(LogState.class);
        for (LogState s : LogState.values()) {
            t.put(s, new EnumMap<>(LogCommand.class));
        }
        allow(t, LogState.NEW, LogCommand.START, LogState.RUNNING);
        allow(t, LogState.NEW, LogCommand.NONE, LogState.RUNNING);
        deny(t, LogState.NEW, LogCommand.PAUSE, CREATE, "a log backup can only be created with log-start",
                "create it with logSubcommand: log-start");
        deny(t, LogState.NEW, LogCommand.STOP, CREATE, "a log backup can only be created with log-start",
                "create it with logSubcommand: log-start");

        allow(t, LogState.PENDING, LogCommand.START, LogState.RUNNING);
        allow(t, LogState.PENDING, LogCommand.NONE, LogState.RUNNING);
        deny(t, LogState.PENDING, LogCommand.PAUSE, PAUSE_NOT_RUNNING,
                "log-start has not run (status.commitTs is empty), so TiDB Operator would requeue the pause forever",
                "keep log-start until the phase is Running, or delete the Backup");
        deny(t, LogState.PENDING, LogCommand.STOP, STOP_NOT_STARTED,
                "nothing has started (status.commitTs is empty), so TiDB Operator would requeue the stop forever",
                DELETE);

        allow(t, LogState.STARTING, LogCommand.START, LogState.RUNNING);
        allow(t, LogState.STARTING, LogCommand.NONE, LogState.RUNNING);
        deny(t, LogState.STARTING, LogCommand.PAUSE, PAUSE_NOT_RUNNING,
                "log-start has not finished (status.commitTs is empty): TiDB Operator requeues the pause until it "
                        + "does, forever if it fails", WAIT_OR_DELETE);
        deny(t, LogState.STARTING, LogCommand.STOP, STOP_NOT_STARTED,
                "log-start has not finished (status.commitTs is empty): TiDB Operator requeues the stop until it "
                        + "does, forever if it fails", WAIT_OR_DELETE + " (its finalizer stops the task)");

        allow(t, LogState.RUNNING, LogCommand.START, LogState.RUNNING);
        allow(t, LogState.RUNNING, LogCommand.NONE, LogState.RUNNING);
        allow(t, LogState.RUNNING, LogCommand.PAUSE, LogState.PAUSED);
        allow(t, LogState.RUNNING, LogCommand.STOP, LogState.STOPPED);

        allow(t, LogState.PAUSED, LogCommand.START, LogState.RUNNING);
        allow(t, LogState.PAUSED, LogCommand.PAUSE, LogState.PAUSED);
        allow(t, LogState.PAUSED, LogCommand.STOP, LogState.STOPPED);
        deny(t, LogState.PAUSED, LogCommand.NONE, RESUME_NEEDS_START,
                "TiDB Operator v2 reads no logSubcommand as log-start, which this task has done: nothing resumes it",
                "write logSubcommand: log-start to resume, or keep log-pause");

        deny(t, LogState.STOPPED, LogCommand.START, STOPPED_TERMINAL,
                "the log backup is Stopped, which is terminal: a resume would do nothing", RECREATE);
        deny(t, LogState.STOPPED, LogCommand.PAUSE, STOPPED_TERMINAL,
                "the log backup is Stopped, which is terminal: BR has no task left to pause", RECREATE);
        allow(t, LogState.STOPPED, LogCommand.STOP, LogState.STOPPED);
        allow(t, LogState.STOPPED, LogCommand.NONE, LogState.STOPPED);

        for (LogCommand c : COMMANDS) {
            deny(t, LogState.START_FAILED, c, FAILED_START,
                    "log-start failed: TiDB Operator never runs it again and waits forever for status.commitTs",
                    RECREATE);
        }

        deny(t, LogState.TASK_FAILED, LogCommand.START, FAILED_NO_RESUME,
                "a Failed log backup cannot be resumed", "set log-stop, then create a new Backup");
        deny(t, LogState.TASK_FAILED, LogCommand.NONE, FAILED_NO_RESUME,
                "a Failed log backup cannot be resumed", "set log-stop, then create a new Backup");
        deny(t, LogState.TASK_FAILED, LogCommand.PAUSE, FAILED_NO_RESUME,
                "a Failed log backup cannot be paused", "set log-stop, then create a new Backup");
        allow(t, LogState.TASK_FAILED, LogCommand.STOP, LogState.STOPPED);

        allow(t, LogState.START_RETRYING, LogCommand.START, LogState.RUNNING);
        allow(t, LogState.START_RETRYING, LogCommand.NONE, LogState.RUNNING);
        deny(t, LogState.START_RETRYING, LogCommand.PAUSE, PAUSE_NOT_RUNNING,
                "log-start is being retried (RetryFailed, status.commitTs empty): TiDB Operator requeues the pause "
                        + "until it succeeds, forever if it never does", WAIT_OR_DELETE);
        deny(t, LogState.START_RETRYING, LogCommand.STOP, STOP_NOT_STARTED,
                "log-start is being retried (RetryFailed, status.commitTs empty): TiDB Operator requeues the stop "
                        + "until it succeeds, forever if it never does", DELETE);

        for (LogCommand c : List.of(LogCommand.START, LogCommand.NONE)) {
            deny(t, LogState.RETRYING, c, RETRYING,
                    "TiDB Operator is retrying this task (RetryFailed)", "wait until it is Running or Paused, or set log-stop");
        }
        deny(t, LogState.RETRYING, LogCommand.PAUSE, RETRYING,
                "TiDB Operator is retrying this task (RetryFailed)", "wait until it is Running, or set log-stop");
        allow(t, LogState.RETRYING, LogCommand.STOP, LogState.STOPPED);

        for (LogCommand c : COMMANDS) {
            deny(t, LogState.INVALID, c, INVALID,
                    "the Backup is Invalid and TiDB Operator no longer reconciles it", RECREATE);
            deny(t, LogState.DELETING, c, DELETING,
                    "the Backup is being deleted and cleaned", "let the deletion finish, then create a new Backup");
        }

        for (LogCommand c : List.of(LogCommand.START, LogCommand.NONE)) {
            deny(t, LogState.OTHER_UNSTARTED, c, UNKNOWN_PHASE,
                    "the phase is not one brguard can decide a start from", "check status.logSubCommandStatuses, or delete the Backup");
        }
        deny(t, LogState.OTHER_UNSTARTED, LogCommand.PAUSE, PAUSE_NOT_RUNNING,
                "status.commitTs is empty, so TiDB Operator would requeue the pause forever", DELETE);
        deny(t, LogState.OTHER_UNSTARTED, LogCommand.STOP, STOP_NOT_STARTED,
                "status.commitTs is empty, so TiDB Operator would requeue the stop forever", DELETE);

        for (LogCommand c : List.of(LogCommand.START, LogCommand.NONE)) {
            deny(t, LogState.OTHER, c, UNKNOWN_PHASE,
                    "the phase is not one brguard can decide a start from", "check status.logSubCommandStatuses, or set log-stop");
        }
        deny(t, LogState.OTHER, LogCommand.PAUSE, UNKNOWN_PHASE,
                "the phase is not one brguard can decide a pause from", "check status.logSubCommandStatuses, or set log-stop");
        allow(t, LogState.OTHER, LogCommand.STOP, LogState.STOPPED);
        return t;
    }

    private static void allow(Map<LogState, Map<LogCommand, Cell>> t, LogState from, LogCommand c, LogState to) {
        t.get(from).put(c, new Cell(from, c, true, to, null, null, null));
    }

    private static void deny(Map<LogState, Map<LogCommand, Cell>> t, LogState from, LogCommand c,
                             String ruleId, String problem, String fix) {
        t.get(from).put(c, new Cell(from, c, false, null, ruleId, problem, fix));
    }

    /** The Mermaid state diagram of the allowed cells, as embedded in README.md. */
    public static String mermaid() {
        StringBuilder sb = new StringBuilder("```mermaid\nstateDiagram-v2\n");
        for (Cell c : cells()) {
            // A missing logSubcommand takes the same edges as log-start (or none); the Markdown table shows it.
            if (c.allowed() && c.from() != c.to() && c.command() != LogCommand.NONE) {
                String from = c.from() == LogState.NEW ? "[*]" : c.from().label();
                String label = c.command().value()
                        + (c.from() == LogState.PAUSED && c.command() == LogCommand.START ? " (resume)" : "");
                sb.append("    ").append(from).append(" --> ").append(c.to().label())
                        .append(" : ").append(label).append('\n');
            }
        }
        sb.append("    Stopped --> [*]\n```\n");
        return sb.toString();
    }

    /** The whole table as Markdown, one row per old state; embedded in README.md and docs/rules.md. */
    public static String markdown() {
        StringBuilder sb = new StringBuilder(
                "| old state | what it means | log-start | log-pause | log-stop | no logSubcommand |\n|---|---|---|---|---|---|\n");
        for (LogState s : LogState.values()) {
            sb.append("| ").append(s.label()).append(" | ").append(s.description());
            for (LogCommand c : COMMANDS) {
                Cell cell = cell(s, c);
                sb.append(" | ").append(cell.allowed() ? "allowed → " + cell.to().label() : "`" + cell.ruleId() + "`");
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }
}
