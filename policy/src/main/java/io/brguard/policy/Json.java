package io.brguard.policy;

import io.brguard.policy.model.Backup;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.ObjectReader;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

import java.util.Comparator;

/** The shared Jackson mappers: JSON for the wire, YAML for files. Both keep unknown fields and reject duplicate keys. */
public final class Json {
    public static final JsonMapper JSON = JsonMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
            .build();

    public static final YAMLMapper YAML = YAMLMapper.builder()
            .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .disable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .disable(MapperFeature.SORT_PROPERTIES_ALPHABETICALLY)
            .disable(YAMLWriteFeature.WRITE_DOC_START_MARKER)
            .enable(YAMLWriteFeature.MINIMIZE_QUOTES)
            .build();

    private Json() {
    }

    // Resolved once: treeToValue(node, Backup.class) looked the type up in the TypeFactory on every call, which
    // showed in the webhook's profile.
    private static final ObjectReader BACKUP = JSON.readerFor(Backup.class);

    /** Binds a tree to a Backup; the tree is not changed. */
    public static Backup toBackup(JsonNode node) {
        return BACKUP.readValue(node);
    }

    private static final ObjectReader SCHEDULE = JSON.readerFor(io.brguard.policy.model.BackupSchedule.class);

    /** Binds a tree to a BackupSchedule; the tree is not changed. */
    public static io.brguard.policy.model.BackupSchedule toSchedule(JsonNode node) {
        return SCHEDULE.readValue(node);
    }

    private static final ObjectReader RESTORE = JSON.readerFor(io.brguard.policy.model.Restore.class);

    /** Binds a tree to a Restore; the tree is not changed. */
    public static io.brguard.policy.model.Restore toRestore(JsonNode node) {
        return RESTORE.readValue(node);
    }

    /** The Backup as a JSON tree, without nulls. */
    public static ObjectNode toTree(Backup backup) {
        return JSON.valueToTree(backup);
    }

    /**
     * Equality by meaning: numbers compare by value, so {@code 100} read from YAML equals {@code 100L} written
     * from a typed field. Jackson's own node equality is type-strict and would report phantom changes.
     */
    public static boolean sameMeaning(JsonNode a, JsonNode b) {
        if (a == null || b == null) {
            return a == b;
        }
        return a.equals(NUMERIC, b);
    }

    private static final Comparator<JsonNode> NUMERIC = (x, y) -> {
        if (x.isNumber() && y.isNumber()) {
            return x.decimalValue().compareTo(y.decimalValue());
        }
        return x.equals(y) ? 0 : 1;
    };

    private static final java.util.regex.Pattern JAVA_NAME =
            java.util.regex.Pattern.compile("`?\\b(?:[a-z_][a-z0-9_]*\\.)+[A-Z][A-Za-z0-9_$]*(?:\\[\\])?`?");

    /**
     * A reading error in words for a caller: its first line, without the source excerpt and without the names of
     * Java classes Jackson puts in its messages ({@code java.lang.Integer} becomes "a value of another type").
     */
    public static String describe(JacksonException e) {
        String m = e.getOriginalMessage();
        if (m == null || m.isBlank()) {
            return "unreadable";
        }
        String line = m.lines().findFirst().orElse(m).strip()
                .replaceAll(",? ?from `[^`]*`", "") // "(500, from `StreamReadConstraints.getMaxNestingDepth()`)"
                .replaceAll("`[^`]*\\(\\)`", "a limit");
        return JAVA_NAME.matcher(line).replaceAll("a value of another type");
    }

    /** A deep copy made through the tree, so the original stays untouched. */
    public static Backup copy(Backup backup) {
        return backup == null ? null : toBackup(toTree(backup));
    }
}
