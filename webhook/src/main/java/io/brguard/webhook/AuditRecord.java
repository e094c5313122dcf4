package io.brguard.webhook;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.brguard.policy.Json;
import tools.jackson.core.JsonGenerator;

import java.io.ByteArrayOutputStream;
import java.time.Instant;
import java.util.List;

/**
 * One line of the audit log: one decision, allowed ones too. Documented in docs/audit-log.md and checked against
 * audit-log.schema.json in tests. Holds rule ids and policy messages, never an object or a Secret value. Every line
 * begins with {@code "log":"brguard-audit"}, which is how a reader of the pod's log (stdout and stderr together)
 * selects audit lines.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
@com.fasterxml.jackson.annotation.JsonPropertyOrder({"log"})
public record AuditRecord(String time, String uid, String endpoint, String user, List<String> groups,
                          String operation, String kind, String namespace, String name, boolean dryRun,
                          String oldLogSubcommand, String newLogSubcommand, String oldPhase,
                          String decision, List<String> rules, List<String> messages, List<String> warnings,
                          Rollout rollout, Integer patchOperations, double latencyMs) {

    /**
     * What the rollout configuration did to a validation: the mode that decided (Enforce, Warn, Off, exempt,
     * break-glass), the denials it did not enforce, why the Backup was exempt, the break-glass reason.
     */
    @JsonInclude(JsonInclude.Include.NON_NULL)
    public record Rollout(String mode, List<String> wouldDeny, String exempt, String breakGlass) {
    }

    /** The value of every line's first field, {@code log}. */
    public static final String MARK = "brguard-audit";

    /** The marker field, first in every line. */
    @com.fasterxml.jackson.annotation.JsonProperty("log")
    public String log() {
        return MARK;
    }

    public AuditRecord withLatency(double ms) {
        return new AuditRecord(time, uid, endpoint, user, groups, operation, kind, namespace, name, dryRun,
                oldLogSubcommand, newLogSubcommand, oldPhase, decision, rules, messages, warnings, rollout, patchOperations, ms);
    }

    /**
     * The line as JSON, written field by field in declaration order without nulls: the same JSON the mapper writes
     * for this record (AuditRecordTest), at a fraction of the bean serializer's cost on every request.
     */
    public byte[] toJson() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        try (JsonGenerator g = Json.JSON.createGenerator(out)) {
            g.writeStartObject();
            g.writeStringProperty("log", MARK);
            string(g, "time", time);
            string(g, "uid", uid);
            string(g, "endpoint", endpoint);
            string(g, "user", user);
            strings(g, "groups", groups);
            string(g, "operation", operation);
            string(g, "kind", kind);
            string(g, "namespace", namespace);
            string(g, "name", name);
            g.writeBooleanProperty("dryRun", dryRun);
            string(g, "oldLogSubcommand", oldLogSubcommand);
            string(g, "newLogSubcommand", newLogSubcommand);
            string(g, "oldPhase", oldPhase);
            string(g, "decision", decision);
            strings(g, "rules", rules);
            strings(g, "messages", messages);
            strings(g, "warnings", warnings);
            if (rollout != null) {
                g.writeName("rollout");
                g.writeStartObject();
                string(g, "mode", rollout.mode());
                strings(g, "wouldDeny", rollout.wouldDeny());
                string(g, "exempt", rollout.exempt());
                string(g, "breakGlass", rollout.breakGlass());
                g.writeEndObject();
            }
            if (patchOperations != null) {
                g.writeNumberProperty("patchOperations", patchOperations.intValue());
            }
            g.writeNumberProperty("latencyMs", latencyMs);
            g.writeEndObject();
        }
        return out.toByteArray();
    }

    /*
     * The last second's text, shared by every thread: Instant.toString runs a DateTimeFormatter, which showed in the
     * webhook's profile, while a busy webhook writes many lines within the same second.
     */
    private record Second(long epochSecond, String text) {
    }

    private static volatile Second lastSecond = new Second(Long.MIN_VALUE, "");

    /** Exactly {@code Instant.toString()} (ISO-8601, UTC, fraction in groups of three digits, none when zero). */
    public static String time(Instant t) {
        Second s = lastSecond;
        if (s.epochSecond() != t.getEpochSecond()) {
            String whole = Instant.ofEpochSecond(t.getEpochSecond()).toString();
            s = new Second(t.getEpochSecond(), whole.substring(0, whole.length() - 1));
            lastSecond = s;
        }
        int nano = t.getNano();
        if (nano == 0) {
            return s.text() + "Z";
        }
        int digits = nano % 1_000_000 == 0 ? 3 : nano % 1_000 == 0 ? 6 : 9;
        int value = digits == 3 ? nano / 1_000_000 : digits == 6 ? nano / 1_000 : nano;
        String v = Integer.toString(value);
        StringBuilder b = new StringBuilder(s.text().length() + 11).append(s.text()).append('.');
        for (int i = v.length(); i < digits; i++) {
            b.append('0');
        }
        return b.append(v).append('Z').toString();
    }

    private static void string(JsonGenerator g, String name, String value) {
        if (value != null) {
            g.writeStringProperty(name, value);
        }
    }

    private static void strings(JsonGenerator g, String name, List<String> values) {
        if (values != null) {
            g.writeName(name);
            g.writeStartArray();
            for (String v : values) {
                g.writeString(v);
            }
            g.writeEndArray();
        }
    }
}
