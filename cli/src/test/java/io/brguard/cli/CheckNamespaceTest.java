package io.brguard.cli;

import io.brguard.cli.CheckCommandTest.Run;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

import static io.brguard.cli.CheckCommandTest.check;
import static io.brguard.cli.CheckCommandTest.ex;
import static io.brguard.cli.CheckCommandTest.git;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The namespace of a Backup that names none, as the tools that apply it decide: kubectl's -n, Argo CD's
 * destination.namespace (only for objects without one), Flux's targetNamespace (for every object); and with none of
 * them, the rules that need a namespace are not checked instead of judged as if in default.
 */
class CheckNamespaceTest {

    /** The seed's log backup without its metadata.namespace, as Argo CD and Flux repositories often keep it. */
    static String withoutNamespace(String rel) {
        return Fixtures.read(rel).replace("  namespace: test1\n", "");
    }

    @Test
    void checksAnObjectWithoutANamespaceInTheOneGivenWithDashN(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("log.yaml"), withoutNamespace("examples/seed/log/01-start.yaml"));
        Run r = check("-o", "json", "-n", "test1", "--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(0, r.code(), r.out());
        JsonNode res = r.json().path("results").get(0);
        assertEquals("test1", res.path("namespace").asString());
        assertEquals(0, res.path("notChecked").size(), "the Secret and the Cluster are found in test1: " + res);

        Run elsewhere = check("-n", "test2", "--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(1, elsewhere.code(), elsewhere.out());
        assertTrue(elsewhere.out().contains("secret.missing spec.azblob.secretName: Secret not found in namespace test2"), elsewhere.out());

        for (String bad : List.of("", "Test1", "team_a")) {
            Run refused = check("-n", bad, tmp.toString());
            assertEquals(2, refused.code(), bad);
            assertTrue(refused.err().contains("-n must be a namespace name (a DNS-1123 label), not '" + bad + "'"), refused.err());
        }
    }

    /**
     * Without -n and without a GitOps tool naming the namespace, the Backup used to be judged in default and denied
     * (Secret and Cluster missing); now the rules that need the namespace are not checked and say how to give it.
     */
    @Test
    void reportsTheRulesThatNeedTheNamespaceAsNotCheckedWhenNoneIsGiven(@TempDir Path tmp) throws IOException {
        String start = withoutNamespace("examples/seed/log/01-start.yaml");
        Files.writeString(tmp.resolve("a.yaml"), start);
        // a second log backup for the same cluster: one-log-per-cluster needs the namespace too
        Files.writeString(tmp.resolve("b.yaml"), start.replace("name: demo1-log-backup-azblob", "name: demo1-log-2")
                .replace("prefix: my-log-backup-folder", "prefix: log-2"));
        Run r = check("-o", "json", "--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(0, r.code(), r.out());
        for (JsonNode res : r.json().path("results")) {
            assertEquals("", res.path("namespace").asString(), res.toString());
            assertEquals(0, res.path("violations").size(), res.toString());
            List<String> rules = new ArrayList<>();
            res.path("notChecked").forEach(n -> {
                rules.add(n.path("rule").asString());
                assertTrue(n.path("reason").asString().startsWith("namespace unknown (pass -n"), n.toString());
            });
            assertTrue(rules.containsAll(List.of("secret.missing", "cross.cluster-missing", "cross.one-log-per-cluster")), rules.toString());
        }
        assertTrue(r.json().path("notes").get(0).asString().startsWith("2 object(s) name no namespace"), r.out());

        Run table = check("--objects", ex("examples/cluster"), tmp.toString());
        assertTrue(table.out().contains("ok     (no namespace)/demo1-log-backup-azblob  CREATE"), table.out());
        assertFalse(table.out().contains("namespace default"), table.out());
    }

    /** br.clusterNamespace is compared with the Backup's own namespace: unknown, that is not checked either. */
    @Test
    void doesNotCompareClusterNamespaceWithAnUnknownNamespace(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("full.yaml"), withoutNamespace("examples/seed/snapshot/full-backup-azblob.yaml")
                .replace("    cluster: demo1\n", "    cluster: demo1\n    clusterNamespace: test1\n"));
        Run unknown = check("-o", "json", tmp.toString());
        assertEquals(0, unknown.code(), unknown.out());
        List<String> rules = new ArrayList<>();
        unknown.json().path("results").get(0).path("notChecked").forEach(n -> rules.add(n.path("rule").asString()));
        assertTrue(rules.contains("field.cluster-namespace"), rules.toString());
        Run elsewhere = check("-n", "test2", tmp.toString());
        assertEquals(1, elsewhere.code(), elsewhere.out());
        assertTrue(elsewhere.out().contains("field.cluster-namespace spec.br.clusterNamespace"), elsewhere.out());
        assertEquals(0, check("-n", "test1", tmp.toString()).code());
    }

    /** A Restore without a namespace: its Secret, cluster, sources and other Restores are not checked, nothing denied. */
    @Test
    void checksARestoreWithoutANamespaceWithoutGuessingOne(@TempDir Path tmp) throws IOException {
        Files.writeString(tmp.resolve("restore.yaml"), Fixtures.read("examples/restores/restore-full-azblob.yaml")
                .replace("  namespace: test2\n", "").replace("    cluster: demo2\n", "    cluster: demo2\n    clusterNamespace: test2\n"));
        Run r = check("-o", "json", "--objects", ex("examples/cluster"), tmp.toString());
        assertEquals(0, r.code(), r.out());
        JsonNode res = r.json().path("results").get(0);
        assertEquals("Restore", res.path("kind").asString());
        assertEquals(0, res.path("violations").size(), res.toString());
        List<String> rules = new ArrayList<>();
        res.path("notChecked").forEach(n -> rules.add(n.path("rule").asString()));
        assertTrue(rules.containsAll(List.of("secret.missing", "restore.cluster-namespace")), rules.toString());
    }

    /**
     * Argo CD sets spec.destination.namespace only on objects that name none, and a plain directory source reads the
     * files at the root of its path unless directory.recurse is set.
     */
    @Test
    void givesObjectsWithoutANamespaceTheArgoCdDestinationOfTheirFolder(@TempDir Path repo) throws Exception {
        Path folder = Files.createDirectories(repo.resolve("backups/test1"));
        Files.writeString(folder.resolve("log.yaml"), withoutNamespace("examples/seed/log/01-start.yaml"));
        Files.writeString(folder.resolve("full.yaml"), Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml")
                .replace("namespace: test1", "namespace: elsewhere"));
        Files.createDirectories(folder.resolve("later"));
        Files.writeString(folder.resolve("later/full.yaml"), withoutNamespace("examples/seed/snapshot/full-backup-azblob.yaml"));
        Path apps = Files.createDirectories(repo.resolve("apps"));
        Files.writeString(apps.resolve("backups.yaml"), application("./backups/test1/", ""));
        git(repo, "init", "-q", "-b", "main");

        JsonNode json = check("-o", "json", "--objects", ex("examples/cluster"), apps.toString(), repo.resolve("backups").toString()).json();
        assertEquals("test1", namespaceOf(json, "demo1-log-backup-azblob"), json.toString());
        assertEquals("elsewhere", namespaceOf(json, "demo1-full-backup-azblob", "test1/full.yaml"), "a namespace written stays");
        assertEquals("", namespaceOf(json, "demo1-full-backup-azblob", "later/full.yaml"), "not synced: recurse is off");

        Files.writeString(apps.resolve("backups.yaml"), application("backups/test1", "    directory: {recurse: true}\n"));
        JsonNode recursive = check("-o", "json", "--objects", ex("examples/cluster"), apps.toString(), folder.toString()).json();
        assertEquals("test1", namespaceOf(recursive, "demo1-full-backup-azblob", "later/full.yaml"), recursive.toString());

        // A file given on its own lies in the folder all the same.
        JsonNode one = check("-o", "json", "--objects", ex("examples/cluster"), apps.toString(), folder.resolve("log.yaml").toString()).json();
        assertEquals("test1", namespaceOf(one, "demo1-log-backup-azblob"), one.toString());
        assertEquals(0, one.path("exitCode").asInt(), one.toString());
    }

    /** Flux's targetNamespace sets the namespace of every object the Kustomization applies, over one that is written. */
    @Test
    void givesEveryObjectTheFluxTargetNamespaceOfItsFolder(@TempDir Path repo) throws Exception {
        Path folder = Files.createDirectories(repo.resolve("clusters/prod/backups"));
        Files.writeString(folder.resolve("full.yaml"), Fixtures.read("examples/seed/snapshot/full-backup-azblob.yaml")
                .replace("namespace: test1", "namespace: elsewhere"));
        Files.createDirectories(folder.resolve("log"));
        Files.writeString(folder.resolve("log/log.yaml"), withoutNamespace("examples/seed/log/01-start.yaml"));
        Files.writeString(repo.resolve("flux.yaml"), """
                apiVersion: kustomize.toolkit.fluxcd.io/v1
                kind: Kustomization
                metadata: {name: backups, namespace: flux-system}
                spec:
                  interval: 10m
                  path: ./clusters/prod/backups
                  prune: false
                  sourceRef: {kind: GitRepository, name: platform}
                  targetNamespace: test1
                """);
        git(repo, "init", "-q", "-b", "main");
        Run r = check("-o", "json", "--objects", ex("examples/cluster"), repo.toString());
        assertEquals(0, r.code(), r.out());
        assertEquals("test1", namespaceOf(r.json(), "demo1-full-backup-azblob"), r.out());
        assertEquals("test1", namespaceOf(r.json(), "demo1-log-backup-azblob"), "the whole tree under the path");
    }

    @Test
    void givesNoNamespaceToAFolderTwoApplicationsSyncToDifferentNamespaces(@TempDir Path repo) throws Exception {
        Path folder = Files.createDirectories(repo.resolve("backups"));
        Files.writeString(folder.resolve("log.yaml"), withoutNamespace("examples/seed/log/01-start.yaml"));
        Files.writeString(repo.resolve("apps.yaml"), application("backups", "") + "---\n"
                + application("backups", "").replace("name: tidb-backups", "name: tidb-backups-staging")
                .replace("namespace: test1", "namespace: staging"));
        git(repo, "init", "-q", "-b", "main");
        Run r = check("-o", "json", repo.toString());
        assertEquals("", namespaceOf(r.json(), "demo1-log-backup-azblob"), r.out());
        String notes = r.json().path("notes").toString();
        assertTrue(notes.contains("folder backups is synced to different namespaces by Argo CD Application tidb-backups ("), notes);
        assertTrue(notes.contains("tidb-backups-staging") && notes.contains("to staging"), notes);
    }

    /** The old version at the git ref takes the same namespace, so that an edit is an UPDATE of the same Backup. */
    @Test
    void pairsAnObjectWithoutANamespaceWithItsVersionAtTheBaseRef(@TempDir Path repo) throws Exception {
        Path folder = Files.createDirectories(repo.resolve("backups/test1"));
        Files.writeString(folder.resolve("log.yaml"), withoutNamespace("examples/seed/log/04-stop.yaml"));
        Files.writeString(repo.resolve("app.yaml"), application("backups/test1", ""));
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "stop");
        Files.writeString(folder.resolve("log.yaml"), withoutNamespace("examples/seed/log/03-resume.yaml"));
        Run r = check("--base", "main", "--objects", ex("examples/cluster"), repo.toString());
        assertEquals(1, r.code(), r.out());
        assertTrue(r.out().contains("DENIED test1/demo1-log-backup-azblob  UPDATE"), r.out());
        assertTrue(r.out().contains("transition.stopped-is-terminal"), r.out());
    }

    static String application(String path, String sourceExtra) {
        return """
                apiVersion: argoproj.io/v1alpha1
                kind: Application
                metadata: {name: tidb-backups, namespace: argocd}
                spec:
                  project: default
                  source:
                    repoURL: https://git.example/platform.git
                    targetRevision: main
                    path: %s
                %s  destination: {server: https://kubernetes.default.svc, namespace: test1}
                """.formatted(path, sourceExtra);
    }

    private static String namespaceOf(JsonNode json, String name) {
        return namespaceOf(json, name, "");
    }

    private static String namespaceOf(JsonNode json, String name, String fileSuffix) {
        for (JsonNode res : json.path("results")) {
            if (res.path("name").asString().equals(name) && res.path("file").asString().endsWith(fileSuffix)) {
                return res.path("namespace").asString();
            }
        }
        throw new AssertionError(name + " " + fileSuffix + " not in " + json);
    }
}
