package io.brguard.controller;

import io.brguard.policy.Json;
import io.brguard.policy.Specs;
import io.brguard.policy.field.Tso;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupCondition;
import io.brguard.policy.model.BackupStatus;
import io.brguard.policy.model.CleanProgress;
import io.brguard.policy.model.LogSubCommandStatus;
import io.brguard.policy.state.LogCommand;
import io.fabric8.kubernetes.api.model.batch.v1.Job;
import io.fabric8.kubernetes.api.model.batch.v1.JobCondition;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;

/**
 * Decides what to do for one Backup from its cached state, its Jobs and storage facts: pure, no I/O, no clock
 * but the one passed in. When a decision needs a storage fact it was not given, the plan says which (needs) and
 * the reconciler asks Azure and plans again. Follows TiDB Operator's behaviour: no retry of a
 * failed Job, log subcommands judged from status.commitTs and the phase, one Job name per subcommand.
 */
public final class Planner {
    public static final String FINALIZER = "brguard.io/backup-cleanup";

    /** Something the reconciler does to the cluster or storage. */
    public sealed interface Action {
        record CreateJob(BrCommand command) implements Action { }
        record DeleteJob(String name) implements Action { }
        record MarkObserved(String jobName) implements Action { }
        record AddFinalizer() implements Action { }
        record RemoveFinalizer() implements Action { }
        record CleanPage() implements Action { }
    }

    /** Storage facts the reconciler can fetch. */
    public enum Need { PREFLIGHT, META, CHECKPOINT, REMAINING_BLOBS, JOB_EXISTS, PREREQUISITES }

    /** Facts fetched so far; null means not fetched. */
    public record Facts(AzureStorage.Preflight preflight, Optional<BackupMetaFile> meta, Optional<Long> checkpoint,
                        Long remainingBlobs, Boolean jobExists, Prerequisites prerequisites) {
        public Facts(AzureStorage.Preflight preflight, Optional<BackupMetaFile> meta, Optional<Long> checkpoint, Long remainingBlobs) {
            this(preflight, meta, checkpoint, remainingBlobs, null, null);
        }

        public static Facts none() {
            return new Facts(null, null, null, null, null, null);
        }

        /** These facts with the prerequisites of a Job. */
        public Facts with(Prerequisites p) {
            return new Facts(preflight, meta, checkpoint, remainingBlobs, jobExists, p);
        }
    }

    /**
     * What a Job needs outside the Backup, checked before one is created: the TiDB cluster (its topology) and
     * the ServiceAccount the Job runs as. A missing one is named in the status and looked for again later.
     */
    public record Prerequisites(ClusterTopology topology, String reason, String message) {
        public static Prerequisites ready(ClusterTopology topology) {
            return new Prerequisites(topology, null, null);
        }

        public static Prerequisites missing(String reason, String message) {
            return new Prerequisites(null, reason, message);
        }

        public boolean isReady() {
            return reason == null;
        }

        /** The cluster itself is gone (not a ServiceAccount or a spec problem). */
        boolean clusterGone() {
            return "ClusterNotFound".equals(reason) || "PDGroupNotFound".equals(reason) || "TiKVGroupNotFound".equals(reason);
        }
    }

    /** The decision: actions in order, the new status (null when unchanged), facts still needed, when to look again. */
    public record Plan(List<Action> actions, BackupStatus status, Set<Need> needs, Duration requeueAfter) {
        public boolean needsFacts() {
            return !needs.isEmpty();
        }
    }

    /** Settings of the planner. */
    public record Settings(Duration checkpointInterval, Duration activeRecheck, Duration retryAfter) {
        public static final Settings DEFAULT = new Settings(Duration.ofMinutes(1), Duration.ofMinutes(1), Duration.ofSeconds(30));
    }

    private final Settings settings;

    public Planner(Settings settings) {
        this.settings = settings;
    }

    /** What the controller should do now for {@code backup}, given its Jobs by name and the facts. */
    public Plan plan(Backup backup, Map<String, Job> jobs, Facts facts, Instant now) {
        Run r = new Run(backup, jobs, facts, now);
        if (backup.getMetadata().getDeletionTimestamp() != null) {
            r.deleting();
        } else {
            if (wantsFinalizer(backup) && !hasFinalizer(backup)) {
                r.actions.add(new Action.AddFinalizer());
            }
            if (Specs.isLog(backup.getSpec())) {
                r.log();
            } else {
                r.snapshot();
            }
        }
        return r.result();
    }

    static boolean wantsFinalizer(Backup b) {
        String policy = b.getSpec().getCleanPolicy();
        return Specs.isLog(b.getSpec()) || "Delete".equals(policy) || "OnFailure".equals(policy);
    }

    static boolean hasFinalizer(Backup b) {
        return b.getMetadata().getFinalizers() != null && b.getMetadata().getFinalizers().contains(FINALIZER);
    }

    /** A Job's outcome as the planner sees it: PENDING until the Job controller reports a pod or a start time. */
    enum JobState { PENDING, ACTIVE, SUCCEEDED, FAILED }

    static JobState state(Job job) {
        if (job.getStatus() != null && job.getStatus().getConditions() != null) {
            for (JobCondition c : job.getStatus().getConditions()) {
                if ("True".equals(c.getStatus()) && "Complete".equals(c.getType())) {
                    return JobState.SUCCEEDED;
                }
                if ("True".equals(c.getStatus()) && "Failed".equals(c.getType())) {
                    return JobState.FAILED;
                }
            }
        }
        if (job.getStatus() != null && job.getStatus().getSucceeded() != null && job.getStatus().getSucceeded() > 0) {
            return JobState.SUCCEEDED;
        }
        if (job.getStatus() != null && job.getStatus().getFailed() != null && job.getStatus().getFailed() > 0) {
            return JobState.FAILED; // backoffLimit is 0: the first failed pod fails the Job
        }
        boolean running = job.getStatus() != null && (job.getStatus().getStartTime() != null
                || (job.getStatus().getActive() != null && job.getStatus().getActive() > 0));
        return running ? JobState.ACTIVE : JobState.PENDING;
    }

    static boolean observed(Job job) {
        return job.getMetadata().getAnnotations() != null
                && "true".equals(job.getMetadata().getAnnotations().get(BackupJobs.ANNOTATION_OBSERVED));
    }

    static String failureMessage(Job job) {
        if (job.getStatus() != null && job.getStatus().getConditions() != null) {
            for (JobCondition c : job.getStatus().getConditions()) {
                if ("Failed".equals(c.getType()) && c.getMessage() != null) {
                    return c.getMessage();
                }
            }
        }
        return "see kubectl logs job/" + job.getMetadata().getName();
    }

    /** One planning pass; collects actions and status changes. */
    private final class Run {
        final Backup b;
        final Map<String, Job> jobs;
        final Facts f;
        final Instant now;
        final BackupStatus before;
        final BackupStatus status;
        final List<Action> actions = new ArrayList<>();
        final Set<Need> needs = EnumSet.noneOf(Need.class);
        Duration requeue;
        final long generation;

        Run(Backup b, Map<String, Job> jobs, Facts f, Instant now) {
            this.b = b;
            this.jobs = jobs;
            this.f = f;
            this.now = now;
            this.before = b.getStatus() == null ? new BackupStatus() : b.getStatus();
            this.status = copy(before);
            this.generation = b.getMetadata().getGeneration() == null ? 0 : b.getMetadata().getGeneration();
        }

        Plan result() {
            boolean changed = !Json.sameMeaning(Json.JSON.valueToTree(before), Json.JSON.valueToTree(status));
            return new Plan(needs.isEmpty() ? List.copyOf(actions) : List.of(), needs.isEmpty() && changed ? status : null,
                    Set.copyOf(needs), requeue);
        }

        boolean need(Need n, Object fact) {
            if (fact == null) {
                needs.add(n);
                return true;
            }
            return false;
        }

        String phase() {
            return status.getPhase() == null ? "" : status.getPhase();
        }

        /** Nothing ran yet: no phase, or only a preflight that could not reach Azure (RetryFailed). */
        boolean notStarted() {
            return phase().isEmpty() || "RetryFailed".equals(phase());
        }

        /** A preflight that could not ask Azure is retried later, as TiDB Operator does with RetryFailed. */
        boolean retryLater(AzureStorage.Preflight p) {
            if (p.ok() || !p.transientFailure()) {
                return false;
            }
            phase("RetryFailed", p.reason(), p.message() + "; retrying");
            requeue = settings.retryAfter();
            return true;
        }

        // ---------------------------------------------------------------- snapshot

        void snapshot() {
            String name = BrCommand.SNAPSHOT.jobName(Specs.name(b));
            Job job = jobs.get(name);
            if (job == null) {
                if (notStarted()) {
                    if (need(Need.PREFLIGHT, f.preflight())) {
                        return;
                    }
                    if (retryLater(f.preflight())) {
                        return;
                    }
                    if (!f.preflight().ok()) {
                        phase("Failed", f.preflight().reason(), f.preflight().message());
                        return;
                    }
                    if (!prerequisitesReady(BrCommand.SNAPSHOT)) {
                        return;
                    }
                    actions.add(new Action.CreateJob(BrCommand.SNAPSHOT));
                    status.setBackupPath(Specs.location(b).orElseThrow().url());
                    status.setTimeStarted(now.toString());
                    phase("Scheduled", "JobCreated", "created Job " + name);
                } else if (Set.of("Scheduled", "Prepare", "Running").contains(phase())) {
                    // The Job cache may simply not have caught up with the Backup cache: ask the API server.
                    if (need(Need.JOB_EXISTS, f.jobExists())) {
                        return;
                    }
                    if (f.jobExists()) {
                        requeue = Duration.ofSeconds(1);
                        return;
                    }
                    phase("Failed", "JobMissing", "Job " + name + " disappeared before it finished; create a new Backup");
                }
                return;
            }
            if (observed(job)) {
                return;
            }
            switch (state(job)) {
                case PENDING -> {
                    if (notStarted()) { // the Job was created, then the controller stopped before recording it
                        status.setBackupPath(Specs.location(b).orElseThrow().url());
                        status.setTimeStarted(now.toString());
                        phase("Scheduled", "JobCreated", "Job " + name + " exists");
                    }
                    requeue = settings.activeRecheck();
                }
                case ACTIVE -> {
                    if (!"Running".equals(phase())) {
                        phase("Running", "JobRunning", "Job " + name + " is running");
                    }
                    if (status.getBackupPath() == null) { // the Job was created, then the controller stopped
                        status.setBackupPath(Specs.location(b).orElseThrow().url());
                        status.setTimeStarted(now.toString());
                    }
                    requeue = settings.activeRecheck();
                }
                case SUCCEEDED -> {
                    if (need(Need.META, f.meta())) {
                        return;
                    }
                    if (f.meta().isEmpty()) {
                        phase("Failed", "NoBackupMeta", "BR finished but " + Specs.location(b).orElseThrow().url()
                                + " holds no backupmeta");
                    } else {
                        status.setCommitTs(Long.toUnsignedString(f.meta().get().endVersion()));
                        // backupSize as TiDB Operator v2 reports it (GetBRArchiveSize), from the backupmeta
                        long size = f.meta().get().archiveSize();
                        status.setBackupSize(size);
                        status.setBackupSizeReadable(readable(size));
                        completed();
                        phase("Complete", "JobSucceeded", "snapshot at TSO " + status.getCommitTs());
                    }
                    actions.add(new Action.MarkObserved(name));
                }
                case FAILED -> {
                    phase("Failed", "JobFailed", "Job " + name + " failed: " + failureMessage(job));
                    actions.add(new Action.MarkObserved(name));
                }
            }
        }

        // ---------------------------------------------------------------- log

        void log() {
            LogCommand cmd = LogCommand.of(b.getSpec());
            if (cmd == LogCommand.UNSUPPORTED) {
                if (!"Invalid".equals(phase())) {
                    phase("Invalid", "UnsupportedSubcommand", "logSubcommand " + b.getSpec().getLogSubcommand()
                            + " is not supported; use log-start, log-pause or log-stop");
                }
                return;
            }
            boolean started = status.getCommitTs() != null && !status.getCommitTs().isEmpty();
            if (!started) {
                if (cmd.wantsRunning() && !"Failed".equals(phase()) && !"Invalid".equals(phase())) {
                    start();
                }
                return; // pause/stop before a start: nothing to act on (the webhook refuses them)
            }
            String p = phase();
            if (cmd == LogCommand.NONE && ("Paused".equals(p) || "Stopped".equals(p))) {
                // TiDB Operator v2 reads no logSubcommand as log-start (log-stop once Stopped): in sync, nothing runs
                truncateAndTrack();
                return;
            }
            String desired = switch (cmd) {
                case START, NONE -> "Running";
                case PAUSE -> "Paused";
                case STOP -> "Stopped";
                case UNSUPPORTED -> throw new IllegalStateException();
            };
            if ("Stopped".equals(p) && !desired.equals("Stopped")) {
                truncateAndTrack(); // Stopped is terminal; only truncation still runs
                return;
            }
            if ("Failed".equals(p) && !desired.equals("Stopped")) {
                return;
            }
            if (!p.equals(desired) && !"Invalid".equals(p)) {
                BrCommand sub = cmd.wantsRunning() ? BrCommand.LOG_RESUME
                        : cmd == LogCommand.PAUSE ? BrCommand.LOG_PAUSE : BrCommand.LOG_STOP;
                runSub(sub, () -> phase(desired, "LogSubcommandComplete", sub.subcommand() + " finished"));
                return;
            }
            truncateAndTrack();
        }

        private void start() {
            BrCommand sub = BrCommand.LOG_START;
            Job job = jobs.get(sub.jobName(Specs.name(b)));
            if (job == null && notStarted()) {
                if (need(Need.PREFLIGHT, f.preflight())) {
                    return;
                }
                if (retryLater(f.preflight())) {
                    return;
                }
                if (!f.preflight().ok()) {
                    sub(sub, "Failed", f.preflight().reason(), f.preflight().message());
                    phase("Failed", f.preflight().reason(), f.preflight().message());
                    return;
                }
            }
            runSub(sub, () -> {
                if (need(Need.META, f.meta())) {
                    return false;
                }
                if (f.meta().isEmpty() || f.meta().get().isSnapshot()) {
                    phase("Failed", "NoBackupMeta", "log start finished but no log backupmeta is at "
                            + Specs.location(b).orElseThrow().url());
                    return true;
                }
                status.setCommitTs(Long.toUnsignedString(f.meta().get().startVersion()));
                status.setBackupPath(Specs.location(b).orElseThrow().url());
                if (status.getTimeStarted() == null) {
                    status.setTimeStarted(now.toString());
                }
                // log-start Complete leaves the top level Running (TiDB Operator's updateWholeLogBackupStatus)
                phase("Running", "LogBackupStarted", "log backup task " + Specs.name(b) + " started at TSO " + status.getCommitTs());
                return true;
            });
            Job startJob = jobs.get(sub.jobName(Specs.name(b)));
            if (startJob != null && state(startJob) == JobState.ACTIVE && !"Prepare".equals(phase())) {
                phase("Prepare", "JobRunning", "log start is running");
            }
        }

        private void truncateAndTrack() {
            String until = b.getSpec().getLogTruncateUntil();
            if (until != null && !until.isEmpty() && !until.equals(status.getLogSuccessTruncateUntil())) {
                if (alreadyTruncated(until)) {
                    // skipLogBackupSync: nothing left to truncate up to there; Complete without a Job, and
                    // logSuccessTruncateUntil set only when empty, so it never moves backwards
                    LogSubCommandStatus sc = status.getLogSubCommandStatuses() == null ? null
                            : status.getLogSubCommandStatuses().get(BrCommand.LOG_TRUNCATE.subcommand());
                    if (sc == null || !"Complete".equals(sc.getPhase()) || !until.equals(sc.getLogTruncatingUntil())) {
                        sub(BrCommand.LOG_TRUNCATE, "Complete", "AlreadyTruncated", "the log is already truncated up to " + until);
                        status.getLogSubCommandStatuses().get(BrCommand.LOG_TRUNCATE.subcommand()).setTimeStarted(now.toString());
                    }
                    if (status.getLogSuccessTruncateUntil() == null || status.getLogSuccessTruncateUntil().isEmpty()) {
                        status.setLogSuccessTruncateUntil(until);
                    }
                } else {
                    runSub(BrCommand.LOG_TRUNCATE, () -> {
                        status.setLogSuccessTruncateUntil(until);
                        return true;
                    });
                }
            }
            if (Set.of("Running", "Paused").contains(phase())) {
                Instant last = status.getTimeSynced() == null ? null : Instant.parse(status.getTimeSynced());
                if (last == null || !now.isBefore(last.plus(settings.checkpointInterval()))) {
                    if (need(Need.CHECKPOINT, f.checkpoint())) {
                        return;
                    }
                    f.checkpoint().ifPresent(ts -> status.setLogCheckpointTs(Long.toUnsignedString(ts)));
                    status.setTimeSynced(now.toString());
                }
                requeue = settings.checkpointInterval();
            }
        }

        /**
         * TiDB Operator v2's IsLogBackupAlreadyTruncate (api/br/v1alpha1/backup.go): the spec's point is at or
         * before the task's start or the last successful truncation, compared as TSOs; an unreadable spec value
         * is not truncated, an unreadable status value counts as 0.
         */
        private boolean alreadyTruncated(String until) {
            long spec = Tso.valueOrMinusOne(until);
            if (spec == -1) {
                return false;
            }
            long start = Math.max(0, Tso.valueOrMinusOne(status.getCommitTs()));
            long success = Math.max(0, Tso.valueOrMinusOne(status.getLogSuccessTruncateUntil()));
            return Long.compareUnsigned(spec, start) <= 0 || Long.compareUnsigned(spec, success) <= 0;
        }

        private void runSub(BrCommand sub, Runnable onSuccess) {
            runSub(sub, () -> {
                onSuccess.run();
                return true;
            });
        }

        /**
         * Drives one log subcommand's Job. A finished Job whose result is recorded (observed) belongs to an earlier
         * cycle and is deleted before the next run; a failed run is not retried until the spec changes again.
         */
        private void runSub(BrCommand sub, java.util.function.BooleanSupplier onSuccess) {
            String name = sub.jobName(Specs.name(b));
            Job job = jobs.get(name);
            LogSubCommandStatus sc = status.getLogSubCommandStatuses() == null ? null
                    : status.getLogSubCommandStatuses().get(sub.subcommand());
            boolean sameRequest = sc != null && conditionGeneration(sc) == generation
                    && (sub != BrCommand.LOG_TRUNCATE || Objects.equals(sc.getLogTruncatingUntil(), b.getSpec().getLogTruncateUntil()));
            if (job == null) {
                if (sameRequest && "Failed".equals(sc.getPhase())) {
                    return; // TiDB Operator does not retry a failed Job: wait for a spec change
                }
                if (!prerequisitesReady(sub)) {
                    return;
                }
                actions.add(new Action.CreateJob(sub));
                sub(sub, "Scheduled", "JobCreated", "created Job " + name);
                return;
            }
            if (observed(job)) {
                if (sameRequest && "Failed".equals(sc.getPhase())) {
                    return;
                }
                actions.add(new Action.DeleteJob(name)); // an earlier cycle's Job; the next pass creates a new one
                return;
            }
            switch (state(job)) {
                case PENDING -> {
                    if (sc == null) {
                        sub(sub, "Scheduled", "JobCreated", "Job " + name + " exists");
                    }
                    requeue = settings.activeRecheck();
                }
                case ACTIVE -> {
                    if (sc == null || !"Running".equals(sc.getPhase())) {
                        sub(sub, "Running", "JobRunning", "Job " + name + " is running");
                    }
                    requeue = settings.activeRecheck();
                }
                case SUCCEEDED -> {
                    if (onSuccess.getAsBoolean()) {
                        sub(sub, "Complete", "JobSucceeded", "Job " + name + " succeeded");
                        actions.add(new Action.MarkObserved(name));
                    }
                }
                case FAILED -> {
                    sub(sub, "Failed", "JobFailed", "Job " + name + " failed: " + failureMessage(job));
                    if (sub == BrCommand.LOG_START) {
                        phase("Failed", "JobFailed", "log start failed: " + failureMessage(job));
                    }
                    actions.add(new Action.MarkObserved(name));
                }
            }
        }

        /**
         * Whether the cluster and the ServiceAccount a new Job needs are there. When one is missing, the Backup
         * waits and says which, where TiDB Operator v2 writes its RetryFailed condition for a Job it could not
         * build (backup_manager.go {@code syncBackupJob}): the top level for a snapshot and log-start, only the
         * command's own entry for a later log command (which must not change the phase of a running task).
         */
        boolean prerequisitesReady(BrCommand sub) {
            if (need(Need.PREREQUISITES, f.prerequisites())) {
                return false;
            }
            Prerequisites p = f.prerequisites();
            if (p.isReady()) {
                return true;
            }
            if (sub == BrCommand.SNAPSHOT || sub == BrCommand.LOG_START) {
                phase("RetryFailed", p.reason(), p.message());
            }
            if (sub != BrCommand.SNAPSHOT) {
                sub(sub, "RetryFailed", p.reason(), p.message());
            }
            requeue = settings.retryAfter();
            return false;
        }

        // ---------------------------------------------------------------- deletion

        void deleting() {
            if (!hasFinalizer(b)) {
                return;
            }
            for (Job j : jobs.values()) {
                if ((state(j) == JobState.ACTIVE || state(j) == JobState.PENDING) && !observed(j)) {
                    requeue = settings.activeRecheck();
                    return; // wait for every running Job before stopping or cleaning
                }
            }
            boolean started = status.getCommitTs() != null && !status.getCommitTs().isEmpty();
            if (Specs.isLog(b.getSpec()) && started && Set.of("Running", "Paused", "Scheduled", "Prepare").contains(phase())) {
                Job stop = jobs.get(BrCommand.LOG_STOP.jobName(Specs.name(b)));
                if (stop != null && !observed(stop) && state(stop) == JobState.FAILED) {
                    sub(BrCommand.LOG_STOP, "Failed", "JobFailed", "log stop failed: " + failureMessage(stop));
                    cleanCondition("False", "StopFailed", "the log task could not be stopped; stop it with br log stop, "
                            + "then remove the finalizer " + FINALIZER);
                    actions.add(new Action.MarkObserved(stop.getMetadata().getName()));
                    return;
                }
                if (stop != null && observed(stop) && state(stop) == JobState.FAILED) {
                    return; // reported above; the finalizer stays until someone acts
                }
                if (stop == null && need(Need.PREREQUISITES, f.prerequisites())) {
                    return;
                }
                if (stop == null && f.prerequisites().clusterGone()) {
                    // No cluster, no PD: the log task went with it, and nothing is left to stop.
                    condition("Clean", "False", "ClusterGone", f.prerequisites().message() + "; the log task is not stopped");
                } else {
                    runSub(BrCommand.LOG_STOP, () -> phase("Stopped", "StoppedForDeletion", "log task stopped before deletion"));
                    return;
                }
            }
            String policy = b.getSpec().getCleanPolicy() == null ? "Retain" : b.getSpec().getCleanPolicy();
            boolean clean = "Delete".equals(policy) || ("OnFailure".equals(policy) && "Failed".equals(phase()));
            if (!clean || status.getBackupPath() == null || status.getBackupPath().isEmpty()) {
                actions.add(new Action.RemoveFinalizer());
                return;
            }
            if (need(Need.REMAINING_BLOBS, f.remainingBlobs())) {
                return;
            }
            if (f.remainingBlobs() == 0) {
                cleanCondition("True", "Cleaned", "every blob under " + status.getBackupPath() + " is deleted");
                actions.add(new Action.RemoveFinalizer());
                return;
            }
            if (!"Clean".equals(phase())) {
                status.setPhase("Clean");
            }
            if (status.getCleanProgress() == null) {
                status.setCleanProgress(new CleanProgress());
                status.getCleanProgress().setDeletedBlobs(0L);
            }
            cleanCondition("False", "Cleaning", "deleting the blobs under " + status.getBackupPath());
            actions.add(new Action.CleanPage());
            requeue = Duration.ofMillis(200); // the next page, after this one's progress is recorded
        }

        void cleanCondition(String value, String reason, String message) {
            condition("Clean", value, reason, message);
            status.setPhase("StopFailed".equals(reason) ? "CleanFailed" : "Clean");
        }

        // ---------------------------------------------------------------- status helpers

        void phase(String type, String reason, String message) {
            status.setPhase(type);
            condition(type, "True", reason, message);
            if (Set.of("Complete", "Failed", "Stopped").contains(type) && !Specs.isLog(b.getSpec())) {
                completed();
            }
        }

        void condition(String type, String value, String reason, String message) {
            List<BackupCondition> conds = status.getConditions() == null ? new ArrayList<>() : new ArrayList<>(status.getConditions());
            BackupCondition existing = conds.stream().filter(c -> type.equals(c.getType())).findFirst().orElse(null);
            if (existing == null) {
                BackupCondition c = new BackupCondition(type, value, reason, message, now.toString());
                c.setObservedGeneration(generation);
                conds.add(c);
            } else {
                if (!value.equals(existing.getStatus())) {
                    existing.setLastTransitionTime(now.toString());
                }
                existing.setStatus(value);
                existing.setReason(reason);
                existing.setMessage(message);
                existing.setObservedGeneration(generation);
            }
            status.setConditions(conds);
        }

        void sub(BrCommand sub, String phase, String reason, String message) {
            Map<String, LogSubCommandStatus> all = status.getLogSubCommandStatuses() == null ? new LinkedHashMap<>()
                    : new LinkedHashMap<>(status.getLogSubCommandStatuses());
            LogSubCommandStatus s = all.getOrDefault(sub.subcommand(), new LogSubCommandStatus());
            s.setCommand(sub.subcommand());
            if ("Scheduled".equals(phase)) {
                s.setTimeStarted(now.toString());
                s.setTimeCompleted(null);
            }
            if ("Complete".equals(phase) || "Failed".equals(phase)) {
                s.setTimeCompleted(now.toString());
            }
            if (sub == BrCommand.LOG_TRUNCATE) {
                s.setLogTruncatingUntil(b.getSpec().getLogTruncateUntil());
            }
            s.setPhase(phase);
            BackupCondition c = new BackupCondition(phase, "True", reason, message, now.toString());
            c.setCommand(sub.subcommand());
            c.setObservedGeneration(generation);
            s.setConditions(List.of(c));
            all.put(sub.subcommand(), s);
            // updateLogSubcommandStatus (backup_status_updater.go): any change of a pause makes an earlier resume
            // Repeatable, and the other way round, so the next pause or resume runs again
            BrCommand other = sub == BrCommand.LOG_PAUSE ? BrCommand.LOG_RESUME : sub == BrCommand.LOG_RESUME ? BrCommand.LOG_PAUSE : null;
            if (other != null && all.containsKey(other.subcommand())) {
                LogSubCommandStatus o = Json.JSON.treeToValue(Json.JSON.valueToTree(all.get(other.subcommand())), LogSubCommandStatus.class);
                o.setPhase("Repeatable");
                all.put(other.subcommand(), o);
            }
            status.setLogSubCommandStatuses(all);
        }

        void completed() {
            status.setTimeCompleted(now.toString());
            if (status.getTimeStarted() != null) {
                long secs = Duration.between(Instant.parse(status.getTimeStarted()), now).getSeconds();
                status.setTimeTaken(Duration.ofSeconds(Math.max(0, secs)).toString().substring(2).toLowerCase());
            }
        }
    }

    static long conditionGeneration(LogSubCommandStatus sc) {
        if (sc.getConditions() == null || sc.getConditions().isEmpty() || sc.getConditions().get(0).getObservedGeneration() == null) {
            return -1;
        }
        return sc.getConditions().get(0).getObservedGeneration();
    }

    static BackupStatus copy(BackupStatus s) {
        return Json.JSON.treeToValue(Json.JSON.valueToTree(s), BackupStatus.class);
    }

    /**
     * backupSizeReadable as TiDB Operator v2 writes it: {@code humanize.Bytes} of github.com/dustin/go-humanize
     * v1.0.1 (bytes.go {@code humanateBytes}, base 1000: "803 B", "1.0 kB", "83 MB"), the value rounded to one
     * decimal first, then printed as Go's %.0f or %.1f print it (exact binary value, ties to even).
     */
    static String readable(long bytes) {
        if (bytes >= 0 && bytes < 10) {
            return bytes + " B";
        }
        String[] units = {"B", "kB", "MB", "GB", "TB", "PB", "EB"};
        double s = bytes < 0 ? bytes + 0x1p64 : bytes; // Go's uint64
        int e = (int) Math.floor(Math.log(s) / Math.log(1000));
        double val = Math.floor(s / Math.pow(1000, e) * 10 + 0.5) / 10;
        return new java.math.BigDecimal(val).setScale(val < 10 ? 1 : 0, java.math.RoundingMode.HALF_EVEN).toPlainString()
                + " " + units[e];
    }
}
