package io.brguard.cli;

import io.brguard.policy.Json;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.w3c.dom.Document;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class CheckCommandTest {

    record Run(int code, String out, String err) {
        JsonNode json() {
            return Json.JSON.readTree(out);
        }
    }

    static Run check(String... args) {
        return run(Main.commandLine(), args);
    }

    /** A check whose standard input holds this text. */
    static Run checkWithStdin(String stdin, String... args) {
        CommandLine cli = Main.commandLine();
        ((io.brguard.cli.check.CheckCommand) cli.getSubcommands().get("check").getCommand())
                .readStdinFrom(new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)));
        return run(cli, args);
    }

    private static Run run(CommandLine cli, String... args) {
        List<String> all = new ArrayList<>(List.of("check", "--color", "never"));
        all.addAll(List.of(args));
        return execute(cli, all);
    }

    /** Runs a brguard command line, capturing what it writes. */
    static Run execute(CommandLine cli, List<String> args) {
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        int code = cli.execute(args.toArray(String[]::new));
        return new Run(code, out.toString(), err.toString());
    }

    static String ex(String rel) {
        return Fixtures.path(rel).toString();
    }

    // ---------------------------------------------------------------- the README's main job

    @Test
    void deniesTheShippedRevertFromLogStopToLogStart() {
        Run r = check("--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"), ex("examples/gitops"));
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("DENIED test1/demo1-log-backup-azblob  UPDATE"), r.out());
        assertTrue(r.out().contains("log-backup-azblob.yaml#0"), r.out());
        assertTrue(r.out().contains("transition.stopped-is-terminal spec.logSubcommand:"), r.out());
        assertTrue(r.out().contains("phase Stopped (assumed from logSubcommand log-stop"), r.out());
        assertTrue(r.out().contains("ok     test1/demo1-full-backup-2026-11  CREATE"), r.out());
        assertTrue(r.out().contains("3 Backup(s) checked: 1 denied"), r.out());
        // The README shows this run's deny line as it is printed.
        String deny = r.out().lines().filter(l -> l.contains("deny  line ")).findFirst().orElseThrow();
        assertTrue(Fixtures.read("README.md").contains(deny), "README.md shows: " + deny);
    }

    // ---------------------------------------------------------------- --live: what the API server serves

    /** The storage of PingCAP's v2 guides for Azure, S3 and GCS (docs-tidb-operator release-2.0). */
    private static String storage(String provider, String prefix) {
        return switch (provider) {
            case "azblob" -> "  azblob: {secretName: azblob-secret, container: my-container, prefix: " + prefix + "}\n";
            case "s3" -> "  s3: {provider: aws, secretName: s3-secret, region: us-west-1, bucket: my-bucket, prefix: " + prefix + "}\n";
            default -> "  gcs: {projectId: my-project, secretName: gcs-secret, bucket: my-bucket, prefix: " + prefix + "}\n";
        };
    }

    /**
     * The object a v2 API server serves for a file: the CRD's defaults added (manifests/crd/br.pingcap.com_backups.yaml:
     * backupMode, cleanPolicy, volumeBackupInitJobMaxActiveSeconds), server metadata, and a status.
     */
    private static String served(String yaml, String status) {
        ObjectNode o = Fixtures.yaml(yaml);
        ObjectNode spec = (ObjectNode) o.path("spec");
        if (!spec.has("backupMode")) {
            spec.put("backupMode", "snapshot");
        }
        spec.put("cleanPolicy", spec.path("cleanPolicy").asString("Retain"));
        spec.put("volumeBackupInitJobMaxActiveSeconds", 600);
        ((ObjectNode) o.path("metadata")).put("uid", "8a6c1f2e-0000-4000-8000-000000000001").put("resourceVersion", "4711")
                .put("generation", 2).put("creationTimestamp", "2026-11-30T10:00:00Z");
        o.set("status", Fixtures.yaml(status));
        return Json.JSON.writeValueAsString(o);
    }

    /**
     * The steps of PingCAP's v2 guides that `check --live` denied because of a CRD default the file does not
     * write (volumeBackupInitJobMaxActiveSeconds: 600): a completed snapshot re-applied, a stopped log backup
     * re-applied, the truncate after the stop; for Azure, S3 and GCS. Each is allowed, as the webhook allows it.
     */
    @ParameterizedTest
    @ValueSource(strings = {"azblob", "s3", "gcs"})
    void acceptsTheGuidesStepsAgainstTheObjectsTheApiServerServes(String provider, @TempDir Path tmp) throws IOException {
        String snapshot = "apiVersion: br.pingcap.com/v1alpha1\nkind: Backup\nmetadata: {name: demo1-full-backup, namespace: test1}\n"
                + "spec:\n  backupType: full\n  br: {cluster: demo1}\n" + storage(provider, "my-full-backup-folder");
        String log = "apiVersion: br.pingcap.com/v1alpha1\nkind: Backup\nmetadata: {name: demo1-log-backup, namespace: test1}\n"
                + "spec:\n  backupMode: log\n  logSubcommand: log-stop\n  br: {cluster: demo1, sendCredToTikv: true}\n"
                + storage(provider, "my-log-backup-folder");
        String truncate = log + "  logTruncateUntil: \"2022-10-10T15:21:00+08:00\"\n";
        Files.writeString(tmp.resolve("live.yaml"), "apiVersion: v1\nkind: List\nitems:\n- " + served(snapshot,
                "{phase: Complete, commitTs: '436979621972148225', backupPath: 'x'}") + "\n- " + served(log,
                "{phase: Stopped, commitTs: '436568622965194754', logCheckpointTs: '436569119308644661'}") + "\n");
        Files.createDirectories(tmp.resolve("reapplied"));
        Files.writeString(tmp.resolve("reapplied/snapshot.yaml"), snapshot);
        Files.writeString(tmp.resolve("reapplied/log.yaml"), log);
        Run reapplied = check("--live", tmp.resolve("live.yaml").toString(), tmp.resolve("reapplied").toString());
        assertEquals(0, reapplied.code(), reapplied.out());
        assertFalse(reapplied.out().contains("volumeBackupInitJobMaxActiveSeconds"), reapplied.out());
        Files.createDirectories(tmp.resolve("truncated"));
        Files.writeString(tmp.resolve("truncated/log.yaml"), truncate);
        Run truncated = check("--live", tmp.resolve("live.yaml").toString(), tmp.resolve("truncated").toString());
        assertEquals(0, truncated.code(), truncated.out());
        assertTrue(truncated.out().contains("ok     test1/demo1-log-backup  UPDATE"), truncated.out());
    }

    // ---------------------------------------------------------------- BackupSchedules

    /** The schedule examples (the v1 guide's, written for v2) are judged, with their warnings; never exit 2. */
    @Test
    void judgesTheShippedScheduleExamples() {
        Run r = check("--objects", ex("examples/cluster"), ex("examples/schedules"));
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("ok     BackupSchedule test1/integrated-backup-schedule-azblob  CREATE"), r.out());
        assertTrue(r.out().contains("warn.schedule-frequent spec.schedule"), r.out());
        assertTrue(r.out().contains("warn.aad-tikv spec.backupTemplate.azblob.secretName"), r.out());
        assertTrue(r.out().contains("3 BackupSchedule(s) checked: 0 denied"), r.out());
    }

    /**
     * An edit of the log template of a schedule whose old version had one is denied: the log backup it made exists
     * (assumed from the old spec, and said so), and the schedule never changes it.
     */
    @Test
    void deniesAnEditOfTheLogTemplateAgainstTheAppliedVersion(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        String applied = Fixtures.read("examples/schedules/integrated-backup-schedule-azblob.yaml");
        java.nio.file.Files.createDirectories(dir.resolve("old"));
        java.nio.file.Files.createDirectories(dir.resolve("new"));
        java.nio.file.Files.writeString(dir.resolve("old/s.yaml"), applied);
        java.nio.file.Files.writeString(dir.resolve("new/s.yaml"), applied.replace("prefix: schedule-backup-folder-log", "prefix: another-log-folder"));
        Run r = check("--old", dir.resolve("old").toString(), "--objects", ex("examples/cluster"), dir.resolve("new").toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("DENIED BackupSchedule test1/integrated-backup-schedule-azblob  UPDATE"), r.out());
        assertTrue(r.out().contains("schedule.log-template-in-use spec.logBackupTemplate:"), r.out());
        assertTrue(r.out().contains("status assumed from its logBackupTemplate: the log backup log-integrated-backup-schedule-azblob was started"), r.out());
    }

    /** TiDB Operator v1's BackupSchedule (pingcap.com) is an input problem that says what brguard checks. */
    @Test
    void reportsAV1BackupScheduleAsAnInputProblem(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir) throws Exception {
        java.nio.file.Files.writeString(dir.resolve("v1.yaml"), Fixtures.read("examples/schedules/backup-schedule-azblob.yaml")
                .replace("apiVersion: br.pingcap.com/v1alpha1", "apiVersion: pingcap.com/v1alpha1"));
        Run r = check(dir.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("is TiDB Operator v1's BackupSchedule; brguard checks apiVersion br.pingcap.com/v1alpha1, kind BackupSchedule"), r.out());
    }

    @Test
    void acceptsTheSeedsSnapshotAndFilterExamplesAsCreates() {
        List<String> creates = new ArrayList<>(Fixtures.yamlFiles("examples/seed/filters"));
        creates.add("examples/seed/snapshot/full-backup-azblob.yaml");
        creates.add("examples/seed/log/01-start.yaml");
        for (String f : creates) {
            Run r = check("--objects", ex("examples/cluster"), ex(f));
            assertEquals(0, r.code(), f + "\n" + r.out());
        }
    }

    @Test
    void acceptsEveryStepOfTheSeedsLogBackupWalkthrough() {
        List<String> steps = Fixtures.yamlFiles("examples/seed/log");
        for (int i = 1; i < steps.size(); i++) {
            Run r = check("--old", ex(steps.get(i - 1)), "--objects", ex("examples/cluster"), ex(steps.get(i)));
            assertEquals(0, r.code(), steps.get(i - 1) + " -> " + steps.get(i) + "\n" + r.out());
            assertTrue(r.out().contains("UPDATE"), r.out());
        }
    }

    @Test
    void deniesCreatingALogBackupInThePausedOrStoppedState() {
        for (String f : List.of("examples/seed/log/02-pause.yaml", "examples/seed/log/04-stop.yaml")) {
            Run r = check("--objects", ex("examples/cluster"), ex(f));
            assertEquals(1, r.code(), r.out());
            assertTrue(r.out().contains("transition.create-needs-start spec.logSubcommand"), r.out());
        }
    }

    // ---------------------------------------------------------------- history

    @Test
    void reportsARevertFoundThroughGitHistory(@TempDir Path repo) throws Exception {
        Path dir = Files.createDirectories(repo.resolve("backups/test1"));
        Files.copy(Fixtures.path("examples/seed/log/04-stop.yaml"), dir.resolve("log.yaml"));
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "stop");
        Files.copy(Fixtures.path("examples/seed/log/03-resume.yaml"), dir.resolve("log.yaml"),
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Run r = check("--base", "main", "-o", "json", repo.resolve("backups").toString());
        assertEquals(1, r.code(), r.out() + r.err());
        JsonNode res = r.json().path("results").get(0);
        assertEquals("UPDATE", res.path("operation").asString());
        assertEquals("main:backups/test1/log.yaml#0 (line 1)", res.path("old").path("source").asString());
        assertEquals("Stopped", res.path("old").path("phase").asString());
        assertEquals("transition.stopped-is-terminal", res.path("violations").get(0).path("rule").asString());

        Run unchanged = check("--base", "main", repo.resolve("backups/test1/log.yaml").toString(),
                "--old", "x");
        assertEquals(2, unchanged.code(), "--base with --old is a usage error");
    }

    @Test
    void treatsABackupAddedSinceTheRefAsACreate(@TempDir Path repo) throws Exception {
        Files.writeString(repo.resolve("README"), "x");
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "init");
        Path dir = Files.createDirectories(repo.resolve("new"));
        Files.copy(Fixtures.path("examples/seed/log/01-start.yaml"), dir.resolve("log.yaml"));
        Run r = check("--base", "main", "-o", "json", dir.toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertEquals("CREATE", r.json().path("results").get(0).path("operation").asString());
    }

    @Test
    void namesAnUnknownGitRefAsAnInputError(@TempDir Path repo) throws Exception {
        Files.copy(Fixtures.path("examples/seed/log/01-start.yaml"), repo.resolve("log.yaml"));
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "init");
        Run r = check("--base", "origin/nope", repo.resolve("log.yaml").toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("brguard check: --base origin/nope: unknown git ref origin/nope"), r.err());
        assertEquals("", r.out(), "no verdict before the input error: every Backup would have been a CREATE");

        JsonNode json = check("-o", "json", "--base", "origin/nope", repo.resolve("log.yaml").toString()).json();
        assertEquals(0, json.path("results").size(), json.toString());
        assertTrue(json.path("problems").get(0).path("message").asString().contains("unknown git ref origin/nope"), json.toString());
        assertEquals(2, json.path("exitCode").asInt());
    }

    @Test
    void stopsBeforeAnyVerdictOutsideAGitRepositoryWithBase(@TempDir Path tmp) throws IOException {
        Files.copy(Fixtures.path("examples/seed/log/01-start.yaml"), tmp.resolve("log.yaml"));
        Run r = check("--base", "main", tmp.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("--base needs a git repository"), r.err());
        assertEquals("", r.out());
    }

    /** A broken --objects file would read as missing Secrets (the objects are taken as complete): no verdict then. */
    @Test
    void stopsBeforeAnyVerdictOnABrokenObjectsFile(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("secrets.yaml"), "apiVersion: v1\nkind: Secret\nmetadata: {name: azblob-secret, namespace: test1\n");
        Run r = check("--objects", tmp.toString(), ex("examples/seed/log/01-start.yaml"));
        assertEquals(2, r.code(), r.out());
        assertTrue(r.err().contains("brguard check: --objects " + tmp.resolve("secrets.yaml") + "#0 (line "), r.err());
        assertTrue(r.err().contains("not valid YAML"), r.err());
        assertFalse(r.out().contains("secret.missing") || r.out().contains("DENIED"), r.out());
    }

    @Test
    void decidesFromRealPhasesInALiveSnapshot(@TempDir Path tmp) throws IOException {
        Path live = tmp.resolve("live.yaml");
        String stop = Fixtures.read("examples/seed/log/04-stop.yaml");
        Files.writeString(live, """
                apiVersion: v1
                kind: List
                items:
                - apiVersion: br.pingcap.com/v1alpha1
                  kind: Backup
                  metadata: {name: demo1-log-backup-azblob, namespace: test1}
                  spec: {backupMode: log, logSubcommand: log-pause, br: {cluster: demo1}, azblob: {secretName: azblob-secret, container: my-container, prefix: my-log-backup-folder}}
                  status: {phase: Paused, commitTs: "436568622965194754"}
                """);
        Run resume = check("--live", live.toString(), "--objects", ex("examples/cluster"), ex("examples/seed/log/03-resume.yaml"));
        assertEquals(0, resume.code(), resume.out());
        assertTrue(resume.out().contains("phase Paused"), resume.out());
        assertFalse(resume.out().contains("assumed"), resume.out());

        Files.writeString(live, stop.replace("spec:", "status: {phase: Stopped, commitTs: \"1\"}\nspec:"));
        Run revert = check("--live", live.toString(), "--objects", ex("examples/cluster"), ex("examples/seed/log/03-resume.yaml"));
        assertEquals(1, revert.code(), revert.out());
    }

    // ---------------------------------------------------------------- Restores

    /** What the cluster holds for the v2 guide's PITR, as `kubectl get backups,restores -A -o yaml` prints it. */
    private static final String LIVE_PITR = """
            apiVersion: v1
            kind: List
            items:
            - apiVersion: br.pingcap.com/v1alpha1
              kind: Backup
              metadata: {name: demo1-log-pitr, namespace: test1}
              spec: {backupMode: log, logSubcommand: log-start, br: {cluster: demo1}, azblob: {secretName: azblob-secret, container: my-container, prefix: my-log-backup-folder-pitr}}
              status: {phase: Running, commitTs: "436564131840000000", logCheckpointTs: "436575456460800000"}
            - apiVersion: br.pingcap.com/v1alpha1
              kind: Backup
              metadata: {name: demo1-full-pitr, namespace: test1}
              spec: {backupType: full, br: {cluster: demo1}, azblob: {secretName: azblob-secret, container: my-container, prefix: my-full-backup-folder-pitr}}
              status: {phase: Complete, commitTs: "436569794150400000"}
            - apiVersion: br.pingcap.com/v1alpha1
              kind: Restore
              metadata: {name: demo3-restore-earlier, namespace: test3}
              spec: {br: {cluster: demo3}, azblob: {secretName: azblob-secret, container: my-container, prefix: my-full-backup-folder-pitr}}
              status: {phase: Complete}
            """;

    /**
     * The v2 guide's PITR Restore against a live snapshot: its time lies between the snapshot (06:00Z) and the log's
     * checkpoint (12:00Z), so it passes, with a word about the Restore that already restored into demo3; an hour
     * past the checkpoint it is denied with the window named.
     */
    @Test
    void judgesAPitrRestoreAgainstTheLiveBackupsWindow(@TempDir Path tmp) throws IOException {
        Path live = tmp.resolve("live.yaml");
        Files.writeString(live, LIVE_PITR);
        Run ok = check("--live", live.toString(), ex("examples/restores/restore-point-azblob.yaml"));
        assertEquals(0, ok.code(), ok.out());
        assertTrue(ok.out().contains("ok     Restore test3/demo3-restore-azblob  CREATE"), ok.out());
        assertTrue(ok.out().contains("warn.restore-cluster-busy spec.br.cluster: already restored by demo3-restore-earlier"), ok.out());
        assertFalse(ok.out().contains("restore.pitr-window"), ok.out());

        Path late = tmp.resolve("late.yaml");
        Files.writeString(late, Fixtures.read("examples/restores/restore-point-azblob.yaml")
                .replace("2022-10-10T17:21:00+08:00", "2022-10-10T21:00:00+08:00"));
        Run denied = check("--live", live.toString(), late.toString());
        assertEquals(1, denied.code(), denied.out());
        assertTrue(denied.out().contains("DENIED Restore test3/demo3-restore-azblob  CREATE"), denied.out());
        assertTrue(denied.out().contains("restore.pitr-window spec.pitrRestoredTs: outside what can be restored now: "
                + "2022-10-10T06:00:00Z (full backup test1/demo1-full-pitr) to 2022-10-10T12:00:00Z (checkpoint of "
                + "test1/demo1-log-pitr) (2022-10-10T21:00:00+08:00)"), denied.out());
        assertTrue(denied.out().contains("1 Restore(s) checked: 1 denied"), denied.out());
    }

    /**
     * Without --live the Backups are only what the files declare, with no status: the sources and the window are
     * "not checked", never passed, and the output says how to check them.
     */
    @Test
    void reportsARestoresSourcesAndWindowAsNotCheckedWithoutALiveSnapshot(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("log.yaml"), Fixtures.read("examples/seed/log/01-start.yaml")
                .replace("my-log-backup-folder", "my-log-backup-folder-pitr"));
        Files.writeString(tmp.resolve("full.yaml"), Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml")
                .replace("my-full-backup-folder", "my-full-backup-folder-pitr"));
        Files.copy(Fixtures.path("examples/restores/restore-point-azblob.yaml"), tmp.resolve("restore.yaml"));
        Run r = check("-o", "json", tmp.toString());
        assertEquals(0, r.code(), r.out());
        JsonNode restore = r.json().path("results").get(2);
        assertEquals("Restore", restore.path("kind").asString(""), restore.toString());
        List<String> unchecked = new ArrayList<>();
        restore.path("notChecked").forEach(u -> unchecked.add(u.path("rule").asString() + " " + u.path("path").asString()));
        assertTrue(unchecked.contains("restore.pitr-window spec.pitrRestoredTs"), restore.toString());
        assertTrue(unchecked.contains("restore.source-not-complete spec.pitrFullBackupStorageProvider.azblob.prefix"), restore.toString());
        assertTrue(restore.toString().contains("pass --live"), restore.toString());
        assertEquals(0, restore.path("violations").size(), restore.toString());
    }

    /** A Restore runs once: an applied one is taken to have run, and an edit of it is refused. */
    @Test
    void deniesAnEditOfAnAppliedRestore(@TempDir Path tmp) throws IOException {
        Path applied = Files.createDirectories(tmp.resolve("applied"));
        Path now = Files.createDirectories(tmp.resolve("now"));
        Files.copy(Fixtures.path("examples/restores/restore-full-azblob.yaml"), applied.resolve("restore.yaml"));
        Files.writeString(now.resolve("restore.yaml"), Fixtures.read("examples/restores/restore-full-azblob.yaml")
                .replace("prefix: my-full-backup-folder", "prefix: my-other-folder"));
        Run r = check("--old", applied.toString(), now.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("DENIED Restore test2/demo2-restore-azblob  UPDATE"), r.out());
        assertTrue(r.out().contains("phase Complete (assumed from an applied Restore, which runs once; pass --live for the real phase)"), r.out());
        assertTrue(r.out().contains("restore.started spec.azblob.prefix: a Restore runs once"), r.out());
    }

    // ---------------------------------------------------------------- cross-object rules among files

    @Test
    void deniesTheSecondOfTwoNewLogBackupsForOneClusterNamingTheFirst(@TempDir Path tmp) throws IOException {
        String start = Fixtures.read("examples/seed/log/01-start.yaml");
        Files.writeString(tmp.resolve("a.yaml"), start);
        Files.writeString(tmp.resolve("b.yaml"), start.replace("name: demo1-log-backup-azblob", "name: demo1-log-2")
                .replace("prefix: my-log-backup-folder", "prefix: log-2"));
        Run r = check("-o", "json", "--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(1, r.code(), r.out());
        JsonNode results = r.json().path("results");
        // One finding per conflicting pair, on the later file: the webhook would admit the first and refuse the second.
        assertEquals(0, results.get(0).path("violations").size(), r.out());
        JsonNode v = results.get(1).path("violations").get(0);
        assertEquals("cross.one-log-per-cluster", v.path("rule").asString(), r.out());
        assertTrue(v.path("message").asString().contains("test1/demo1-log-backup-azblob"), r.out());
    }

    @Test
    void deniesAnExistingAndANewLogBackupForOneClusterOnTheNewOne(@TempDir Path tmp) throws IOException {
        String start = Fixtures.read("examples/seed/log/01-start.yaml");
        Path gitops = Files.createDirectories(tmp.resolve("gitops"));
        Path applied = Files.createDirectories(tmp.resolve("applied"));
        // the new one comes first in file order; the existing one still counts against it
        Files.writeString(gitops.resolve("a-new.yaml"), start.replace("name: demo1-log-backup-azblob", "name: demo1-log-2")
                .replace("prefix: my-log-backup-folder", "prefix: log-2"));
        Files.writeString(gitops.resolve("b-existing.yaml"), start);
        Files.writeString(applied.resolve("b-existing.yaml"), start);
        Run r = check("-o", "json", "--old", applied.toString(), "--objects", ex("examples/cluster"), gitops.toString());
        assertEquals(1, r.code(), r.out());
        JsonNode results = r.json().path("results");
        assertEquals("cross.one-log-per-cluster", results.get(0).path("violations").get(0).path("rule").asString(), r.out());
        assertEquals(0, results.get(1).path("violations").size(), r.out());
    }

    @Test
    void deniesNestedPrefixesAmongTheFiles(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("all.yaml"), Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml")
                + "---\n" + Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml")
                .replace("name: demo1-full-backup-azblob", "name: nested")
                .replace("prefix: my-full-backup-folder", "prefix: my-full-backup-folder/inner"));
        Run r = check("-o", "json", "--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(1, r.code(), r.out());
        JsonNode second = r.json().path("results").get(1);
        assertEquals(1, second.path("document").asInt());
        assertEquals("cross.prefix-overlap", second.path("violations").get(0).path("rule").asString());
        assertEquals("spec.azblob.prefix", second.path("violations").get(0).path("path").asString());
    }

    // ---------------------------------------------------------------- secrets

    @Test
    void reportsSecretsAsNotCheckedWithoutObjects() {
        Run r = check("-o", "json", ex("examples/seed/log/01-start.yaml"));
        assertEquals(0, r.code(), r.out());
        JsonNode nc = r.json().path("results").get(0).path("notChecked").get(0);
        assertEquals("secret.missing", nc.path("rule").asString());
        assertTrue(nc.path("reason").asString().contains("--objects"));
    }

    @Test
    void deniesASecretMissingFromTheKnownObjects(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("b.yaml"), Fixtures.read("examples/seed/log/01-start.yaml")
                .replace("secretName: azblob-secret", "secretName: typo-secret"));
        Run r = check("--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("secret.missing spec.azblob.secretName: Secret not found in namespace test1 (typo-secret)"), r.out());
    }

    @Test
    void readsKeyNamesFromSealedAndExternalSecretsInTheCheckedTree(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("secrets.yaml"), """
                apiVersion: bitnami.com/v1alpha1
                kind: SealedSecret
                metadata: {name: azblob-secret, namespace: test1}
                spec:
                  encryptedData: {AZURE_STORAGE_ACCOUNT: AgB..., AZURE_STORAGE_KEY: AgC...}
                ---
                apiVersion: external-secrets.io/v1
                kind: ExternalSecret
                metadata: {name: ad-from-vault, namespace: test1}
                spec:
                  target: {name: azblob-secret-ad}
                  data:
                  - {secretKey: AZURE_STORAGE_ACCOUNT, remoteRef: {key: a}}
                  - {secretKey: AZURE_CLIENT_ID, remoteRef: {key: b}}
                """);
        Files.writeString(tmp.resolve("b.yaml"), Fixtures.read("examples/seed/log/01-start.yaml")
                + "---\n" + Fixtures.read("examples/seed/filters/all-clusters.yaml"));
        Run r = check("-o", "json", tmp.toString());
        assertEquals(1, r.code(), r.out());
        JsonNode results = r.json().path("results");
        assertEquals(0, results.get(0).path("violations").size(), "the SealedSecret has both keys");
        List<String> notChecked = new ArrayList<>();
        results.get(0).path("notChecked").forEach(n -> notChecked.add(n.path("rule").asString()));
        assertEquals(List.of("cross.cluster-missing"), notChecked, "the Secret is checked; no Cluster is known");
        assertEquals("secret.keys", results.get(1).path("violations").get(0).path("rule").asString(),
                "the ExternalSecret yields only two of the AAD keys");
    }

    // ---------------------------------------------------------------- kustomize trees

    @Test
    void readsAKustomizationThroughItsResourcesAndNotItsPatches(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("kustomization.yaml"), """
                namespace: test1
                resources: [log.yaml]
                patches:
                - path: pause.yaml
                """);
        Files.writeString(tmp.resolve("log.yaml"), Fixtures.read("examples/seed/log/01-start.yaml")
                .replace("  namespace: test1\n", ""));
        Files.writeString(tmp.resolve("pause.yaml"), """
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: demo1-log-backup-azblob}
                spec: {logSubcommand: log-pause}
                """);
        Run r = check("-o", "json", "--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(0, r.code(), r.out());
        assertEquals(1, r.json().path("results").size());
        assertEquals("test1", r.json().path("results").get(0).path("namespace").asString(),
                "the kustomization's namespace applies");
    }

    @Test
    void reportsBackupsRemovedFromGitAsAllowedDeletes(@TempDir Path tmp) throws IOException {
        Path now = Files.createDirectories(tmp.resolve("now"));
        Path old = Files.createDirectories(tmp.resolve("old"));
        Files.copy(Fixtures.path("examples/seed/log/01-start.yaml"), old.resolve("log.yaml"));
        Files.copy(Fixtures.path("examples/seed/snapshot/full-backup-azblob.yaml"), now.resolve("full.yaml"));
        Run r = check("-o", "json", "--old", old.toString(), "--objects", ex("examples/cluster"), now.toString());
        assertEquals(0, r.code(), r.out());
        JsonNode del = r.json().path("results").get(1);
        assertEquals("DELETE", del.path("operation").asString());
        assertTrue(del.path("allowed").asBoolean());
    }

    // ---------------------------------------------------------------- input errors

    @Test
    void namesFileDocumentAndLineOfBrokenYamlAndExitsTwo(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("bad.yaml"), Fixtures.read("examples/seed/log/01-start.yaml")
                + "---\napiVersion: br.pingcap.com/v1alpha1\nkind: Backup\nspec:\n  br: {cluster: demo1\n");
        Run r = check(tmp.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains(tmp.resolve("bad.yaml") + "#1 (line "), r.out());
        assertTrue(r.out().contains("not valid YAML"), r.out());
        assertTrue(r.out().contains("ok     test1/demo1-log-backup-azblob"), "the good document is still checked");
    }

    @Test
    void reportsTheSameBackupDeclaredTwice(@TempDir Path tmp) throws IOException {
        Files.copy(Fixtures.path("examples/seed/log/01-start.yaml"), tmp.resolve("a.yaml"));
        Files.copy(Fixtures.path("examples/seed/log/02-pause.yaml"), tmp.resolve("b.yaml"));
        Run r = check(tmp.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("Backup test1/demo1-log-backup-azblob is declared twice; first at " + tmp.resolve("a.yaml")), r.out());
    }

    @Test
    void namesAPathThatDoesNotExistFirstAndStops() {
        Run r = check("no/such/dir");
        assertEquals(2, r.code());
        assertEquals("brguard check: no/such/dir: no such file or folder", r.err().strip());
        assertEquals("", r.out(), "nothing is checked");
    }

    /** A missing --objects folder used to turn into secret.missing denials, exit 1 instead of an input error. */
    @Test
    void aMissingObjectsFolderIsAnInputErrorNotADenial() {
        Run r = check("--objects", "examples/no-such-cluster", ex("examples/seed/log/01-start.yaml"));
        assertEquals(2, r.code(), r.out());
        assertEquals("brguard check: --objects examples/no-such-cluster: no such file or folder", r.err().strip());
        assertFalse(r.out().contains("secret.missing"), r.out());
        Run old = check("--old", "nowhere", "--live", "nothing.yaml", ex("examples/seed/log/01-start.yaml"));
        assertEquals(2, old.code());
        assertTrue(old.err().contains("--old nowhere: no such file or folder") && old.err().contains("--live nothing.yaml: no such"), old.err());
    }

    @Test
    void exitsTwoOnUsageErrors() {
        assertEquals(2, check().code());
        assertEquals(2, check("--bogus", "x").code());
        Run r = check("-o", "xml", ex("examples/seed/log/01-start.yaml"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--output must be table, json, junit or sarif, not xml"), r.err());
        CommandLine cli = Main.commandLine();
        StringWriter err = new StringWriter();
        cli.setErr(new PrintWriter(err));
        cli.setOut(new PrintWriter(new StringWriter()));
        assertEquals(2, cli.execute("check", "--color", "sometimes", ex("examples/seed/log/01-start.yaml")));
        assertTrue(err.toString().contains("--color must be auto, always or never, not sometimes"), err.toString());
    }

    // ---------------------------------------------------------------- the webhook's rollout configuration

    /** The same verdicts as the webhook with the same file: Warn allows and says what it would deny. */
    @Test
    void appliesThePolicyConfigurationAsTheWebhookDoes(@TempDir Path tmp) throws IOException {
        Path warn = tmp.resolve("policy.yaml");
        Files.writeString(warn, "apiVersion: brguard.io/v1alpha1\nkind: PolicyConfig\nenforcement:\n  families: {transition: Warn}\n");
        Run r = check("--config", warn.toString(), "--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"),
                ex("examples/gitops"));
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("would deny: the log backup is Stopped"), r.out());
        assertTrue(r.out().contains("not enforced (Warn): transition.stopped-is-terminal spec.logSubcommand:"), r.out());
        JsonNode json = check("-o", "json", "--config", warn.toString(), "--old", ex("examples/history/applied"), "--objects",
                ex("examples/cluster"), ex("examples/gitops")).json();
        JsonNode reverted = json.path("results").get(1);
        assertEquals("Warn", reverted.path("mode").asString());
        assertTrue(reverted.path("allowed").asBoolean());

        Path exempt = tmp.resolve("exempt.yaml");
        Files.writeString(exempt, "apiVersion: brguard.io/v1alpha1\nkind: PolicyConfig\nexemptions: {namespaces: [test1]}\n");
        assertEquals(0, check("--config", exempt.toString(), "--old", ex("examples/history/applied"), "--objects",
                ex("examples/cluster"), ex("examples/gitops")).code());

        Path bad = tmp.resolve("bad.yaml");
        Files.writeString(bad, "apiVersion: brguard.io/v1alpha1\nkind: PolicyConfig\nenforcement: {default: Maybe}\n");
        Run refused = check("--config", bad.toString(), ex("examples/seed/log/01-start.yaml"));
        assertEquals(2, refused.code());
        assertTrue(refused.err().contains("enforcement.default"), refused.err());
        assertEquals(2, check("--config", tmp.resolve("none.yaml").toString(), ex("examples/seed/log/01-start.yaml")).code());
    }

    // ---------------------------------------------------------------- --fail-on

    @Test
    void failsOnWarningsOrRulesNotCheckedWhenAskedTo() throws Exception {
        Run clean = check("--objects", ex("examples/cluster"), ex("examples/schedules"));
        assertEquals(0, clean.code(), "warnings alone pass by default: " + clean.out());

        Run warned = check("--fail-on", "warning", "--objects", ex("examples/cluster"), ex("examples/schedules"));
        assertEquals(1, warned.code(), warned.out());
        assertTrue(warned.out().contains("FAIL   BackupSchedule test1/demo1-backup-schedule-azblob  CREATE"), warned.out());
        assertTrue(warned.out().contains("ok     BackupSchedule test1/integrated-backup-schedule-azblob  CREATE"), warned.out());
        assertTrue(warned.out().contains("0 denied") && warned.out().contains("Exit 1 (--fail-on warning)."), warned.out());
        Document junit = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(
                check("-o", "junit", "--fail-on", "warning", "--objects", ex("examples/cluster"), ex("examples/schedules"))
                        .out().getBytes(StandardCharsets.UTF_8)));
        assertEquals("2", junit.getDocumentElement().getAttribute("failures"));

        // the seed's log backup has no warning; without --objects its Secret is not checked
        String start = ex("examples/seed/log/01-start.yaml");
        assertEquals(0, check("--fail-on", "warning", start).code());
        assertEquals(0, check(start).code());
        Run unchecked = check("-o", "json", "--fail-on", "unchecked", start);
        assertEquals(1, unchecked.code(), unchecked.out());
        assertEquals(1, unchecked.json().path("counts").path("total").path("failing").asInt());
        assertEquals(1, check("--fail-on", "warning,unchecked", start).code());
        assertEquals(1, check("--fail-on", "warning", "--fail-on", "unchecked", start).code());
        assertEquals(0, check("--fail-on", "unchecked", "--objects", ex("examples/cluster"), start).code(), "every rule checked");

        Run bad = check("--fail-on", "warnings,sometimes", start);
        assertEquals(2, bad.code());
        assertTrue(bad.err().contains("--fail-on takes warning or unchecked, not sometimes"), bad.err());
    }

    // ---------------------------------------------------------------- long runs: --summary, --progress

    @Test
    void printsOnlyWhatFailsAndTheCountsWithSummary() {
        String[] mainJob = {"--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"), ex("examples/gitops")};
        Run full = check(mainJob);
        Run r = check(concat(new String[] {"--summary"}, mainJob));
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("DENIED test1/demo1-log-backup-azblob  UPDATE"), r.out());
        String deny = full.out().lines().filter(l -> l.contains("deny  line ")).findFirst().orElseThrow();
        assertTrue(r.out().contains(deny), r.out());
        assertFalse(r.out().contains("ok     ") || r.out().contains("old: "), "only what fails: " + r.out());
        assertTrue(r.out().contains("Backup: 3 checked, 0 deleted, 1 denied, 0 warning(s), 0 not checked, 0 input problem(s)"), r.out());
        assertTrue(r.out().strip().endsWith(full.out().strip().lines().reduce((a, b) -> b).orElseThrow()), "the same summary line");

        JsonNode json = check(concat(new String[] {"--summary", "-o", "json"}, mainJob)).json();
        assertEquals("failing", json.path("resultsShown").asString());
        assertEquals(1, json.path("results").size(), json.toString());
        assertEquals(3, json.path("counts").path("total").path("checked").asInt());

        Run junit = check(concat(new String[] {"--summary", "-o", "junit"}, mainJob));
        assertEquals(2, junit.code());
        assertTrue(junit.err().contains("--summary shortens -o table and -o json"), junit.err());
    }

    /** The progress line goes to stderr only: stdout stays one JSON document. */
    @Test
    void writesProgressToStderrOnlyAndOnlyWhenAsked() {
        String[] mainJob = {"-o", "json", "--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"), ex("examples/gitops")};
        Run r = check(concat(new String[] {"--progress"}, mainJob));
        assertEquals(1, r.code());
        assertEquals(3, r.json().path("results").size(), "stdout is the JSON report alone");
        List<String> lines = r.err().lines().toList();
        assertEquals("brguard check: reading the inputs", lines.get(0), r.err());
        assertTrue(lines.contains("brguard check: deciding 3 object(s)"), r.err());
        assertTrue(lines.get(lines.size() - 1).startsWith("brguard check: decided 3 object(s) in "), r.err());
        assertTrue(lines.stream().anyMatch(l -> l.matches("brguard check: read \\d+ file\\(s\\) in [0-9.]+ s")), r.err());

        assertEquals("", check(mainJob).err(), "stderr is not a terminal here: no progress by default");
        assertEquals("", check(concat(new String[] {"--no-progress"}, mainJob)).err());
    }

    private static String[] concat(String[] a, String[] b) {
        List<String> all = new ArrayList<>(List.of(a));
        all.addAll(List.of(b));
        return all.toArray(String[]::new);
    }

    // ---------------------------------------------------------------- nothing to check

    @Test
    void aCheckThatFindsNoBackupFailsUnlessAllowed(@TempDir Path tmp) throws IOException {
        Path empty = Files.createDirectories(tmp.resolve("empty"));
        Run r = check(empty.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("no br.pingcap.com/v1alpha1 Backup, BackupSchedule or Restore found"), r.out());
        assertEquals(0, check("--allow-empty", empty.toString()).code());

        Path others = Files.createDirectories(tmp.resolve("others"));
        Files.writeString(others.resolve("cm.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x, namespace: test1}\n");
        Files.writeString(others.resolve("velero.yaml"), "apiVersion: velero.io/v1\nkind: Backup\nmetadata: {name: nightly, namespace: velero}\n");
        Run onlyOthers = check(others.toString());
        assertEquals(2, onlyOthers.code(), onlyOthers.out());
        assertTrue(onlyOthers.out().contains("no br.pingcap.com/v1alpha1 Backup, BackupSchedule or Restore found"), onlyOthers.out());
        assertFalse(onlyOthers.out().contains("velero.yaml"), "another group's Backup is not a near-miss");
    }

    @Test
    void nearMissesOfTheBackupKindAreInputProblems(@TempDir Path tmp) throws IOException {
        String good = Fixtures.read("examples/seed/log/01-start.yaml");
        String body = good.substring(good.indexOf("metadata:"));
        Files.writeString(tmp.resolve("lower.yaml"), "apiVersion: br.pingcap.com/v1alpha1\nkind: backup\n" + body.replace("demo1-log-backup-azblob", "a"));
        Files.writeString(tmp.resolve("version.yaml"), "apiVersion: br.pingcap.com/v1beta1\nkind: Backup\n" + body.replace("demo1-log-backup-azblob", "b"));
        Files.writeString(tmp.resolve("v1.yaml"), "apiVersion: pingcap.com/v1alpha1\nkind: Backup\n" + body.replace("demo1-log-backup-azblob", "c"));
        Files.writeString(tmp.resolve("noversion.yaml"), "kind: Backup\n" + body.replace("demo1-log-backup-azblob", "d"));
        Run r = check(tmp.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("lower.yaml#0 (line 1): apiVersion br.pingcap.com/v1alpha1, kind backup is not checked"), r.out());
        assertTrue(r.out().contains("version.yaml#0 (line 1): apiVersion br.pingcap.com/v1beta1, kind Backup is not checked"), r.out());
        assertTrue(r.out().contains("v1.yaml#0 (line 1): apiVersion pingcap.com/v1alpha1 is TiDB Operator v1's Backup"), r.out());
        assertTrue(r.out().contains("noversion.yaml#0 (line 1): kind Backup without an apiVersion is not checked"), r.out());
    }

    /**
     * A TiDB Operator v1 Backup beside v2 ones stays an input problem (exit 2), the v2 Backups are judged all the
     * same, and the problem says how to migrate it: the fields v2 has not (Dumpling's from and dumpling, EBS volume
     * snapshots) and the Cluster's namespace, which v2 reads from the Backup's own.
     */
    @Test
    void judgesTheV2BackupsBesideAV1OneAndSaysHowToMigrateIt(@TempDir Path tmp) throws IOException {
        Files.copy(Fixtures.path("examples/seed/snapshot/full-backup-azblob.yaml"), tmp.resolve("v2.yaml"));
        Files.writeString(tmp.resolve("v1.yaml"), """
                apiVersion: pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: demo1-dumpling, namespace: test1}
                spec:
                  from: {host: demo1-tidb.test2, port: 4000, user: root, secretName: backup-demo1-tidb-secret}
                  dumpling: {options: ["--threads=16"]}
                  tikvGCLifeTime: 72h
                  br: {cluster: demo1, clusterNamespace: test2}
                  azblob: {secretName: azblob-secret, container: my-container, prefix: dumpling}
                """);
        Run r = check("--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(2, r.code(), r.out());
        assertTrue(r.out().contains("ok     test1/demo1-full-backup-azblob  CREATE"), r.out());
        assertTrue(r.out().contains("v1.yaml#0 (line 1): apiVersion pingcap.com/v1alpha1 is TiDB Operator v1's Backup; brguard checks"
                + " apiVersion br.pingcap.com/v1alpha1, kind Backup (TiDB Operator v2); to migrate: set apiVersion:"
                + " br.pingcap.com/v1alpha1; remove spec.from (v2 runs BR only; the Dumpling backups that connected to TiDB"
                + " through it are gone); remove spec.dumpling (v2 runs BR only; Dumpling backups are gone); remove"
                + " spec.tikvGCLifeTime (v2 has no such field; BR keeps its own GC safe point); spec.br.clusterNamespace"
                + " test2: v2 reads the Cluster from the object's own namespace, so move it to test2"), r.out());
    }

    /** kubectl apply -f - reads standard input; so does check, e.g. behind kustomize build or helm template. */
    @Test
    void readsStandardInputForADash(@TempDir Path tmp) throws IOException {
        String stop = Fixtures.read("examples/seed/log/04-stop.yaml");
        Files.writeString(tmp.resolve("applied.yaml"), stop);
        String resume = Fixtures.read("examples/seed/log/03-resume.yaml");
        Run r = checkWithStdin(resume + "---\n" + Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml"),
                "--old", tmp.toString(), "--objects", ex("examples/cluster"), "-", "-");
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("DENIED test1/demo1-log-backup-azblob  UPDATE  (stdin)#0 (line 1)"), r.out());
        assertTrue(r.out().contains("ok     test1/demo1-full-backup-azblob  CREATE  (stdin)#1"), r.out());
        assertTrue(r.out().contains("2 Backup(s) checked"), "- given twice reads standard input once: " + r.out());

        Run broken = checkWithStdin("apiVersion: br.pingcap.com/v1alpha1\nkind: Backup\nspec: [\n", "-");
        assertEquals(2, broken.code(), broken.out());
        assertTrue(broken.out().contains("(stdin)#0 (line "), broken.out());

        Run withBase = checkWithStdin(resume, "--base", "main", "-");
        assertEquals(2, withBase.code());
        assertTrue(withBase.err().contains("standard input (-) has no path there"), withBase.err());
    }

    @Test
    void readsYamlFilesWhateverTheCaseOfTheirExtension(@TempDir Path tmp) throws IOException {
        Files.copy(Fixtures.path("examples/seed/log/01-start.yaml"), tmp.resolve("LOG-BACKUP.YAML"));
        Run r = check(tmp.toString());
        assertEquals(0, r.code(), r.out());
        assertTrue(r.out().contains("ok     test1/demo1-log-backup-azblob"), r.out());
    }

    // ---------------------------------------------------------------- where a finding is

    @Test
    void everyFindingNamesTheLineOfItsField(@TempDir Path tmp) throws IOException {
        String start = Fixtures.read("examples/seed/log/01-start.yaml");
        // The second document's azblob.container is broken: the finding names that line, not the document's first.
        String broken = start.replace("demo1-log-backup-azblob", "other-log").replace("cluster: demo1", "cluster: demo2")
                .replaceFirst("container: (\\S+)", "container: Bad_Container");
        String text = "# two Backups\n" + Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml") + "---\n" + broken;
        Path f = tmp.resolve("backups.yaml");
        Files.writeString(f, text);
        int expected = lineOf(text, "container: Bad_Container");
        Run r = check(f.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("deny  line " + expected + ": field.container spec.azblob.container:"), r.out());
        JsonNode json = check("-o", "json", f.toString()).json();
        JsonNode v = json.path("results").get(1).path("violations").get(0);
        assertEquals("field.container", v.path("rule").asString());
        assertEquals(expected, v.path("line").asInt());

        // The same in a --live List: the line of the field inside its item.
        String list = "apiVersion: v1\nkind: List\nitems:\n" + indent(Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml"))
                + indent(broken) + "metadata: {resourceVersion: \"\"}\n";
        Path live = tmp.resolve("live.yaml");
        Files.writeString(live, list);
        JsonNode fromLive = check("-o", "json", live.toString()).json();
        assertEquals(lineOf(list, "container: Bad_Container"), fromLive.path("results").get(1).path("violations").get(0).path("line").asInt(),
                fromLive.toString());
    }

    static int lineOf(String text, String needle) {
        String[] lines = text.split("\n", -1);
        for (int i = 0; i < lines.length; i++) {
            if (lines[i].contains(needle)) {
                return i + 1;
            }
        }
        throw new AssertionError(needle);
    }

    /** A document as a List item: "- " before its first line, two spaces before the rest; comments dropped. */
    private static String indent(String doc) {
        StringBuilder b = new StringBuilder();
        boolean first = true;
        for (String line : doc.split("\n")) {
            if (line.startsWith("#") || line.startsWith("---") || line.isBlank()) {
                continue;
            }
            b.append(first ? "- " : "  ").append(line).append('\n');
            first = false;
        }
        return b.toString();
    }

    // ---------------------------------------------------------------- formats

    @Test
    void writesWellFormedJunitWithAFailurePerDeniedBackup() throws Exception {
        Run r = check("-o", "junit", "--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"),
                ex("examples/gitops"));
        assertEquals(1, r.code());
        Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder()
                .parse(new ByteArrayInputStream(r.out().getBytes(StandardCharsets.UTF_8)));
        assertEquals("3", xml.getDocumentElement().getAttribute("tests"));
        assertEquals("1", xml.getDocumentElement().getAttribute("failures"));
        assertEquals("transition.stopped-is-terminal",
                ((org.w3c.dom.Element) xml.getElementsByTagName("failure").item(0)).getAttribute("type"));
    }

    @Test
    void writesJsonWithEveryFindingAndTheExitCode() {
        Run r = check("-o", "json", "--pitr-guard", "--objects", ex("examples/cluster"), ex("examples/seed/filters/all-clusters.yaml"));
        assertEquals(0, r.code());
        JsonNode root = r.json();
        assertEquals(0, root.path("exitCode").asInt());
        assertEquals("warn.aad-tikv", root.path("results").get(0).path("warnings").get(0).path("rule").asString());
        assertTrue(root.path("summary").asString().startsWith("1 Backup(s) checked"));
    }

    /** -o json counts per kind and in total, so that a script need not walk the results. */
    @Test
    void countsObjectsFindingsAndProblemsPerKindInJson(@TempDir Path tmp) throws IOException {
        JsonNode root = check("-o", "json", "--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"),
                ex("examples/gitops"), ex("examples/schedules")).json();
        JsonNode backup = root.path("counts").path("byKind").path("Backup");
        assertEquals(3, backup.path("checked").asInt(), root.path("counts").toString());
        assertEquals(1, backup.path("denied").asInt());
        assertEquals(1, backup.path("violations").asInt());
        assertEquals(3, root.path("counts").path("byKind").path("BackupSchedule").path("checked").asInt());
        // the counts are the results' own numbers
        int warnings = 0;
        int notChecked = 0;
        for (JsonNode res : root.path("results")) {
            warnings += res.path("warnings").size();
            notChecked += res.path("notChecked").size();
        }
        JsonNode total = root.path("counts").path("total");
        assertEquals(6, total.path("checked").asInt());
        assertEquals(warnings, total.path("warnings").asInt());
        assertTrue(warnings > 0, "the schedule examples warn");
        assertEquals(notChecked, total.path("notChecked").asInt());
        assertEquals(0, total.path("problems").asInt());

        Files.writeString(tmp.resolve("v1.yaml"), Fixtures.read("examples/schedules/backup-schedule-azblob.yaml")
                .replace("apiVersion: br.pingcap.com/v1alpha1", "apiVersion: pingcap.com/v1alpha1"));
        Files.writeString(tmp.resolve("bad.yaml"), "kind: [\n");
        Files.copy(Fixtures.path("examples/seed/log/01-start.yaml"), tmp.resolve("log.yaml"));
        JsonNode broken = check("-o", "json", tmp.toString()).json().path("counts");
        assertEquals(1, broken.path("byKind").path("BackupSchedule").path("problems").asInt(), broken.toString());
        assertEquals(0, broken.path("byKind").path("BackupSchedule").path("checked").asInt());
        assertEquals(2, broken.path("total").path("problems").asInt(), "the broken YAML has no kind");
        assertEquals(1, broken.path("byKind").path("Backup").path("checked").asInt());
    }

    /**
     * -o sarif is valid SARIF 2.1.0 (the OASIS schema with errata 01, oasis-tcs/sarif-spec
     * sarif-2.1/schema/sarif-schema-2.1.0.json, in src/test/resources),
     * names the rule with its docs/rules.md text, the file and the field's line, and marks input problems.
     */
    @Test
    void writesSarifThatValidatesAgainstTheSarifSchema(@TempDir Path tmp) throws IOException {
        Run r = check("-o", "sarif", "--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"), ex("examples/gitops"));
        assertEquals(1, r.code(), r.err());
        JsonNode log = r.json();
        assertEquals(List.of(), sarifProblems(log));
        tools.jackson.databind.node.ObjectNode wrong = (tools.jackson.databind.node.ObjectNode) log.deepCopy();
        ((tools.jackson.databind.node.ObjectNode) wrong.path("runs").get(0).path("results").get(0)).put("level", "fatal");
        assertFalse(sarifProblems(wrong).isEmpty(), "the schema check can fail");
        assertEquals("2.1.0", log.path("version").asString());
        JsonNode run = log.path("runs").get(0);
        JsonNode result = run.path("results").get(0);
        assertEquals("transition.stopped-is-terminal", result.path("ruleId").asString());
        assertEquals("error", result.path("level").asString());
        JsonNode rule = run.path("tool").path("driver").path("rules").get(result.path("ruleIndex").asInt());
        assertEquals("transition.stopped-is-terminal", rule.path("id").asString());
        assertTrue(rule.path("help").path("markdown").asString().contains("**Fix**: create a new Backup"), rule.toString());
        assertFalse(rule.path("help").path("text").asString().contains("**"), "plain help text");
        JsonNode where = result.path("locations").get(0).path("physicalLocation");
        String file = where.path("artifactLocation").path("uri").asString();
        assertTrue(file.endsWith("examples/gitops/test1/log-backup-azblob.yaml"), file);
        String text = Files.readString(Path.of(ex("examples/gitops/test1/log-backup-azblob.yaml")));
        assertEquals(lineOf(text, "logSubcommand:"), where.path("region").path("startLine").asInt());
        assertTrue(run.path("invocations").get(0).path("executionSuccessful").asBoolean());
        assertEquals(io.brguard.policy.RuleCatalog.entries().size(), run.path("tool").path("driver").path("rules").size());

        Files.writeString(tmp.resolve("bad.yaml"), "apiVersion: br.pingcap.com/v1alpha1\nkind: Backup\nspec: [\n");
        JsonNode broken = check("-o", "sarif", tmp.toString()).json();
        assertEquals(List.of(), sarifProblems(broken));
        JsonNode invocation = broken.path("runs").get(0).path("invocations").get(0);
        assertFalse(invocation.path("executionSuccessful").asBoolean());
        assertTrue(invocation.path("toolExecutionNotifications").get(0).path("message").path("text").asString().contains("not valid YAML"));
    }

    static List<String> sarifProblems(JsonNode log) {
        com.networknt.schema.Schema schema = com.networknt.schema.SchemaRegistry
                .withDefaultDialect(com.networknt.schema.SpecificationVersion.DRAFT_4)
                .getSchema(Json.JSON.readTree(Fixtures.read("cli/src/test/resources/sarif-schema-2.1.0.json")));
        return schema.validate(log).stream().map(Object::toString).toList();
    }

    static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }
}
