package io.brguard.policy;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;

/**
 * One denial format everywhere: the webhook's message is the violations' own messages, one per line, exactly as
 * `brguard check` and docs/rules.md print them; a line break inside a value cannot split one.
 */
class DenialFormatTest {

    @Test
    void aViolationIsOneLineWhateverItsValueHolds() {
        Violation v = new Violation("field.prefix", "spec.azblob.prefix", "has a '..' segment", "a/..\nb\r\nc\td", "remove it");
        assertEquals("field.prefix spec.azblob.prefix: has a '..' segment (a/..\\nb\\nc d); remove it", v.message());
        assertFalse(v.message().contains("\n"));
    }

    @Test
    void theWebhooksMessageIsEveryViolationOnItsOwnLineUnchanged() {
        Violation a = new Violation("transition.stopped-is-terminal", "spec.logSubcommand", "the log backup is Stopped",
                "log-stop -> log-start", "create a new Backup; with a new name");
        Violation b = new Violation("field.container", "spec.azblob.container", "is not a valid container name", "Bad_C", "use lower case");
        Verdict verdict = new Verdict(List.of(a, b), List.of(), List.of(), List.of());
        assertEquals(List.of(a.message(), b.message()), verdict.denialMessage().lines().toList());
        assertEquals("transition.stopped-is-terminal spec.logSubcommand: the log backup is Stopped (log-stop -> log-start); "
                + "create a new Backup; with a new name", verdict.denialMessage().lines().findFirst().orElseThrow(),
                "the message keeps its own '; ' (it used to be rewritten to ', ')");
    }
}
