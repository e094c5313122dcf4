package io.brguard.webhook;

import io.brguard.policy.Json;
import org.junit.jupiter.api.Test;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The hand-written audit line is byte for byte what the mapper writes for the record, and its time is Instant's text. */
class AuditRecordTest {

    @Test
    void writesTheSameJsonAsTheMapper() {
        List<AuditRecord> records = List.of(
                new AuditRecord("2026-11-26T12:00:00Z", "705ab4f5", "validate", "system:serviceaccount:argocd:argocd",
                        List.of("system:authenticated", "g\"2"), "UPDATE", "Backup", "test1", "demo1-log", false, "log-start",
                        "log-pause", "Running", "denied", List.of("transition.resume-after-stop"),
                        List.of("spec.logSubcommand: cannot resume \"stopped\"\ttask \u00e9\u2028 \\ end"),
                        List.of("w1", "w2"), new AuditRecord.Rollout("Warn", List.of("field.prefix spec.azblob.prefix: x"), null, null),
                        null, 0.123456789),
                new AuditRecord("t", "u", "mutate", null, List.of(), "CREATE", null, "", "", true, null, null, null,
                        "allowed", List.of(), List.of(), List.of(), null, 3, 12.0),
                new AuditRecord(null, null, null, null, null, null, null, null, null, false, null, null, null, null, null,
                        null, null, new AuditRecord.Rollout(null, null, null, null), null, 0),
                new AuditRecord("t", "u", "validate", "bob", Arrays.asList("a", null), "DELETE", "Restore", "ns", "n", false,
                        null, null, "Stopped", "error", List.of("lookup.secret"), List.of("\u0000\u001f"), List.of(),
                        new AuditRecord.Rollout("break-glass", List.of("a"), "namespace", "incident 42"), 0, 1e-7));
        for (AuditRecord r : records) {
            assertEquals(new String(Json.JSON.writeValueAsBytes(r), StandardCharsets.UTF_8),
                    new String(r.toJson(), StandardCharsets.UTF_8));
        }
    }

    @Test
    void writesTheTimeAsInstantDoes() {
        java.util.Random random = new java.util.Random(42);
        List<Instant> instants = new java.util.ArrayList<>(List.of(Instant.EPOCH, Instant.ofEpochSecond(-1, 999_999_999),
                Instant.parse("2026-11-26T12:00:00.100Z"), Instant.parse("2026-11-26T12:00:00.000100Z"),
                Instant.parse("2026-11-26T12:00:00.000000100Z"), Instant.parse("2026-11-26T12:00:00.120Z"),
                Instant.parse("+10000-01-01T00:00:00.5Z"), Instant.MIN, Instant.MAX));
        for (int i = 0; i < 20_000; i++) {
            long second = 1_700_000_000L + random.nextInt(200); // many within the same second, as under load
            int nano = switch (i % 4) {
                case 0 -> random.nextInt(1000) * 1_000_000;
                case 1 -> random.nextInt(1_000_000) * 1_000;
                case 2 -> random.nextInt(1_000_000_000);
                default -> random.nextInt(10) == 0 ? 0 : random.nextInt(1_000_000_000);
            };
            instants.add(Instant.ofEpochSecond(second, nano));
        }
        for (Instant t : instants) {
            assertEquals(t.toString(), AuditRecord.time(t));
        }
    }
}
