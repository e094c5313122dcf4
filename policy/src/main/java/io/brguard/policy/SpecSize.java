package io.brguard.policy;

import tools.jackson.databind.JsonNode;

import java.util.Map;

/**
 * How big a spec may be before brguard refuses to judge it: a real Backup spec holds tens of values, while a request
 * can hold a hundred thousand table filters or unknown keys, and every rule's work, and the answer, grow with them.
 * A spec over any bound is denied with one finding (schema.too-large) and nothing else is judged.
 */
public final class SpecSize {
    /** Values (objects, arrays, scalars) in the whole spec. */
    public static final int MAX_NODES = 20_000;
    /** Elements of any one list (tableFilter, br.options, env, ...). */
    public static final int MAX_ARRAY = 2_000;
    /** Fields of any one object. */
    public static final int MAX_FIELDS = 500;
    /** Nesting depth below spec. */
    public static final int MAX_DEPTH = 40;

    private SpecSize() {
    }

    /** The one finding of a spec over a bound, or null. */
    public static Violation check(JsonNode spec) {
        if (spec == null) {
            return null;
        }
        int[] nodes = {0};
        String over = walk(spec, "spec", 0, nodes);
        return over == null ? null : new Violation("schema.too-large", over.substring(0, over.indexOf('|')),
                over.substring(over.indexOf('|') + 1), null, "a Backup spec holds tens of values; split or shorten it");
    }

    /** {@code path|problem} of the first bound broken, or null. */
    private static String walk(JsonNode n, String path, int depth, int[] nodes) {
        if (++nodes[0] > MAX_NODES) {
            return "spec|more than " + MAX_NODES + " values";
        }
        if (depth > MAX_DEPTH) {
            return path + "|nested more than " + MAX_DEPTH + " levels deep";
        }
        if (n.isArray()) {
            if (n.size() > MAX_ARRAY) {
                return path + "|" + n.size() + " entries, more than " + MAX_ARRAY;
            }
            int i = 0;
            for (JsonNode e : n) {
                String over = walk(e, path + "[" + i++ + "]", depth + 1, nodes);
                if (over != null) {
                    return over;
                }
            }
        } else if (n.isObject()) {
            if (n.size() > MAX_FIELDS) {
                return path + "|" + n.size() + " fields, more than " + MAX_FIELDS;
            }
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                String over = walk(e.getValue(), path + "." + e.getKey(), depth + 1, nodes);
                if (over != null) {
                    return over;
                }
            }
        }
        return null;
    }
}
