package io.brguard.policy;

import tools.jackson.core.JacksonException;
import tools.jackson.core.TokenStreamLocation;
import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * Reads Kubernetes YAML the way kubectl does: a stream of documents separated by {@code ---}, where a
 * {@code kind: List} (the shape of {@code kubectl get -o yaml}) stands for its items. Pure: it parses text it is
 * given. A broken document is reported with its source, index and line, and the documents after it are still read.
 */
public final class Manifests {
    private static final Pattern SEPARATOR = Pattern.compile("^---(\\s.*)?$");
    private static final Pattern END = Pattern.compile("^\\.\\.\\.\\s*$");

    /** One object read from a source; {@code index} counts documents from 0, {@code line} is 1-based. */
    public record Document(String source, int index, int line, JsonNode tree) {
        /** {@code file#index} as used in every message about this document. */
        public String where() {
            return source + "#" + index + " (line " + line + ")";
        }

        public String kind() {
            return tree.path("kind").asString("");
        }

        public String apiVersion() {
            return tree.path("apiVersion").asString("");
        }

        public String namespace() {
            String ns = tree.path("metadata").path("namespace").asString("");
            return ns.isEmpty() ? "default" : ns;
        }

        public String name() {
            return tree.path("metadata").path("name").asString("");
        }

        public boolean isBackup() {
            return "Backup".equals(kind()) && io.brguard.policy.model.Backup.API_VERSION.equals(apiVersion());
        }
    }

    /** A document that could not be read. */
    public record Problem(String source, int index, int line, String message) {
        @Override
        public String toString() {
            return source + "#" + index + " (line " + line + "): " + message;
        }
    }

    /** Everything read from one source. */
    public record Parsed(List<Document> documents, List<Problem> problems) {
        public Parsed {
            documents = List.copyOf(documents);
            problems = List.copyOf(problems);
        }
    }

    private Manifests() {
    }

    public static Parsed parse(String source, String text) {
        List<Document> docs = new ArrayList<>();
        List<Problem> problems = new ArrayList<>();
        String[] lines = text.split("\r?\n", -1);
        StringBuilder current = new StringBuilder();
        int startLine = 1;
        int index = 0;
        for (int i = 0; i <= lines.length; i++) {
            boolean last = i == lines.length;
            boolean boundary = !last && (SEPARATOR.matcher(lines[i]).matches() || END.matcher(lines[i]).matches());
            if (last || boundary) {
                if (!current.toString().isBlank()) {
                    read(source, index, startLine, current.toString(), docs, problems);
                    index++;
                }
                current.setLength(0);
                startLine = i + 2;
                if (!last && SEPARATOR.matcher(lines[i]).matches() && lines[i].length() > 3
                        && !lines[i].substring(3).isBlank() && !lines[i].substring(3).trim().startsWith("#")) {
                    // "--- foo: bar": content on the separator line belongs to the next document.
                    current.append(lines[i].substring(3)).append('\n');
                    startLine = i + 1;
                }
                continue;
            }
            current.append(lines[i]).append('\n');
        }
        return new Parsed(docs, problems);
    }

    private static void read(String source, int index, int startLine, String text, List<Document> docs,
                             List<Problem> problems) {
        JsonNode tree;
        try {
            tree = Json.YAML.readTree(text);
        } catch (JacksonException e) {
            TokenStreamLocation loc = e.getLocation();
            int line = loc == null || loc.getLineNr() < 1 ? startLine : startLine + loc.getLineNr() - 1;
            problems.add(new Problem(source, index, line, "not valid YAML: " + firstLine(e.getOriginalMessage())));
            return;
        }
        if (tree == null || tree.isNull() || tree.isMissingNode()) {
            return;
        }
        if (!tree.isObject()) {
            problems.add(new Problem(source, index, startLine, "expected a Kubernetes object (a mapping), found "
                    + tree.getNodeType().name().toLowerCase()));
            return;
        }
        if (tree.path("kind").asString("").endsWith("List") && tree.path("items").isArray()) {
            for (JsonNode item : tree.path("items")) {
                if (item.isObject()) {
                    docs.add(new Document(source, index, startLine, item));
                }
            }
            return;
        }
        docs.add(new Document(source, index, startLine, tree));
    }

    /** snakeyaml's message spans lines (context, source excerpts, carets): keep its sentences on one line. */
    private static String firstLine(String s) {
        if (s == null || s.isBlank()) {
            return "unreadable";
        }
        List<String> parts = new ArrayList<>();
        for (String line : s.split("\r?\n")) {
            if (!line.isBlank() && !Character.isWhitespace(line.charAt(0)) && !line.startsWith("at [Source")) {
                parts.add(line.trim());
            }
        }
        return parts.isEmpty() ? s.trim() : String.join("; ", parts);
    }
}
