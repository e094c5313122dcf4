package io.brguard.policy;

import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.MissingNode;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/** The field paths (e.g. {@code spec.azblob.prefix}) whose values differ between two spec trees. */
public final class SpecDiff {

    private SpecDiff() {
    }

    public static List<String> changedPaths(JsonNode oldSpec, JsonNode newSpec) {
        List<String> out = new ArrayList<>();
        walk("spec", oldSpec == null ? MissingNode.getInstance() : oldSpec,
                newSpec == null ? MissingNode.getInstance() : newSpec, out);
        return out;
    }

    private static void walk(String path, JsonNode a, JsonNode b, List<String> out) {
        if (Json.sameMeaning(a, b)) {
            return;
        }
        if (a.isObject() && b.isObject()) {
            Set<String> names = new LinkedHashSet<>(a.propertyNames());
            names.addAll(b.propertyNames());
            for (String n : names) {
                walk(path + "." + n, a.path(n), b.path(n), out);
            }
        } else {
            out.add(path);
        }
    }
}
