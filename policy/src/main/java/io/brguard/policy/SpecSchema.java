package io.brguard.policy;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import com.networknt.schema.path.NodePath;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;

/** The Backup spec JSON Schema (draft 2020-12), validated with networknt; every error carries its field path. */
public final class SpecSchema {
    public static final String RESOURCE = "/io/brguard/policy/backup-spec.schema.json";
    private static final Schema SCHEMA = load();

    private SpecSchema() {
    }

    private static Schema load() {
        try (InputStream in = SpecSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("schema resource missing: " + RESOURCE);
            }
            JsonNode tree = Json.JSON.readTree(in);
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The schema document itself, for tests and docs. */
    public static JsonNode document() {
        try (InputStream in = SpecSchema.class.getResourceAsStream(RESOURCE)) {
            return Json.JSON.readTree(in);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Every schema error of a spec tree, all in one pass, as violations under {@code spec}. */
    public static List<Violation> validate(JsonNode spec) {
        List<Violation> out = new ArrayList<>();
        for (Error e : SCHEMA.validate(spec)) {
            String path = path(e.getInstanceLocation());
            String property = e.getProperty();
            if (property != null && ("required".equals(e.getKeyword()) || "additionalProperties".equals(e.getKeyword()))) {
                path = path + "." + property;
            }
            out.add(new Violation("schema.invalid", path, problem(e), null, fix(e)));
        }
        return out;
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
            default -> "see the Backup field reference";
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
