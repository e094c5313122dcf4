package io.brguard.policy.state;

import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;

/**
 * The one table of legal logSubcommand changes, by old state and the newly asked command. It drives the
 * admission rule and the state diagram in README.md (a test fails when the README drifts from it).
 * A cell is consulted only when the command changes: re-applying the same command is always allowed.
 */
public final class TransitionTable {

    /** One cell: allowed, or denied with a rule id, what is wrong and what to do. */
    public record Cell(LogState from, LogCommand command, boolean allowed, LogState to,
                       String ruleId, String problem, String fix) {
    }

    public static final String CREATE = "transition.create-needs-start";
    public static final String PAUSE_NOT_RUNNING = "transition.pause-needs-running";
    public static final String STOP_NOT_STARTED = "transition.stop-needs-started";
    public static final String STOPPED_TERMINAL = "transition.stopped-is-terminal";
    public static final String FAILED_START = "transition.failed-start-is-terminal";
    public static final String FAILED_NO_RESUME = "transition.failed-cannot-resume";
    public static final String RETRYING = "transition.retrying";
    public static final String INVALID = "transition.invalid-is-terminal";
    public static final String DELETING = "transition.deleting";
    public static final String UNKNOWN_PHASE = "transition.unknown-phase";

    private static final String RECREATE = "delete this Backup and create a new one with a new name and prefix";

    private static final Map<LogState, Map<LogCommand, Cell>> CELLS = build();

    private TransitionTable() {
    }

    /** The cell for {@code from} and {@code command}; never null for START, PAUSE and STOP. */
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

    private static Map<LogState, Map<LogCommand, Cell>> build() {
        Map<LogState, Map<LogCommand, Cell>> t = new EnumMap<>(LogState.class);
        for (LogState s : LogState.values()) {
            t.put(s, new EnumMap<>(LogCommand.class));
        }
        allow(t, LogState.NEW, LogCommand.START, LogState.RUNNING);
        deny(t, LogState.NEW, LogCommand.PAUSE, CREATE, "a log backup can only be created with log-start",
                "create it with logSubcommand: log-start");
        deny(t, LogState.NEW, LogCommand.STOP, CREATE, "a log backup can only be created with log-start",
                "create it with logSubcommand: log-start");

        allow(t, LogState.PENDING, LogCommand.START, LogState.RUNNING);
        deny(t, LogState.PENDING, LogCommand.PAUSE, PAUSE_NOT_RUNNING,
                "pause needs a Running task and no controller has started this one",
                "wait until the phase is Running");
        deny(t, LogState.PENDING, LogCommand.STOP, STOP_NOT_STARTED,
                "nothing has started yet, so TiDB Operator would retry the stop forever",
                "delete the Backup instead");

        allow(t, LogState.STARTING, LogCommand.START, LogState.RUNNING);
        deny(t, LogState.STARTING, LogCommand.PAUSE, PAUSE_NOT_RUNNING,
                "pause needs a Running task and log-start has not finished",
                "wait until the phase is Running");
        deny(t, LogState.STARTING, LogCommand.STOP, STOP_NOT_STARTED,
                "log-start has not finished, so TiDB Operator would retry the stop until it does",
                "wait until the phase is Running, or delete the Backup (its finalizer stops the task)");

        allow(t, LogState.RUNNING, LogCommand.START, LogState.RUNNING);
        allow(t, LogState.RUNNING, LogCommand.PAUSE, LogState.PAUSED);
        allow(t, LogState.RUNNING, LogCommand.STOP, LogState.STOPPED);

        allow(t, LogState.PAUSED, LogCommand.START, LogState.RUNNING);
        allow(t, LogState.PAUSED, LogCommand.PAUSE, LogState.PAUSED);
        allow(t, LogState.PAUSED, LogCommand.STOP, LogState.STOPPED);

        deny(t, LogState.STOPPED, LogCommand.START, STOPPED_TERMINAL,
                "the log backup is Stopped, which is terminal: a resume would do nothing", RECREATE);
        deny(t, LogState.STOPPED, LogCommand.PAUSE, STOPPED_TERMINAL,
                "the log backup is Stopped, which is terminal: BR has no task left to pause", RECREATE);
        allow(t, LogState.STOPPED, LogCommand.STOP, LogState.STOPPED);

        for (LogCommand c : List.of(LogCommand.START, LogCommand.PAUSE, LogCommand.STOP)) {
            deny(t, LogState.START_FAILED, c, FAILED_START,
                    "log-start failed, so the task never existed and TiDB Operator ignores further commands",
                    RECREATE);
        }

        deny(t, LogState.TASK_FAILED, LogCommand.START, FAILED_NO_RESUME,
                "a Failed log backup cannot be resumed", "set log-stop, then create a new Backup");
        deny(t, LogState.TASK_FAILED, LogCommand.PAUSE, FAILED_NO_RESUME,
                "a Failed log backup cannot be paused", "set log-stop, then create a new Backup");
        allow(t, LogState.TASK_FAILED, LogCommand.STOP, LogState.STOPPED);

        deny(t, LogState.RETRYING, LogCommand.START, RETRYING,
                "TiDB Operator is retrying this task (RetryFailed)", "wait until it is Running or Paused, or set log-stop");
        deny(t, LogState.RETRYING, LogCommand.PAUSE, RETRYING,
                "TiDB Operator is retrying this task (RetryFailed)", "wait until it is Running, or set log-stop");
        allow(t, LogState.RETRYING, LogCommand.STOP, LogState.STOPPED);

        for (LogCommand c : List.of(LogCommand.START, LogCommand.PAUSE, LogCommand.STOP)) {
            deny(t, LogState.INVALID, c, INVALID,
                    "the Backup is Invalid and TiDB Operator no longer reconciles it", RECREATE);
            deny(t, LogState.DELETING, c, DELETING,
                    "the Backup is being deleted and cleaned", "let the deletion finish, then create a new Backup");
        }

        deny(t, LogState.OTHER, LogCommand.START, UNKNOWN_PHASE,
                "the phase is not one brguard can decide a start from", "check status.logSubCommandStatuses, or set log-stop");
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
            if (c.allowed() && c.from() != c.to()) {
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
                "| old state | what it means | log-start | log-pause | log-stop |\n|---|---|---|---|---|\n");
        for (LogState s : LogState.values()) {
            sb.append("| ").append(s.label()).append(" | ").append(s.description());
            for (LogCommand c : List.of(LogCommand.START, LogCommand.PAUSE, LogCommand.STOP)) {
                Cell cell = cell(s, c);
                sb.append(" | ").append(cell.allowed() ? "allowed → " + cell.to().label() : "`" + cell.ruleId() + "`");
            }
            sb.append(" |\n");
        }
        return sb.toString();
    }
}
