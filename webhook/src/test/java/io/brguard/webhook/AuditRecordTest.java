package io.brguard.webhook;

import io.brguard.policy.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written audit line is byte for byte what the mapper writes for the record. */
class AuditRecordTest {

    @Test
    void writesTheSameJsonAsTheMapper() {
        List<AuditRecord> records = List.of(
                new AuditRecord("2026-11-26T12:00:00Z", "705ab4f5", "validate", "system:serviceaccount:argocd:argocd",
                        List.of("system:authenticated", "g\"2"), "UPDATE", "test1", "demo1-log", false, "log-start",
                        "log-pause", "Running", "denied", List.of("transition.resume-after-stop"),
                        List.of("spec.logSubcommand: cannot resume \"stopped\"\ttask \u00e9\u2028 \\ end"),
                        List.of("w1", "w2"), null, 0.123456789),
                new AuditRecord("t", "u", "mutate", null, List.of(), "CREATE", "", "", true, null, null, null,
                        "allowed", List.of(), List.of(), List.of(), 3, 12.0),
                new AuditRecord(null, null, null, null, null, null, null, null, false, null, null, null, null, null,
                        null, null, null, 0),
                new AuditRecord("t", "u", "validate", "bob", Arrays.asList("a", null), "DELETE", "ns", "n", false,
                        null, null, "Stopped", "error", List.of("lookup.secret"), List.of("\u0000\u001f"), List.of(), 0, 1e-7));
        for (AuditRecord r : records) {
            assertEquals(new String(Json.JSON.writeValueAsBytes(r), StandardCharsets.UTF_8),
                    new String(r.toJson(), StandardCharsets.UTF_8));
        }
    }
}
