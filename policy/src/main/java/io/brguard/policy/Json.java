package io.brguard.policy;

import io.brguard.policy.model.Backup;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.MapperFeature;
import tools.jackson.databind.SerializationFeature;
import tools.jackson.databind.json.JsonMapper;
import tools.jackson.databind.node.ObjectNode;
import tools.jackson.dataformat.yaml.YAMLMapper;
import tools.jackson.dataformat.yaml.YAMLWriteFeature;

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

    /** Binds a tree to a Backup; the tree is not changed. */
    public static Backup toBackup(JsonNode node) {
        return JSON.treeToValue(node, Backup.class);
    }

    /** The Backup as a JSON tree, without nulls. */
    public static ObjectNode toTree(Backup backup) {
        return JSON.valueToTree(backup);
    }

    /** A deep copy made through the tree, so the original stays untouched. */
    public static Backup copy(Backup backup) {
        return backup == null ? null : toBackup(toTree(backup));
    }
}
