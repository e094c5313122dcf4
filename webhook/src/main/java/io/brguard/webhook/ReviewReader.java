package io.brguard.webhook;

import io.brguard.policy.KindPolicy;
import io.brguard.policy.Kinds;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Reads an AdmissionReview into a tree that holds only what the handler and the policy read, and skips the rest
 * token by token without building it: managedFields, annotations (with the last-applied configuration, a second
 * copy of the object), the new object's status, the old object's conditions, and request fields such as
 * {@code options}. On a real API server's request these are often most of the bytes.
 * <p>
 * What is kept is listed in {@link #REVIEW}. A kept field is read exactly as {@code readTree} reads it; a kept
 * container that is not a JSON object (a malformed request) is kept whole, so the handler sees and reports it as
 * before. When the body is not a JSON object or not JSON at all, the full reader's answer (its tree or its error)
 * is returned, so bad input is described exactly as before.
 */
final class ReviewReader {

    /** Which fields of an object to keep: a field mapped to {@link #WHOLE} is kept whole, others are selected. */
    private record Select(Map<String, Select> fields) {
    }

    private static final Select WHOLE = new Select(Map.of());

    /** The new object: everything a rule, the defaulting and the audit line read. */
    private static final Select OBJECT = new Select(Map.of(
            "apiVersion", WHOLE, "kind", WHOLE, "spec", WHOLE,
            "metadata", new Select(Map.of("name", WHOLE, "namespace", WHOLE, "labels", WHOLE,
                    "annotations", new Select(Map.of(io.brguard.policy.rollout.Enforcement.BREAK_GLASS, WHOLE))))));

    /** The old object: what the rules of every kind read of it (KindPolicy.oldFields), and nothing else. */
    private static final Select OLD_OBJECT = oldObject();

    private static final Select REVIEW = new Select(Map.of(
            "apiVersion", WHOLE, "kind", WHOLE,
            "request", new Select(Map.ofEntries(
                    Map.entry("uid", WHOLE), Map.entry("kind", WHOLE), Map.entry("operation", WHOLE),
                    Map.entry("name", WHOLE), Map.entry("namespace", WHOLE), Map.entry("userInfo", WHOLE),
                    Map.entry("dryRun", WHOLE), Map.entry("object", OBJECT), Map.entry("oldObject", OLD_OBJECT)))));

    /** WIRE for one value in the middle of the review: what follows the value is the review's, not trailing. */
    private static final ObjectMapper VALUE = AdmissionHandler.WIRE.rebuild()
            .disable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .build();

    private static final JsonNodeFactory NODES = AdmissionHandler.WIRE.getNodeFactory();

    /**
     * Values the reader builds per review at most. A real review keeps a few hundred (managedFields and annotations
     * are skipped unbuilt); past the budget the rest of the review is skipped, still read for its uid, and the
     * request is marked {@link #TOO_LARGE}, so a review of a hundred thousand table filters costs a bounded tree.
     */
    static final int MAX_VALUES = 60_000;
    /** Set on the request of a review whose kept values passed {@link #MAX_VALUES}. */
    static final String TOO_LARGE = "brguard.io/too-large";

    /** Values built so far in one review. */
    private static final class Budget {
        int values;
        boolean exceeded;

        boolean spend() {
            if (++values > MAX_VALUES) {
                exceeded = true;
            }
            return !exceeded;
        }
    }

    private ReviewReader() {
    }

    private static Select oldObject() {
        java.util.Set<String> top = new java.util.LinkedHashSet<>();
        java.util.Set<String> metadata = new java.util.LinkedHashSet<>();
        java.util.Set<String> status = new java.util.LinkedHashSet<>();
        for (KindPolicy<?> kind : Kinds.ALL) {
            top.addAll(kind.oldFields().top());
            metadata.addAll(kind.oldFields().metadata());
            status.addAll(kind.oldFields().status());
        }
        // The rollout reads them too: on UPDATE a label exemption holds only when the old object matched it as well
        // (Enforcement), so that the update adding the label is not exempt by it.
        metadata.add("labels");
        Map<String, Select> fields = new HashMap<>(whole(List.copyOf(top)).fields());
        fields.put("metadata", whole(List.copyOf(metadata)));
        fields.put("status", whole(List.copyOf(status)));
        return new Select(Map.copyOf(fields));
    }

    /** Keeps each of the fields whole. */
    private static Select whole(List<String> fields) {
        Map<String, Select> kept = new HashMap<>();
        fields.forEach(f -> kept.put(f, WHOLE));
        return new Select(Map.copyOf(kept));
    }

    /** The review's tree with only the kept fields; see the class comment for bad input. */
    static JsonNode read(byte[] body) {
        try (JsonParser p = AdmissionHandler.WIRE.createParser(body)) {
            if (p.nextToken() == JsonToken.START_OBJECT) {
                Budget budget = new Budget();
                ObjectNode review = select(p, REVIEW, budget);
                if (p.nextToken() == null) {
                    if (budget.exceeded && review.get("request") instanceof ObjectNode request) {
                        request.put(TOO_LARGE, true);
                    }
                    return review;
                }
            }
        } catch (RuntimeException e) { // JacksonException, or a token this reader did not expect
            // fall through: the full reader decides, and gives the error message (and the position) the client sees
        }
        return AdmissionHandler.WIRE.readTree(body);
    }

    /** With the parser on START_OBJECT: the object with the selected fields, the parser left on its END_OBJECT. */
    private static ObjectNode select(JsonParser p, Select select, Budget budget) {
        ObjectNode node = NODES.objectNode();
        String name;
        while ((name = p.nextName()) != null) {
            Select field = select.fields().get(name);
            JsonToken value = p.nextToken();
            if (field == null) {
                p.skipChildren();
            } else if (field != WHOLE && value == JsonToken.START_OBJECT) {
                node.set(name, select(p, field, budget));
            } else if (!value.isStructStart()) {
                node.set(name, scalar(p, value)); // uid, operation, ...: kept past the budget, one value each
            } else {
                JsonNode v = value(p, value, budget);
                if (v != null) {
                    node.set(name, v);
                }
            }
        }
        return node;
    }

    /*
     * The value under the parser, built as readTree builds it, or null (skipped) once the budget is spent. A mapper call per value (a context, a trailing-token
     * check) cost more than the skipping saved, so containers, strings, booleans and null are built here; numbers,
     * whose node type depends on the mapper's settings, are left to the mapper.
     */
    private static JsonNode value(JsonParser p, JsonToken token, Budget budget) {
        if (!budget.spend()) {
            p.skipChildren(); // past the budget: read on for the uid, build nothing
            return null;
        }
        switch (token) {
            case START_OBJECT -> {
                ObjectNode node = NODES.objectNode();
                String name;
                while ((name = p.nextName()) != null) {
                    JsonNode v = value(p, p.nextToken(), budget);
                    if (v != null) {
                        node.set(name, v);
                    }
                }
                return node;
            }
            case START_ARRAY -> {
                ArrayNode node = NODES.arrayNode();
                JsonToken t;
                while ((t = p.nextToken()) != JsonToken.END_ARRAY) {
                    JsonNode v = value(p, t, budget);
                    if (v != null) {
                        node.add(v);
                    }
                }
                return node;
            }
            default -> {
                return scalar(p, token);
            }
        }
    }

    private static JsonNode scalar(JsonParser p, JsonToken token) {
        switch (token) {
            case VALUE_STRING -> {
                return NODES.stringNode(p.getString());
            }
            case VALUE_TRUE, VALUE_FALSE -> {
                return NODES.booleanNode(token == JsonToken.VALUE_TRUE);
            }
            case VALUE_NULL -> {
                return NODES.nullNode();
            }
            default -> {
                return VALUE.readTree(p);
            }
        }
    }
}
