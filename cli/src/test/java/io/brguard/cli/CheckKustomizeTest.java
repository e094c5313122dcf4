package io.brguard.cli;

import io.brguard.cli.CheckCommandTest.Run;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static io.brguard.cli.CheckCommandTest.check;
import static io.brguard.cli.CheckCommandTest.ex;
import static io.brguard.cli.CheckCommandTest.lineOf;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * {@code --kustomize} renders folders with {@code kubectl kustomize} (so patches apply), and every finding still
 * names the file and line a person edits: the resource that declares the object, or the patch that writes the field.
 */
class CheckKustomizeTest {

    @Test
    void pointsSarifAtTheSourceFileAndLineThroughKustomize() throws IOException {
        Run r = check("-o", "sarif", "--kustomize", "--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"),
                ex("examples/gitops"));
        assertEquals(1, r.code(), r.err());
        assertEquals(List.of(), CheckCommandTest.sarifProblems(r.json()));
        assertFalse(r.out().contains("kustomize)") || r.out().contains("%20"), r.out());
        JsonNode where = r.json().path("runs").get(0).path("results").get(0).path("locations").get(0).path("physicalLocation");
        String file = where.path("artifactLocation").path("uri").asString();
        assertTrue(file.endsWith("examples/gitops/test1/log-backup-azblob.yaml"), file);
        String text = Files.readString(Path.of(ex("examples/gitops/test1/log-backup-azblob.yaml")));
        assertEquals(lineOf(text, "logSubcommand:"), where.path("region").path("startLine").asInt());

        Run table = check("--kustomize", "--old", ex("examples/history/applied"), "--objects", ex("examples/cluster"), ex("examples/gitops"));
        assertTrue(table.out().contains("DENIED test1/demo1-log-backup-azblob  UPDATE  " + ex("examples/gitops/test1/log-backup-azblob.yaml") + "#0 (line 1)"), table.out());
        assertTrue(table.out().contains("old: " + ex("examples/history/applied/test1/log-backup-azblob.yaml") + "#0"), table.out());
    }

    /**
     * An overlay with a namePrefix and a strategic-merge patch over a base: a field the patch writes is found in the
     * patch file, a field only the base writes in the base file.
     */
    @Test
    void locatesAFieldInThePatchThatWritesItAndTheRestInTheBase(@TempDir Path tmp) throws IOException {
        Path base = Files.createDirectories(tmp.resolve("base"));
        Path prod = Files.createDirectories(tmp.resolve("overlays/prod"));
        Files.writeString(base.resolve("kustomization.yaml"), "resources: [log.yaml]\n");
        String log = Fixtures.read("examples/seed/log/01-start.yaml").replace("container: my-container", "container: Bad_Container");
        Files.writeString(base.resolve("log.yaml"), log);
        Files.writeString(prod.resolve("kustomization.yaml"), """
                namePrefix: prod-
                resources: [../../base]
                patches:
                - path: pause.yaml
                """);
        String pause = """
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: demo1-log-backup-azblob, namespace: test1}
                spec:
                  logSubcommand: log-pause
                """;
        Files.writeString(prod.resolve("pause.yaml"), pause);
        Run r = check("-o", "json", "--kustomize", "--objects", ex("examples/cluster"), prod.toString());
        assertEquals(1, r.code(), r.out());
        JsonNode res = r.json().path("results").get(0);
        assertEquals("prod-demo1-log-backup-azblob", res.path("name").asString());
        assertEquals(base.resolve("log.yaml").toString(), res.path("file").asString(), "the resource that declares it");
        for (JsonNode v : res.path("violations")) {
            switch (v.path("rule").asString()) {
                case "field.container" -> {
                    assertEquals(base.resolve("log.yaml").toString(), v.path("file").asString());
                    assertEquals(lineOf(log, "container: Bad_Container"), v.path("line").asInt());
                }
                case "transition.create-needs-start" -> {
                    assertEquals(prod.resolve("pause.yaml").toString(), v.path("file").asString());
                    assertEquals(lineOf(pause, "logSubcommand:"), v.path("line").asInt());
                }
                default -> throw new AssertionError(v.toString());
            }
        }
        assertEquals(2, res.path("violations").size(), res.toString());
        Run table = check("--kustomize", "--objects", ex("examples/cluster"), prod.toString());
        assertTrue(table.out().contains("deny  " + prod.resolve("pause.yaml") + " line " + lineOf(pause, "logSubcommand:")
                + ": transition.create-needs-start"), table.out());
    }

    @Test
    void locatesAFieldInTheJson6902OperationThatWritesIt(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("kustomization.yaml"), """
                resources: [log.yaml]
                patches:
                - target: {kind: Backup, name: demo1-log-.*}
                  path: pause.yaml
                """);
        Files.copy(Fixtures.path("examples/seed/log/01-start.yaml"), tmp.resolve("log.yaml"));
        String ops = """
                # pause it
                - op: add
                  path: /metadata/labels
                  value: {team: a}
                - op: replace
                  path: /spec/logSubcommand
                  value: log-pause
                """;
        Files.writeString(tmp.resolve("pause.yaml"), ops);
        JsonNode v = check("-o", "json", "--kustomize", "--objects", ex("examples/cluster"), tmp.toString()).json()
                .path("results").get(0).path("violations").get(0);
        assertEquals("transition.create-needs-start", v.path("rule").asString(), v.toString());
        assertEquals(tmp.resolve("pause.yaml").toString(), v.path("file").asString());
        assertEquals(lineOf(ops, "path: /spec/logSubcommand"), v.path("line").asInt());
    }

    /** A patch that renames the object leaves nothing to trace it by: the kustomization is named, and the note says why. */
    @Test
    void namesTheKustomizationAndSaysSoForAnObjectItCannotTrace(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("kustomization.yaml"), """
                resources: [log.yaml]
                patches:
                - target: {kind: Backup}
                  patch: |
                    - {op: replace, path: /metadata/name, value: renamed}
                """);
        Files.copy(Fixtures.path("examples/seed/log/02-pause.yaml"), tmp.resolve("log.yaml"));
        Run r = check("-o", "sarif", "--kustomize", "--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(1, r.code(), r.out());
        String uri = r.json().path("runs").get(0).path("results").get(0).path("locations").get(0).path("physicalLocation")
                .path("artifactLocation").path("uri").asString();
        assertTrue(uri.endsWith("/kustomization.yaml"), uri);
        Run table = check("--kustomize", "--objects", ex("examples/cluster"), tmp.toString());
        assertTrue(table.out().contains("note: 1 object(s) rendered by kubectl kustomize from " + tmp
                + " could not be traced to the file that declares them"), table.out());
        assertTrue(table.out().contains("DENIED test1/renamed  CREATE  " + tmp.resolve("kustomization.yaml") + "#0 (line 1)"), table.out());
    }
}
