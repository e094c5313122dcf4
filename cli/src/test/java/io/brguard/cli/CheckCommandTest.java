package io.brguard.cli;

import io.brguard.policy.Json;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

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
        CommandLine cli = Main.commandLine();
        StringWriter out = new StringWriter();
        StringWriter err = new StringWriter();
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(err));
        List<String> all = new ArrayList<>(List.of("check", "--color", "never"));
        all.addAll(List.of(args));
        int code = cli.execute(all.toArray(String[]::new));
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
        assertTrue(r.out().contains("unknown git ref origin/nope"), r.out());
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
        assertEquals(0, results.get(0).path("notChecked").size());
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
    void namesAPathThatDoesNotExist() {
        Run r = check("no/such/dir");
        assertEquals(2, r.code());
        assertTrue(r.out().contains("no/such/dir#0 (line 1): no such file or folder"), r.out());
    }

    @Test
    void exitsTwoOnUsageErrors() {
        assertEquals(2, check().code());
        assertEquals(2, check("--bogus", "x").code());
        Run r = check("-o", "xml", ex("examples/seed/log/01-start.yaml"));
        assertEquals(2, r.code());
        assertTrue(r.err().contains("--output must be table, json or junit"), r.err());
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

    private static void git(Path dir, String... args) throws Exception {
        List<String> cmd = new ArrayList<>(List.of("git", "-C", dir.toString()));
        cmd.addAll(List.of(args));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        assertEquals(0, p.exitValue(), String.join(" ", cmd) + ": " + out);
    }
}
