package io.brguard.cli;

import io.brguard.cli.CheckCommandTest.Run;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.w3c.dom.Document;
import tools.jackson.databind.JsonNode;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.brguard.cli.CheckCommandTest.lineOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code brguard test}: PolicyTest files with the verdicts a team expects, as kyverno test and gator verify run theirs. */
class TestCommandTest {

    static Run test(String... args) {
        List<String> all = new ArrayList<>(List.of("test"));
        all.addAll(List.of(args));
        return CheckCommandTest.execute(Main.commandLine(), all);
    }

    /** The shipped example holds: its five cases pass, from its folder or its file. */
    @Test
    void theShippedPolicyTestsPass() {
        Run r = test(Fixtures.path("examples/policy-tests").toString());
        assertEquals(0, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("PASS  reverting the stopped log backup is denied"), r.out());
        assertTrue(r.out().contains("5 case(s) in 1 file(s): 5 passed, 0 failed. Exit 0."), r.out());
        assertEquals(0, test(Fixtures.path("examples/policy-tests/brguard-test.yaml").toString()).code());
    }

    /** The example's expectations can fail: each one turned round fails with a sentence that says what was found. */
    @Test
    void failsAndSaysWhyWhenAnExpectationDoesNotHold(@TempDir Path tmp) throws IOException {
        // a changed copy beside copies of the files it names (its paths are relative)
        Path dir = Files.createDirectories(tmp.resolve("examples/policy-tests"));
        copyExamples(tmp);
        String relative = Fixtures.read("examples/policy-tests/brguard-test.yaml");
        Files.writeString(dir.resolve("brguard-test.yaml"), relative
                .replace("    allowed: false\n    denies: [transition.stopped-is-terminal]", "    allowed: true")
                .replace("    warns: [cross.prefix-overlap]", "    denies: [cross.prefix-overlap]")
                .replace("    absent: [transition.stopped-is-terminal]", "    absent: [secret.missing]\n    notChecked: [secret.missing]"));
        Run r = test(dir.toString());
        assertEquals(1, r.code(), r.out() + r.err());
        assertTrue(r.out().contains("FAIL  reverting the stopped log backup is denied"), r.out());
        assertTrue(r.out().contains("expected allowed, was denied: transition.stopped-is-terminal spec.logSubcommand:"), r.out());
        assertTrue(r.out().contains("expected cross.prefix-overlap as a denial; there was none"), r.out());
        assertTrue(r.out().contains("expected secret.missing as not checked; there was none"), r.out());
        assertTrue(r.out().contains("PASS  a new monthly snapshot"), r.out());
        assertTrue(r.out().contains("5 case(s) in 1 file(s): 2 passed, 3 failed. Exit 1."), r.out());

        JsonNode json = test("-o", "json", dir.toString()).json();
        assertEquals(3, json.path("failed").asInt());
        assertEquals("transition.stopped-is-terminal", json.path("cases").get(0).path("denied").get(0).asString());
        assertFalse(json.path("cases").get(0).path("passed").asBoolean());
        try {
            Document xml = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(new ByteArrayInputStream(
                    test("-o", "junit", dir.toString()).out().getBytes(StandardCharsets.UTF_8)));
            assertEquals("3", xml.getDocumentElement().getAttribute("failures"));
            assertEquals("5", xml.getDocumentElement().getAttribute("tests"));
        } catch (Exception e) {
            throw new AssertionError(e);
        }
    }

    /** A misspelt key or rule id would pass for ever; both are input errors, as are paths that cannot be read. */
    @Test
    void refusesUnknownKeysUnknownRulesAndBadPaths(@TempDir Path tmp) throws IOException {
        copyExamples(tmp);
        Path dir = tmp.resolve("examples/policy-tests");
        Files.createDirectories(dir);
        String good = Fixtures.read("examples/policy-tests/brguard-test.yaml");
        String misspelt = good.replace("    denies: [transition.stopped-is-terminal]", "    denys: [transition.stopped-is-terminal]")
                .replace("absent: [secret.missing,", "absent: [secret.mising,").replace("config: policy.yaml", "config: policy.yaml\nnamespace: Team_A");
        Files.writeString(dir.resolve("brguard-test.yaml"), misspelt);
        Run typo = test(dir.toString());
        assertEquals(2, typo.code(), typo.out());
        assertEquals("", typo.out());
        assertTrue(typo.err().contains("cases[0].expect.denys: unknown key"), typo.err());
        assertTrue(typo.err().contains("cases[1].expect.absent: unknown rule id secret.mising"), typo.err());
        assertTrue(typo.err().contains("namespace: a namespace name (a DNS-1123 label), not \"Team_A\""), typo.err());
        assertTrue(typo.err().contains(dir.resolve("brguard-test.yaml") + ":" + lineOf(misspelt, "denys: [transition")), typo.err());

        Files.writeString(dir.resolve("brguard-test.yaml"), good.replace("object: ../gitops/test1/full-backup-2026-11.yaml",
                "object: /etc/passwd").replace("object: ../seed/log/03-resume.yaml", "object: ../seed/log/99-missing.yaml")
                .replace("- ../history/applied", "- ../gitops"));
        Run paths = test(dir.toString());
        assertEquals(2, paths.code(), paths.out());
        assertTrue(paths.err().contains("cases[1].object: /etc/passwd: paths are relative to this file, never absolute"), paths.err());
        assertTrue(paths.err().contains("cases[3].object: ../seed/log/99-missing.yaml: no such file"), paths.err());

        Files.writeString(dir.resolve("brguard-test.yaml"), good.replace("object: ../gitops/test1/log-backup-azblob.yaml",
                "object: ../seed/filters"));
        Run folderAsObject = test(dir.toString());
        assertEquals(2, folderAsObject.code());

        Path two = tmp.resolve("two.yaml");
        Files.writeString(two, Fixtures.read("examples/seed/log/01-start.yaml") + "---\n" + Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml"));
        Files.writeString(dir.resolve("brguard-test.yaml"), good.replace("object: ../gitops/test1/full-backup-2026-11.yaml",
                "object: ../../two.yaml"));
        Run several = test(dir.toString());
        assertEquals(2, several.code());
        assertTrue(several.err().contains("cases[1].object: holds 2 br.pingcap.com/v1alpha1 Backup or BackupSchedule objects"), several.err());
    }

    @Test
    void findsPolicyTestsInAFolderAndNeedsAtLeastOne(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("other.yaml"), "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n");
        Run none = test(tmp.toString());
        assertEquals(2, none.code());
        assertTrue(none.err().contains("no PolicyTest found"), none.err());
        Run notASuite = test(tmp.resolve("other.yaml").toString());
        assertEquals(2, notASuite.code());
        assertTrue(notASuite.err().contains("other.yaml: not a PolicyTest"), notASuite.err());
        assertEquals(2, test(tmp.resolve("nowhere").toString()).code());
        assertEquals(2, test("-o", "sarif", tmp.toString()).code());

        Files.createDirectories(tmp.resolve("team/tests"));
        Files.writeString(tmp.resolve("team/tests/t.yaml"), """
                apiVersion: brguard.io/v1alpha1
                kind: PolicyTest
                namespace: test1
                cases:
                - name: a log backup created paused is denied
                  object:
                    apiVersion: br.pingcap.com/v1alpha1
                    kind: Backup
                    metadata: {name: paused}
                    spec:
                      backupMode: log
                      logSubcommand: log-pause
                      br: {cluster: demo1}
                      azblob: {secretName: azblob-secret, container: my-container, prefix: log}
                  expect:
                    allowed: false
                    denies: [transition.create-needs-start]
                    notChecked: [secret.missing]
                """);
        Files.createDirectories(tmp.resolve(".git"));
        Files.writeString(tmp.resolve(".git/old.yaml"), "apiVersion: brguard.io/v1alpha1\nkind: PolicyTest\ncases: oops\n");
        Files.write(tmp.resolve("latin1.yaml"), new byte[] {'k', 'i', 'n', 'd', ':', ' ', (byte) 0xe9, '\n'});
        Run found = test(tmp.toString());
        assertEquals(0, found.code(), "hidden folders and files that are not UTF-8 are skipped: " + found.out() + found.err());
        assertTrue(found.out().contains("CREATE test1/paused: denied"), "the suite's namespace applies: " + found.out());
    }

    /** The example suite's neighbours, so that a changed copy keeps its relative paths. */
    private static void copyExamples(Path tmp) throws IOException {
        for (String rel : List.of("examples/cluster/test1.yaml", "examples/gitops/test1/full-backup-2026-11.yaml",
                "examples/gitops/test1/full-backup-azblob.yaml", "examples/gitops/test1/kustomization.yaml",
                "examples/gitops/test1/log-backup-azblob.yaml", "examples/history/applied/test1/full-backup-azblob.yaml",
                "examples/history/applied/test1/kustomization.yaml", "examples/history/applied/test1/log-backup-azblob.yaml",
                "examples/seed/log/03-resume.yaml", "examples/seed/filters/single-db.yaml", "examples/policy-tests/policy.yaml")) {
            Path to = tmp.resolve(rel);
            Files.createDirectories(to.getParent());
            Files.copy(Fixtures.path(rel), to, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
