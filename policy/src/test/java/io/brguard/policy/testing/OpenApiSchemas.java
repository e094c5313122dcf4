package io.brguard.policy.testing;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.util.ArrayList;

/** A CRD's openAPIV3Schema as a JSON Schema a validator reads: Kubernetes' extensions, nullable and default dropped. */
public final class OpenApiSchemas {

    private OpenApiSchemas() {
    }

    public static JsonNode asJsonSchema(JsonNode openApiV3Schema) {
        JsonNode copy = openApiV3Schema.deepCopy();
        strip(copy, false);
        return copy;
    }

    /** names: the node is a properties map, whose keys are field names (a field may be called "default"). */
    private static void strip(JsonNode node, boolean names) {
        if (node instanceof ObjectNode o) {
            if (!names) {
                new ArrayList<>(o.propertyNames()).stream()
                        .filter(k -> k.startsWith("x-kubernetes-") || k.equals("nullable") || k.equals("default"))
                        .forEach(o::remove);
            }
            for (String k : new ArrayList<>(o.propertyNames())) {
                strip(o.get(k), !names && (k.equals("properties") || k.equals("patternProperties")));
            }
        } else if (node.isArray()) {
            node.forEach(n -> strip(n, false));
        }
    }
}
