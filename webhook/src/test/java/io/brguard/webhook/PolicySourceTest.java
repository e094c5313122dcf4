package io.brguard.webhook;

import io.brguard.policy.rollout.RolloutConfig;
import org.junit.jupiter.api.Test;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How the policy configuration file is taken up: only whole and valid texts are applied, whichever way the file
 * changes (the kubelet's symlink swap, a write in place, a delete and restore).
 */
class PolicySourceTest {
    static final String ENFORCE = """
            apiVersion: brguard.io/v1alpha1
            kind: PolicyConfig
            enforcement:
              default: Enforce
            """;
    /** Warn by default, but transitions enforced: its first part alone ("default: Warn") is a valid policy too. */
    static final String WARN_BUT_TRANSITIONS = """
            apiVersion: brguard.io/v1alpha1
            kind: PolicyConfig
            enforcement:
              default: Warn
              families: {transition: Enforce, immutable: Enforce}
            """;

    static RolloutConfig.Mode transitionMode(PolicySource s) {
        return s.active().config().modeOf("transition.stopped-is-terminal");
    }

    /*
     * A ConfigMap volume as the kubelet writes it (kubernetes pkg/volume/util AtomicWriter): the files are links
     * into ..data, itself a link to a timestamped folder; an update writes a new folder and renames a new ..data
     * link over the old one, so every file changes at once.
     */
    @Test
    void takesUpAKubeletSymlinkSwap() throws Exception {
        Path volume = Files.createTempDirectory("brguard-policy-volume");
        Path first = Files.createDirectory(volume.resolve("..2026_12_01_10_00_00.1"));
        Files.writeString(first.resolve("policy.yaml"), ENFORCE);
        Files.createSymbolicLink(volume.resolve("..data"), first.getFileName());
        Files.createSymbolicLink(volume.resolve("policy.yaml"), Path.of("..data", "policy.yaml"));
        try (PolicySource s = PolicySource.file(volume.resolve("policy.yaml"))) {
            assertEquals(RolloutConfig.Mode.ENFORCE, s.active().config().defaultMode());

            Path second = Files.createDirectory(volume.resolve("..2026_12_01_10_01_00.2"));
            Files.writeString(second.resolve("policy.yaml"), WARN_BUT_TRANSITIONS);
            Files.createSymbolicLink(volume.resolve("..data_tmp"), second.getFileName());
            Files.move(volume.resolve("..data_tmp"), volume.resolve("..data"), StandardCopyOption.ATOMIC_MOVE,
                    StandardCopyOption.REPLACE_EXISTING);
            s.reload();
            s.reload();
            assertEquals(RolloutConfig.Mode.WARN, s.active().config().defaultMode());
            assertEquals(RolloutConfig.Mode.ENFORCE, transitionMode(s));
            assertNull(s.problem());
        }
    }

    /*
     * Written in place, the file is seen half written: its first part ("default: Warn") is a complete, valid policy
     * that enforces none of the transitions the whole file enforces. It is never applied; the whole text is, once a
     * second look sees it unchanged.
     */
    @Test
    void neverAppliesAFileWrittenInPlaceBeforeItIsWhole() throws Exception {
        Path file = Files.createTempFile("brguard-policy", ".yaml");
        Files.writeString(file, ENFORCE);
        try (PolicySource s = PolicySource.file(file)) {
            byte[] whole = WARN_BUT_TRANSITIONS.getBytes(StandardCharsets.UTF_8);
            int half = WARN_BUT_TRANSITIONS.indexOf("  families");
            try (OutputStream out = Files.newOutputStream(file, StandardOpenOption.TRUNCATE_EXISTING)) {
                out.write(whole, 0, half);
                out.flush();
                s.reload();
                assertEquals(RolloutConfig.Mode.ENFORCE, s.active().config().defaultMode(), "half a file: not applied");
                out.write(whole, half, whole.length - half);
            }
            s.reload();
            assertEquals(RolloutConfig.Mode.ENFORCE, s.active().config().defaultMode(), "changed since the last look: not yet");
            assertEquals(RolloutConfig.Mode.ENFORCE, transitionMode(s));
            s.reload();
            assertEquals(RolloutConfig.Mode.WARN, s.active().config().defaultMode(), "whole and unchanged: applied");
            assertEquals(RolloutConfig.Mode.ENFORCE, transitionMode(s), "with its families");
            assertNull(s.problem());
        }
    }

    @Test
    void aDeletedFileKeepsTheLastGoodOneAndItsReturnEndsTheReport() throws Exception {
        Path file = Files.createTempFile("brguard-policy", ".yaml");
        Files.writeString(file, WARN_BUT_TRANSITIONS);
        try (PolicySource s = PolicySource.file(file)) {
            Files.delete(file);
            s.reload();
            assertTrue(s.problem() != null && s.problem().contains("cannot read"), s.problem());
            assertEquals(RolloutConfig.Mode.WARN, s.active().config().defaultMode(), "the last good one stays");

            Files.writeString(file, WARN_BUT_TRANSITIONS);
            s.reload();
            assertNull(s.problem(), "the same text as the one in force: nothing to wait for");

            Files.delete(file);
            s.reload();
            Files.writeString(file, ENFORCE);
            s.reload();
            assertTrue(s.problem() != null, "a new text is not applied at first sight; the report stays until it is");
            s.reload();
            assertNull(s.problem());
            assertEquals(RolloutConfig.Mode.ENFORCE, s.active().config().defaultMode());
        }
    }

    @Test
    void aBadFileIsReportedOnceSettledAndAGoodOneAfterItIsApplied() throws Exception {
        Path file = Files.createTempFile("brguard-policy", ".yaml");
        Files.writeString(file, ENFORCE);
        try (PolicySource s = PolicySource.file(file)) {
            Files.writeString(file, ENFORCE + "exemptions:\n  selector:\n    matchExpressions: [{key: tier, operator: NotIn}]\n");
            s.reload();
            s.reload();
            assertTrue(s.problem() != null && s.problem().contains("values"), s.problem());
            assertEquals(RolloutConfig.Mode.ENFORCE, s.active().config().defaultMode());
            Files.writeString(file, WARN_BUT_TRANSITIONS);
            s.reload();
            s.reload();
            assertNull(s.problem());
            assertEquals(RolloutConfig.Mode.WARN, s.active().config().defaultMode());
        }
    }
}
