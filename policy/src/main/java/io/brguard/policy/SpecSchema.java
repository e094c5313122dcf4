package io.brguard.policy;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/**
 * A kind's spec JSON Schema (draft 2020-12), validated with networknt; every error carries its field path. A
 * schema may refer to the Backup spec schema as {@code #/$defs/backupSpec} (a BackupSchedule's templates are
 * Backup specs; a Restore names its cluster and storage as a Backup does): it is put there when the schema is
 * loaded, so there is one Backup spec schema.
 */
public final class SpecSchema {
    public static final String RESOURCE = "/io/brguard/policy/backup-spec.schema.json";
    public static final String SCHEDULE_RESOURCE = "/io/brguard/policy/backupschedule-spec.schema.json";
    public static final String RESTORE_RESOURCE = "/io/brguard/policy/restore-spec.schema.json";

    /** The Backup spec. */
    public static final SpecSchema BACKUP = new SpecSchema(RESOURCE);
    /** The BackupSchedule spec, with the Backup spec for its templates. */
    public static final SpecSchema SCHEDULE = new SpecSchema(SCHEDULE_RESOURCE);
    /** The Restore spec, with the Backup spec's br and azblob. */
    public static final SpecSchema RESTORE = new SpecSchema(RESTORE_RESOURCE);

    private final String resource;
    private final Schema schema;

    private SpecSchema(String resource) {
        this.resource = resource;
        this.schema = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(tree());
    }

    /** The schema document as loaded (with the Backup spec under $defs where it refers to it). */
    public JsonNode tree() {
        JsonNode doc = read(resource);
        if (!resource.equals(RESOURCE) && doc instanceof ObjectNode o) {
            ObjectNode backup = (ObjectNode) read(RESOURCE);
            backup.remove("$schema");
            backup.remove("$id");
            o.withObjectProperty("$defs").set("backupSpec", backup);
        }
        return doc;
    }

    private static JsonNode read(String resource) {
        try (InputStream in = SpecSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalStateException("schema resource missing: " + resource);
            }
            return Json.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The Backup spec schema document, for tests and docs. */
    public static JsonNode document() {
        return BACKUP.tree();
    }

    /** Every Backup spec schema error, all in one pass, as violations under {@code spec}. */
    public static List<Violation> validate(JsonNode spec) {
        return BACKUP.errors(spec);
    }

    /** Every schema error of a spec tree, all in one pass, as violations under {@code spec}. */
    public List<Violation> errors(JsonNode spec) {
        List<Violation> out = new ArrayList<>();
        for (Error e : schema.validate(spec)) {
            String path = path(e.getInstanceLocation());
            String property = e.getProperty();
            if (property != null && ("required".equals(e.getKeyword()) || "additionalProperties".equals(e.getKeyword()))) {
                path = path + "." + property;
            }
            out.add("enum".equals(e.getKeyword()) ? enumViolation(path, e) : new Violation("schema.invalid", path, problem(e), null, fix(e)));
        }
        return out;
    }

    /**
     * Enum values the schema lets through, as the CRD does, and a rule then denies: TiDB Operator v2's CRD lists
     * log-resume and log-truncate, but v2 reads them as an unknown command (transition.unsupported-subcommand), so
     * a fix never offers them.
     */
    private static final java.util.Map<String, java.util.Set<String>> DENIED_VALUES =
            java.util.Map.of("logSubcommand", java.util.Set.of("log-resume", "log-truncate"));

    /** An enum error with the value given and the values that work. */
    private static Violation enumViolation(String path, Error e) {
        String field = path.substring(path.lastIndexOf('.') + 1);
        JsonNode given = e.getInstanceNode();
        String value = given == null ? null : given.isString() ? given.asString() : given.toString();
        if (field.equals("backupMode") && "volume-snapshot".equals(value)) {
            return new Violation("schema.invalid", path, "TiDB Operator v2 dropped backups by EBS volume snapshots "
                    + "(docs-tidb-operator en/v2-vs-v1.md): no v2 controller runs one", value, "use backupMode snapshot (BR) or log");
        }
        List<String> accepted = new ArrayList<>();
        e.getSchemaNode().forEach(v -> {
            if (!DENIED_VALUES.getOrDefault(field, java.util.Set.of()).contains(v.asString())) {
                accepted.add(v.asString());
            }
        });
        return new Violation("schema.invalid", path, "not one of the values TiDB Operator reads", value,
                "use one of " + String.join(", ", accepted));
    }

    private static String problem(Error e) {
        return switch (e.getKeyword()) {
            case "required" -> "required field is missing";
            case "additionalProperties" -> "unknown field: the API server would drop it";
            default -> {
                String m = e.getMessage();
                // networknt starts messages with the instance location; the path is already in front of ours.
                int colon = m.indexOf(": ");
                yield colon >= 0 && m.startsWith("$") ? m.substring(colon + 2) : m;
            }
        };
    }

    private static String fix(Error e) {
        return switch (e.getKeyword()) {
            case "required" -> "add it";
            case "additionalProperties" -> "check the spelling against docs/rules.md, or remove it";
            case "enum" -> "use one of " + e.getSchemaNode();
            default -> "see the field reference";
        };
    }

    static String path(NodePath p) {
        StringBuilder sb = new StringBuilder("spec");
        for (int i = 0; i < p.getNameCount(); i++) {
            Object el = p.getElement(i);
            if (el instanceof Integer idx) {
                sb.append('[').append(idx).append(']');
            } else {
                sb.append('.').append(el);
            }
        }
        return sb.toString();
    }
}
