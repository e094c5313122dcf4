package io.brguard.policy;

import tools.jackson.databind.JsonNode;

/** One RFC 6902 JSON Patch operation ({@code add} or {@code remove}). */
@com.fasterxml.jackson.annotation.JsonInclude(com.fasterxml.jackson.annotation.JsonInclude.Include.NON_NULL)
public record PatchOp(String op, String path, JsonNode value) {

    public static PatchOp add(String path, JsonNode value) {
        return new PatchOp("add", path, value);
    }

    public static PatchOp remove(String path) {
        return new PatchOp("remove", path, null);
    }

    /** Escapes one JSON Pointer token ({@code ~} and {@code /}), e.g. for label keys. */
    public static String escape(String token) {
        return token.replace("~", "~0").replace("/", "~1");
    }
}
