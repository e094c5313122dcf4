package io.brguard.policy.testing;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** JSON as Go hands an unstructured object to CEL: maps, lists, strings, int64, float64 and bools. */
public final class CelJson {

    /** What a JSON null becomes. */
    public enum Nulls {
        /** Dropped from its map, as the API server's pruning leaves a CRD object before its x-kubernetes-validations. */
        ABSENT,
        /** CEL's null, as Flux's health expressions see a null field. */
        NULL
    }

    private CelJson() {
    }

    public static Object plain(JsonNode n, Nulls nulls) {
        if (n.isObject()) {
            Map<String, Object> m = new LinkedHashMap<>();
            n.properties().forEach(e -> {
                if (!e.getValue().isNull() || nulls == Nulls.NULL) {
                    m.put(e.getKey(), plain(e.getValue(), nulls));
                }
            });
            return m;
        }
        if (n.isArray()) {
            List<Object> l = new ArrayList<>();
            n.forEach(v -> l.add(plain(v, nulls)));
            return l;
        }
        if (n.isIntegralNumber()) {
            return n.asLong();
        }
        if (n.isNumber()) {
            return n.asDouble();
        }
        if (n.isBoolean()) {
            return n.asBoolean();
        }
        if (n.isNull()) {
            return dev.cel.common.values.NullValue.NULL_VALUE;
        }
        return n.asString();
    }
}
