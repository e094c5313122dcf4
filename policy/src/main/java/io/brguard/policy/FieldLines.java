package io.brguard.policy;

import tools.jackson.core.JacksonException;
import tools.jackson.core.JsonParser;
import tools.jackson.core.JsonToken;
import tools.jackson.core.TokenStreamLocation;

import java.util.ArrayList;
import java.util.List;

/**
 * Where fields are written in a YAML (or JSON) text: a streaming pass that descends only along the path asked
 * for, so finding a field costs a read of the text and never builds a tree. Lines are 1-based within the text.
 */
final class FieldLines {

    /** One element of a top-level {@code items} list: its first line, and the text it spans. */
    record Item(int line, String text, boolean flow) {
    }

    private FieldLines() {
    }

    /** {@code spec.tableFilter[2]} as {@code [spec, tableFilter, 2]}; a path that names no field is empty. */
    static List<String> segments(String path) {
        List<String> out = new ArrayList<>();
        StringBuilder cur = new StringBuilder();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '.' || c == '[' || c == ']') {
                if (!cur.isEmpty()) {
                    out.add(cur.toString());
                    cur.setLength(0);
                }
            } else {
                cur.append(c);
            }
        }
        if (!cur.isEmpty()) {
            out.add(cur.toString());
        }
        if (out.size() == 1 && out.get(0).startsWith("(")) {
            return List.of(); // "(object)": the whole object
        }
        return out;
    }

    /**
     * The line of the deepest written prefix of {@code want} (the field itself when it is written), or 0 when not
     * even the first {@code minDepth} segments are: then the caller's own first line is the answer.
     */
    static int find(String text, List<String> want, int minDepth) {
        try (JsonParser p = Json.YAML.createParser(text)) {
            JsonToken t = p.nextToken();
            if (t == null) {
                return 0;
            }
            int[] best = {0, 0}; // depth, line
            String[] segs = new String[want.size()];
            descend(p, t, 0, want, segs, best);
            return best[0] >= minDepth ? best[1] : 0;
        } catch (JacksonException e) {
            return 0;
        }
    }

    private static boolean descend(JsonParser p, JsonToken t, int depth, List<String> want, String[] segs, int[] best) {
        if (depth >= want.size()) {
            return true;
        }
        if (t == JsonToken.START_OBJECT) {
            String name;
            while ((name = p.nextName()) != null) {
                int line = line(p.currentTokenLocation());
                JsonToken v = p.nextToken();
                if (name.equals(want.get(depth))) {
                    record(depth + 1, line, best);
                    if (descend(p, v, depth + 1, want, segs, best)) {
                        return true;
                    }
                } else {
                    p.skipChildren();
                }
            }
        } else if (t == JsonToken.START_ARRAY) {
            int i = 0;
            JsonToken v;
            while ((v = p.nextToken()) != JsonToken.END_ARRAY && v != null) {
                if (String.valueOf(i).equals(want.get(depth))) {
                    record(depth + 1, line(p.currentTokenLocation()), best);
                    if (descend(p, v, depth + 1, want, segs, best)) {
                        return true;
                    }
                } else {
                    p.skipChildren();
                }
                i++;
            }
        }
        return false;
    }

    private static void record(int depth, int line, int[] best) {
        if (depth > best[0]) {
            best[0] = depth;
            best[1] = line;
        }
    }

    private static int line(TokenStreamLocation l) {
        return l == null ? 0 : l.getLineNr();
    }

    /**
     * The elements of a top-level {@code items} list (the shape of {@code kubectl get -o yaml}), each with its own
     * slice of the text, so that finding a field of one item reads that item only. An element written in block
     * style is sliced from the start of its line up to the next element's line, a flow (JSON) one from its brace
     * to its closing brace. Empty when the text holds no such list.
     */
    static List<Item> items(String text) {
        List<Item> out = new ArrayList<>();
        try (JsonParser p = Json.YAML.createParser(text)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return out;
            }
            String name;
            while ((name = p.nextName()) != null) {
                JsonToken v = p.nextToken();
                if (!name.equals("items") || v != JsonToken.START_ARRAY) {
                    p.skipChildren();
                    continue;
                }
                List<long[]> starts = new ArrayList<>(); // char offset, line, flow
                JsonToken e;
                while ((e = p.nextToken()) != JsonToken.END_ARRAY && e != null) {
                    TokenStreamLocation at = p.currentTokenLocation();
                    int offset = (int) at.getCharOffset();
                    boolean flow = offset >= 0 && offset < text.length() && text.charAt(offset) == '{';
                    p.skipChildren();
                    int end = flow ? (int) p.currentTokenLocation().getCharOffset() + 1 : -1;
                    starts.add(new long[] {offset, at.getLineNr(), flow ? 1 : 0, end});
                }
                int arrayEnd = (int) p.currentTokenLocation().getCharOffset();
                for (int i = 0; i < starts.size(); i++) {
                    long[] s = starts.get(i);
                    boolean flow = s[2] == 1;
                    int from = flow ? (int) s[0] : lineStart(text, (int) s[0]);
                    int to = flow ? (int) s[3] : i + 1 < starts.size() ? lineStart(text, (int) starts.get(i + 1)[0])
                            : lineStart(text, Math.max(from, arrayEnd));
                    if (to <= from) {
                        to = text.length();
                    }
                    out.add(new Item((int) s[1], text.substring(from, Math.min(to, text.length())), flow));
                }
                return out;
            }
        } catch (JacksonException | IndexOutOfBoundsException e) {
            return List.of();
        }
        return out;
    }

    private static int lineStart(String text, int offset) {
        int i = Math.min(offset, text.length());
        while (i > 0 && text.charAt(i - 1) != '\n') {
            i--;
        }
        return i;
    }
}
