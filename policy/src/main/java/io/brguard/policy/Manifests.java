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

    /**
     * One object read from a source; {@code index} counts documents from 0, {@code line} is 1-based. It keeps the
     * object as compact JSON and the text it was read from, not a tree: a check of 100,000 files holds every
     * document at once, and a parsed tree is ten times the size. {@link #tree()} builds a fresh tree at each call;
     * {@link #lineOf(String)} finds the line of a field in the text.
     */
    public static final class Document {
        private final String source;
        private final int index;
        private final int line;
        private final int textLine;
        private final byte[] json;
        private final String text;
        private final List<String> base;
        private final String kind;
        private final String apiVersion;
        private final String namespace;
        private final String name;
        private final boolean namespaced;
        private final List<Layer> layers;

        /** A document built from a tree alone (no text to locate fields in: every field is on its first line). */
        public Document(String source, int index, int line, JsonNode tree) {
            this(source, index, line, tree, null, List.of());
        }

        private Document(String source, int index, int line, JsonNode tree, String text, List<String> base) {
            this(source, index, line, tree, text, base, List.of());
        }

        private Document(String source, int index, int line, JsonNode tree, String text, List<String> base, List<Layer> layers) {
            this(source, index, line, line, tree, text, base, layers);
        }

        /** {@code textLine}: the line of the file where {@code text} starts, when it is not the object's own line. */
        private Document(String source, int index, int line, int textLine, JsonNode tree, String text, List<String> base,
                         List<Layer> layers) {
            this.source = source;
            this.index = index;
            this.line = line;
            this.textLine = textLine;
            this.json = Json.JSON.writeValueAsBytes(tree);
            this.text = text;
            this.base = base;
            this.layers = List.copyOf(layers);
            this.kind = tree.path("kind").asString("");
            this.apiVersion = tree.path("apiVersion").asString("");
            String ns = tree.path("metadata").path("namespace").asString("");
            this.namespace = ns.isEmpty() ? "default" : ns;
            this.namespaced = tree.path("metadata").has("namespace");
            this.name = tree.path("metadata").path("name").asString("");
        }

        /**
         * The same document with its files named otherwise (a git ref's files are read from a temporary folder),
         * in its own name and in the locations its layers give.
         */
        public Document renamed(java.util.function.UnaryOperator<String> rename) {
            List<Layer> renamedLayers = layers.stream().<Layer>map(l -> path -> l.locate(path)
                    .map(at -> new Location(rename.apply(at.source()), at.line()))).toList();
            return new Document(rename.apply(source), index, line, textLine, tree(), text, base, renamedLayers);
        }

        /** The same document with this tree (a namespace filled in), keeping the text its lines come from. */
        public Document withTree(JsonNode tree) {
            return new Document(source, index, line, textLine, tree, text, base, layers);
        }

        /**
         * The object written at {@code path} inside this one (an object inline in a test file), as a document of
         * its own: named by this file, at the line where it is written, its fields found in this text.
         */
        public java.util.Optional<Document> inner(String path) {
            JsonNode node = tree();
            for (String seg : FieldLines.segments(path)) {
                node = node.isArray() ? node.path(Integer.parseInt(seg)) : node.path(seg);
            }
            if (!node.isObject()) {
                return java.util.Optional.empty();
            }
            List<String> innerBase = new ArrayList<>(base);
            innerBase.addAll(FieldLines.segments(path));
            return java.util.Optional.of(new Document(source, index, lineOf(path), textLine, node, text, innerBase, List.of()));
        }

        /**
         * This object (its tree, say as kustomize rendered it) named and located by the document it was written as:
         * {@code origin}'s file, index and text; {@code layers} (patches applied over it, in order) are asked first
         * where a field is written, the last one first.
         */
        public Document tracedTo(Document origin, List<Layer> layers) {
            return new Document(origin.source, origin.index, origin.line, origin.textLine, tree(), origin.text, origin.base, layers);
        }

        public String source() {
            return source;
        }

        public int index() {
            return index;
        }

        public int line() {
            return line;
        }

        /** The object, as a new mutable tree at each call. */
        public JsonNode tree() {
            return Json.JSON.readTree(json);
        }

        /** {@code file#index} as used in every message about this document. */
        public String where() {
            return source + "#" + index + " (line " + line + ")";
        }

        public String kind() {
            return kind;
        }

        public String apiVersion() {
            return apiVersion;
        }

        public String namespace() {
            return namespace;
        }

        public String name() {
            return name;
        }

        /** Whether metadata.namespace is written (namespace() falls back to default otherwise). */
        public boolean declaresNamespace() {
            return namespaced;
        }

        public boolean isBackup() {
            return "Backup".equals(kind()) && io.brguard.policy.model.Backup.API_VERSION.equals(apiVersion());
        }

        /** The kind brguard judges this document as: br.pingcap.com/v1alpha1 and a kind of {@link Kinds}. */
        public java.util.Optional<KindPolicy<?>> judgedKind() {
            return io.brguard.policy.model.Backup.API_VERSION.equals(apiVersion()) ? Kinds.named(kind())
                    : java.util.Optional.empty();
        }

        /**
         * The line of a field, by its path as messages name it ({@code spec.azblob.prefix}, {@code
         * spec.tableFilter[2]}, {@code metadata.name}): where the field's name is written, or where its closest
         * written parent is when the field itself is missing. The document's first line without text to look in.
         */
        public int lineOf(String path) {
            if (text == null) {
                return line;
            }
            List<String> want = new ArrayList<>(base);
            want.addAll(FieldLines.segments(path));
            int found = FieldLines.find(text, want, base.size());
            return found < 1 ? line : textLine + found - 1;
        }

        /** The line of this very field in the text, when the text writes it (not only a parent of it). */
        public java.util.OptionalInt lineWritten(String path) {
            if (text == null) {
                return java.util.OptionalInt.empty();
            }
            List<String> want = new ArrayList<>(base);
            want.addAll(FieldLines.segments(path));
            int found = FieldLines.find(text, want, want.size());
            return found < 1 ? java.util.OptionalInt.empty() : java.util.OptionalInt.of(textLine + found - 1);
        }

        /**
         * Where a field is written: the last layer that writes it, else this document's own file at {@link
         * #lineOf(String)}.
         */
        public Location locate(String path) {
            for (int i = layers.size() - 1; i >= 0; i--) {
                java.util.Optional<Location> at = layers.get(i).locate(path);
                if (at.isPresent()) {
                    return at.get();
                }
            }
            return new Location(source, lineOf(path));
        }

        @Override
        public String toString() {
            return where();
        }
    }

    /** A file and a 1-based line in it. */
    public record Location(String source, int line) {
    }

    /** Something written over a document (a kustomize patch) that may set some of its fields. */
    @FunctionalInterface
    public interface Layer {
        /** Where this layer writes the field, or empty when it does not write it. */
        java.util.Optional<Location> locate(String path);
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
            boolean boundary = !last && (separator(lines[i]) || end(lines[i]));
            if (last || boundary) {
                if (!current.toString().isBlank()) {
                    read(source, index, startLine, current.toString(), docs, problems);
                    index++;
                }
                current.setLength(0);
                startLine = i + 2;
                if (!last && separator(lines[i]) && lines[i].length() > 3
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

    /** A document separator line; most lines are not, and are told apart by their first character. */
    private static boolean separator(String line) {
        return line.startsWith("---") && SEPARATOR.matcher(line).matches();
    }

    private static boolean end(String line) {
        return line.startsWith("...") && END.matcher(line).matches();
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
            // Each item keeps its own slice of the text (one pass finds them all), so that a field of one item
            // of a 100,000-item `kubectl get -o yaml` is found by reading that item only.
            List<FieldLines.Item> slices = FieldLines.items(text);
            boolean sliced = slices.size() == tree.path("items").size();
            int i = 0;
            for (JsonNode item : tree.path("items")) {
                if (item.isObject()) {
                    docs.add(sliced
                            ? new Document(source, index, startLine + slices.get(i).line() - 1, item,
                            slices.get(i).text(), slices.get(i).flow() ? List.of() : List.of("0"))
                            : new Document(source, index, startLine, item, text, List.of("items", String.valueOf(i))));
                }
                i++;
            }
            return;
        }
        docs.add(new Document(source, index, startLine, tree, text, List.of()));
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
