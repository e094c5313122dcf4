package io.brguard.cli.check;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * The files behind what {@code kubectl kustomize} rendered, so that a finding on a rendered object names the file
 * and line a person edits, not a line of the rendered stream. A rendered object is traced to the resource that
 * declares it (same kind, and its name, or its name within a namePrefix/nameSuffix, with the namespace breaking a
 * tie) among the kustomization's {@code resources}, {@code bases} and {@code components}, followed through nested
 * kustomizations; a field is located in the last patch that writes it ({@code patches}, {@code patchesStrategicMerge},
 * {@code patchesJson6902}, as kustomize applies them in that order), else in that resource. An object that cannot be
 * traced (made by a generator or a remote resource, renamed by a patch, or declared alike twice) is named by the
 * kustomization file itself and the report says so: no path that does not exist.
 */
final class KustomizeTrace {
    private static final List<String> KUSTOMIZATION = List.of("kustomization.yaml", "kustomization.yml", "Kustomization");

    /** A patch: what it targets, and where it writes each field. */
    private record Patch(String kind, Pattern name, String namespace, Manifests.Layer layer) {
        boolean targets(String objectKind, String... names) {
            if (kind != null && !kind.equals(objectKind)) {
                return false;
            }
            if (name == null) {
                return true;
            }
            for (String n : names) {
                if (name.matcher(n).matches()) {
                    return true;
                }
            }
            return false;
        }
    }

    private final List<Manifests.Document> resources = new ArrayList<>();
    private final List<Patch> patches = new ArrayList<>();
    private final Set<Path> seen = new HashSet<>();

    private KustomizeTrace() {
    }

    /** The rendered objects of {@code dir}, each named by the file that declares it where it can be traced. */
    static Source trace(Path dir, Manifests.Parsed rendered) {
        KustomizeTrace t = new KustomizeTrace();
        Path kustomization = t.collect(dir);
        List<Manifests.Document> out = new ArrayList<>(rendered.documents().size());
        int untraced = 0;
        for (Manifests.Document d : rendered.documents()) {
            Optional<Manifests.Document> origin = t.origin(d);
            if (origin.isPresent()) {
                String originalName = origin.get().name();
                List<Manifests.Layer> layers = t.patches.stream().filter(p -> p.targets(d.kind(), originalName, d.name()))
                        .map(Patch::layer).toList();
                out.add(d.tracedTo(origin.get(), layers));
            } else {
                untraced++;
                out.add(new Manifests.Document(kustomization.toString(), d.index(), 1, d.tree()));
            }
        }
        Source s = new Source(out, rendered.problems());
        return untraced == 0 ? s : s.withNote(untraced + " object(s) rendered by kubectl kustomize from " + dir
                + " could not be traced to the file that declares them (generated, remote, renamed by a patch or declared "
                + "alike twice): their findings name " + kustomization + " (document = place in the rendered output)");
    }

    /** The resource a rendered object comes from, when exactly one fits. */
    private Optional<Manifests.Document> origin(Manifests.Document rendered) {
        List<Manifests.Document> sameKind = resources.stream().filter(r -> r.kind().equals(rendered.kind())
                && group(r.apiVersion()).equals(group(rendered.apiVersion()))).toList();
        List<Manifests.Document> named = sameKind.stream().filter(r -> r.name().equals(rendered.name())).toList();
        if (named.isEmpty()) {
            // namePrefix and nameSuffix: the longest declared name inside the rendered one
            List<Manifests.Document> inside = sameKind.stream().filter(r -> !r.name().isEmpty() && rendered.name().contains(r.name())).toList();
            int longest = inside.stream().mapToInt(r -> r.name().length()).max().orElse(0);
            named = inside.stream().filter(r -> r.name().length() == longest).toList();
        }
        if (named.size() > 1) {
            List<Manifests.Document> sameNamespace = named.stream().filter(r -> r.declaresNamespace()
                    && r.namespace().equals(rendered.namespace())).toList();
            named = sameNamespace.isEmpty() ? named : sameNamespace;
        }
        return named.size() == 1 ? Optional.of(named.get(0)) : Optional.empty();
    }

    private static String group(String apiVersion) {
        return apiVersion.contains("/") ? apiVersion.substring(0, apiVersion.indexOf('/')) : "";
    }

    /** Reads a kustomization folder's resources and patches, depth first; returns its kustomization file. */
    private Path collect(Path dir) {
        Path kustomization = KUSTOMIZATION.stream().map(dir::resolve).filter(Files::isRegularFile).findFirst()
                .orElse(dir.resolve("kustomization.yaml"));
        if (!seen.add(dir.toAbsolutePath().normalize())) {
            return kustomization;
        }
        String text = read(kustomization);
        if (text == null) {
            return kustomization;
        }
        Manifests.Parsed parsed = Manifests.parse(kustomization.toString(), text);
        if (parsed.documents().isEmpty()) {
            return kustomization;
        }
        Manifests.Document k = parsed.documents().get(0);
        JsonNode tree = k.tree();
        for (String key : List.of("resources", "bases", "components")) {
            for (JsonNode r : tree.path(key)) {
                Path p = dir.resolve(r.asString("")).normalize();
                if (r.asString("").contains("://") || !Files.exists(p)) {
                    continue; // remote: its objects stay untraced
                }
                if (Files.isDirectory(p)) {
                    collect(p);
                } else {
                    String t = read(p);
                    if (t != null) {
                        resources.addAll(Manifests.parse(p.toString(), t).documents());
                    }
                }
            }
        }
        // kustomize applies patchesStrategicMerge, then patches, then (after the namespace, name and label
        // transformers) patchesJson6902: kubernetes-sigs/kustomize api/internal/target/kusttarget_configplugin.go,
        // configureBuiltinTransformers. A field is located in the last of them that writes it.
        int i = 0;
        for (JsonNode p : tree.path("patchesStrategicMerge")) {
            String value = p.asString("");
            if (!value.contains("\n") && Files.isRegularFile(dir.resolve(value))) {
                strategicMerge(dir.resolve(value).normalize(), null);
            } else {
                inline(k, "patchesStrategicMerge[" + i + "]", value, null);
            }
            i++;
        }
        i = 0;
        for (JsonNode p : tree.path("patches")) {
            patch(dir, k, "patches[" + i + "]", p);
            i++;
        }
        i = 0;
        for (JsonNode p : tree.path("patchesJson6902")) {
            patch(dir, k, "patchesJson6902[" + i + "]", p);
            i++;
        }
        return kustomization;
    }

    /** One entry of patches or patchesJson6902: a file or an inline patch, with an optional target. */
    private void patch(Path dir, Manifests.Document k, String at, JsonNode entry) {
        JsonNode target = entry.path("target");
        Patch selector = selector(target);
        if (entry.path("path").isString()) {
            Path file = dir.resolve(entry.path("path").asString()).normalize();
            String text = read(file);
            if (text == null) {
                return;
            }
            JsonNode body = yaml(text);
            if (body != null && body.isArray()) {
                Manifests.Layer ops = path -> json6902(body, path).map(op -> new Manifests.Location(file.toString(),
                        lineOfOp(file.toString(), text, op)));
                add(selector, ops);
            } else {
                strategicMerge(file, selector);
            }
        } else if (entry.path("patch").isString()) {
            inline(k, at + ".patch", entry.path("patch").asString(), selector);
        }
    }

    /** A patch written inside kustomization.yaml: located at its entry there. */
    private void inline(Manifests.Document k, String at, String text, Patch selector) {
        JsonNode body = yaml(text);
        if (body == null) {
            return;
        }
        Manifests.Location where = k.locate(at);
        if (body.isArray()) {
            add(selector, path -> json6902(body, path).map(op -> where));
            return;
        }
        Manifests.Parsed docs = Manifests.parse(k.source(), text);
        for (Manifests.Document d : docs.documents()) {
            Patch p = selector != null ? selector : new Patch(d.kind(), exact(d.name()), null, null);
            add(p, path -> d.lineWritten(path).isPresent() ? Optional.of(where) : Optional.empty());
        }
    }

    /** A strategic-merge patch file: each document patches the object of its kind and name (or the target). */
    private void strategicMerge(Path file, Patch selector) {
        String text = read(file);
        if (text == null) {
            return;
        }
        for (Manifests.Document d : Manifests.parse(file.toString(), text).documents()) {
            Patch p = selector != null ? selector : new Patch(d.kind(), exact(d.name()), null, null);
            add(p, path -> {
                java.util.OptionalInt line = d.lineWritten(path);
                return line.isPresent() ? Optional.of(new Manifests.Location(d.source(), line.getAsInt())) : Optional.empty();
            });
        }
    }

    private void add(Patch selector, Manifests.Layer layer) {
        Patch s = selector == null ? new Patch(null, null, null, null) : selector;
        patches.add(new Patch(s.kind(), s.name(), s.namespace(), layer));
    }

    /** A patch's target: kind and name (a regular expression, as kustomize reads it); selectors are not evaluated. */
    private static Patch selector(JsonNode target) {
        if (!target.isObject()) {
            return null;
        }
        String kind = target.path("kind").asString(null);
        Pattern name = null;
        if (target.path("name").isString()) {
            try {
                name = Pattern.compile(target.path("name").asString());
            } catch (PatternSyntaxException e) {
                name = exact(target.path("name").asString());
            }
        }
        return new Patch(kind, name, target.path("namespace").asString(null), null);
    }

    private static Pattern exact(String name) {
        return Pattern.compile(Pattern.quote(name));
    }

    /** The JSON 6902 operation that writes this field or a parent of it (the last one), if any. */
    private static Optional<JsonNode> json6902(JsonNode ops, String path) {
        String pointer = pointer(path);
        JsonNode found = null;
        for (JsonNode op : ops) {
            String opPath = op.path("path").asString("");
            String verb = op.path("op").asString("");
            boolean writes = verb.equals("add") || verb.equals("replace") || verb.equals("copy") || verb.equals("move");
            if (writes && !opPath.isEmpty() && (pointer.equals(opPath) || pointer.startsWith(opPath + "/"))) {
                found = op;
            }
        }
        return Optional.ofNullable(found);
    }

    /** {@code spec.tableFilter[2]} as the JSON pointer {@code /spec/tableFilter/2}. */
    static String pointer(String path) {
        StringBuilder b = new StringBuilder();
        for (String seg : path.replace("[", ".").replace("]", "").split("\\.")) {
            if (!seg.isEmpty()) {
                b.append('/').append(seg.replace("~", "~0").replace("/", "~1"));
            }
        }
        return b.toString();
    }

    /** The line of an operation in a JSON 6902 patch file: where its path is written. */
    private static int lineOfOp(String source, String text, JsonNode op) {
        Manifests.Parsed list = Manifests.parse(source, "kind: List\nitems:\n" + text.lines()
                .map(l -> "  " + l).reduce((a, b) -> a + "\n" + b).orElse("") + "\n");
        for (Manifests.Document d : list.documents()) {
            if (d.tree().equals(op)) {
                return Math.max(1, d.lineOf("path") - 2); // two lines were put before the file's text
            }
        }
        return 1;
    }

    private static JsonNode yaml(String text) {
        try {
            return Json.YAML.readTree(text);
        } catch (JacksonException e) {
            return null;
        }
    }

    private static String read(Path p) {
        try {
            return Files.readString(p, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return null;
        }
    }
}
