package io.brguard.policy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class ManifestsTest {

    @Test
    void readsEveryDocumentOfAStreamWithItsIndexAndLine() {
        var parsed = Manifests.parse("a.yaml", """
                # leading comment
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: one, namespace: ns}
                ---
                apiVersion: v1
                kind: Secret
                metadata: {name: s}
                --- # another
                ---
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: two}
                """);
        assertEquals(List.of(), parsed.problems());
        assertEquals(3, parsed.documents().size());
        var one = parsed.documents().get(0);
        assertEquals(0, one.index());
        assertEquals(1, one.line());
        assertTrue(one.isBackup());
        assertEquals("ns/one", one.namespace() + "/" + one.name());
        assertEquals(1, parsed.documents().get(1).index());
        assertEquals(6, parsed.documents().get(1).line());
        var two = parsed.documents().get(2);
        assertEquals(2, two.index());
        assertEquals(11, two.line());
        assertEquals("default", two.namespace());
    }

    @Test
    void reportsBrokenYamlWithFileIndexAndLineAndKeepsReadingTheRest() {
        var parsed = Manifests.parse("broken.yaml", """
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: ok}
                ---
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                spec:
                  br: {cluster: demo1
                  azblob: {}
                ---
                apiVersion: br.pingcap.com/v1alpha1
                kind: Backup
                metadata: {name: after}
                """);
        assertEquals(2, parsed.documents().size());
        assertEquals(1, parsed.problems().size());
        var p = parsed.problems().get(0);
        assertEquals(1, p.index());
        assertTrue(p.line() >= 8 && p.line() <= 9, p.toString());
        assertTrue(p.toString().startsWith("broken.yaml#1 (line "), p.toString());
        assertTrue(p.message().startsWith("not valid YAML: "), p.message());
    }

    @Test
    void rejectsDuplicateKeysInsteadOfSilentlyKeepingTheLast() {
        var parsed = Manifests.parse("dup.yaml", """
                kind: Backup
                spec:
                  logSubcommand: log-start
                  logSubcommand: log-stop
                """);
        assertEquals(1, parsed.problems().size());
        assertTrue(parsed.problems().get(0).message().contains("logSubcommand"), parsed.problems().toString());
    }

    @Test
    void rejectsADocumentThatIsNotAMapping() {
        var parsed = Manifests.parse("list.yaml", "- a\n- b\n");
        assertEquals(1, parsed.problems().size());
        assertTrue(parsed.problems().get(0).message().contains("found array"), parsed.problems().toString());
    }

    @Test
    void expandsAKubectlListIntoItsItems() {
        var parsed = Manifests.parse("live.yaml", """
                apiVersion: v1
                kind: List
                items:
                - {apiVersion: br.pingcap.com/v1alpha1, kind: Backup, metadata: {name: a}}
                - {apiVersion: br.pingcap.com/v1alpha1, kind: Backup, metadata: {name: b}}
                """);
        assertEquals(List.of("a", "b"), parsed.documents().stream().map(Manifests.Document::name).toList());
    }
}
