package io.brguard.cli;

import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.brguard.policy.Manifests;
import io.brguard.policy.testing.OpenApiSchemas;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * An object checked against a CustomResourceDefinition as the API server checks it: the group, version and kind
 * it serves, then the version's openAPIV3Schema (types, enums, patterns, required fields, by networknt with the
 * x-kubernetes-* and nullable keywords taken out) and no field the schema does not declare. The API server prunes
 * an undeclared field without a word (a structural schema's pruning), so a misspelt key is lost rather than
 * refused; here it is an error.
 */
final class CrdSchema {
    private final String group;
    private final String kind;
    private final JsonNode versions;

    private CrdSchema(JsonNode crd) {
        this.group = crd.path("spec").path("group").asString();
        this.kind = crd.path("spec").path("names").path("kind").asString();
        this.versions = crd.path("spec").path("versions");
    }

    /** A CRD from the test classpath (a YAML file whose only document is the CRD). */
    static CrdSchema load(String resource) {
        try (InputStream in = CrdSchema.class.getResourceAsStream(resource)) {
            if (in == null) {
                throw new IllegalArgumentException("no " + resource + " on the test classpath");
            }
            Manifests.Parsed parsed = Manifests.parse(resource, new String(in.readAllBytes(), StandardCharsets.UTF_8));
            if (!parsed.problems().isEmpty() || parsed.documents().size() != 1) {
                throw new IllegalStateException(resource + ": " + parsed.problems());
            }
            return new CrdSchema(parsed.documents().get(0).tree());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A CRD already read (a manifest of the repository). */
    static CrdSchema of(JsonNode crd) {
        return new CrdSchema(crd);
    }

    String kind() {
        return kind;
    }

    List<String> problems(JsonNode object) {
        List<String> out = new ArrayList<>();
        String where = object.path("kind").asString() + "/" + object.path("metadata").path("name").asString();
        if (!kind.equals(object.path("kind").asString())) {
            out.add(where + ": not a " + kind);
            return out;
        }
        JsonNode version = null;
        for (JsonNode v : versions) {
            if ((group + "/" + v.path("name").asString()).equals(object.path("apiVersion").asString()) && v.path("served").asBoolean()) {
                version = v;
            }
        }
        if (version == null) {
            out.add(where + ": " + object.path("apiVersion").asString() + " is not a served version of " + kind);
            return out;
        }
        JsonNode schema = version.path("schema").path("openAPIV3Schema");
        Schema json = SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(OpenApiSchemas.asJsonSchema(schema));
        json.validate(object).forEach(e -> out.add(where + ": " + e.getMessage()));
        undeclared(where, schema, object, out);
        return out;
    }

    /** Fields the schema does not declare, where it declares its properties and keeps no unknown ones. */
    private static void undeclared(String path, JsonNode schema, JsonNode value, List<String> out) {
        if (value.isObject()) {
            JsonNode props = schema.path("properties");
            boolean open = schema.path("x-kubernetes-preserve-unknown-fields").asBoolean(false) || schema.has("additionalProperties");
            for (var e : value.properties()) {
                JsonNode declared = props.path(e.getKey());
                if (declared.isMissingNode()) {
                    if (!open && props.isObject()) {
                        out.add(path + "." + e.getKey() + ": not declared by the schema");
                    } else if (schema.path("additionalProperties").isObject()) {
                        undeclared(path + "." + e.getKey(), schema.path("additionalProperties"), e.getValue(), out);
                    }
                } else {
                    undeclared(path + "." + e.getKey(), declared, e.getValue(), out);
                }
            }
        } else if (value.isArray() && schema.has("items")) {
            int i = 0;
            for (JsonNode item : value) {
                undeclared(path + "[" + i++ + "]", schema.path("items"), item, out);
            }
        }
    }
}
