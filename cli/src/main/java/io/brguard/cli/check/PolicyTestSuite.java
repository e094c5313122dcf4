package io.brguard.cli.check;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.RuleCatalog;
import io.brguard.policy.rollout.RolloutConfig;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * A file of expected verdicts a team keeps beside its policy configuration ({@code apiVersion: brguard.io/v1alpha1},
 * {@code kind: PolicyTest}), read by {@code brguard test}. Its shape follows what the other admission policy tools
 * ask of theirs: Gatekeeper's {@code gator verify} Suite (open-policy-agent/gatekeeper website/docs/gator.md: a
 * file of cases, each an object and whether it passes, paths relative to the file and never absolute, files of
 * other kinds in a folder skipped) and Kyverno's {@code kyverno test} (kyverno.io docs, kyverno-cli usage/test:
 * expected results per rule and resource). Here a case is one Backup or BackupSchedule, optionally its old
 * version (with a status: the live object; without one the status is assumed as {@code brguard check} assumes it)
 * and the cluster's objects, and the expectation is the verdict and, optionally, rule ids that must or must not
 * appear. Unknown keys and unknown rule ids are errors: a misspelt expectation must not pass for ever.
 */
final class PolicyTestSuite {
    static final String API_VERSION = "brguard.io/v1alpha1";
    static final String KIND = "PolicyTest";

    private static final Set<String> SUITE_KEYS = Set.of("apiVersion", "kind", "metadata", "config", "objects", "namespace", "cases");
    private static final Set<String> CASE_KEYS = Set.of("name", "object", "old", "objects", "namespace", "expect");
    private static final Set<String> EXPECT_KEYS = Set.of("allowed", "denies", "warns", "notChecked", "absent");

    /** What a case expects. */
    record Expect(boolean allowed, List<String> denies, List<String> warns, List<String> notChecked, List<String> absent) {
    }

    /** One case: the object, its old version (or null), the cluster's objects, and the expectation. */
    record Case(String name, int line, Manifests.Document object, Manifests.Document old, List<Manifests.Document> objects,
                boolean objectsGiven, String namespace, Expect expect) {
    }

    /** A read suite: its cases and the policy configuration they hold for (DEFAULT without one). */
    record Suite(Path file, RolloutConfig config, boolean configGiven, List<Case> cases) {
    }

    private final Path file;
    private final Path dir;
    private final List<String> errors = new ArrayList<>();

    private PolicyTestSuite(Path file) {
        this.file = file;
        this.dir = file.toAbsolutePath().getParent();
    }

    /** Whether a YAML document is a PolicyTest; a folder's other files are skipped, as gator skips them. */
    static boolean isSuite(Manifests.Document d) {
        return d.kind().equals(KIND) && d.apiVersion().equals(API_VERSION);
    }

    /**
     * Reads the suites of one file (one per document); what is wrong with them goes to {@code errors}, each naming
     * the file and line.
     */
    static List<Suite> read(Path file, List<String> errors) {
        String text;
        try {
            text = Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            errors.add(file + ": cannot read: " + e.getMessage());
            return List.of();
        }
        Manifests.Parsed parsed = Manifests.parse(file.toString(), text);
        parsed.problems().forEach(p -> errors.add(p.toString()));
        List<Suite> out = new ArrayList<>();
        for (Manifests.Document d : parsed.documents()) {
            if (!isSuite(d)) {
                continue;
            }
            PolicyTestSuite reader = new PolicyTestSuite(file);
            Suite s = reader.suite(d);
            errors.addAll(reader.errors);
            if (reader.errors.isEmpty()) {
                out.add(s);
            }
        }
        return out;
    }

    private void error(Manifests.Document d, String path, String message) {
        errors.add(file + ":" + d.lineOf(path) + ": " + (path.isEmpty() ? "" : path + ": ") + message);
    }

    private Suite suite(Manifests.Document d) {
        JsonNode root = d.tree();
        unknownKeys(d, root, "", SUITE_KEYS);
        RolloutConfig config = RolloutConfig.DEFAULT;
        boolean configGiven = root.has("config");
        if (configGiven) {
            config = config(d, root.path("config"));
        }
        List<Manifests.Document> objects = root.has("objects") ? objects(d, "objects", root.path("objects")) : List.of();
        String namespace = string(d, "namespace", root.path("namespace"));
        List<Case> cases = new ArrayList<>();
        if (!root.path("cases").isArray() || root.path("cases").isEmpty()) {
            error(d, "cases", "a PolicyTest needs a list of cases");
        } else {
            for (int i = 0; i < root.path("cases").size(); i++) {
                Case c = testCase(d, "cases[" + i + "]", root.path("cases").get(i), objects, root.has("objects"), namespace);
                if (c != null) {
                    cases.add(c);
                }
            }
        }
        return new Suite(file, config, configGiven, cases);
    }

    private Case testCase(Manifests.Document d, String at, JsonNode c, List<Manifests.Document> suiteObjects,
                          boolean suiteObjectsGiven, String suiteNamespace) {
        if (!c.isObject()) {
            error(d, at, "a case is a mapping with name, object and expect");
            return null;
        }
        unknownKeys(d, c, at, CASE_KEYS);
        String name = c.path("name").asString("");
        if (name.isBlank()) {
            error(d, at, "name: every case needs a name");
        }
        Manifests.Document object = judged(d, at + ".object", c.path("object"), true);
        Manifests.Document old = c.has("old") ? judged(d, at + ".old", c.path("old"), false) : null;
        List<Manifests.Document> objects = new ArrayList<>(suiteObjects);
        if (c.has("objects")) {
            objects.addAll(objects(d, at + ".objects", c.path("objects")));
        }
        String namespace = c.has("namespace") ? string(d, at + ".namespace", c.path("namespace")) : suiteNamespace;
        Expect expect = expect(d, at + ".expect", c.path("expect"));
        if (object == null || expect == null || name.isBlank()) {
            return null;
        }
        return new Case(name, d.lineOf(at), object, old, objects, suiteObjectsGiven || c.has("objects"), namespace, expect);
    }

    /** The one Backup or BackupSchedule of a file named relative to the suite, or written inline. */
    private Manifests.Document judged(Manifests.Document d, String at, JsonNode value, boolean required) {
        if (value.isMissingNode() || value.isNull()) {
            if (required) {
                error(d, at, "required: a file (relative to this one) or the object written inline");
            }
            return null;
        }
        List<Manifests.Document> docs;
        if (value.isString()) {
            Path p = resolve(d, at, value.asString());
            if (p == null) {
                return null;
            }
            if (!Files.isRegularFile(p)) {
                error(d, at, value.asString() + ": no such file");
                return null;
            }
            Source s = Inputs.file(p);
            s.problems().forEach(pr -> errors.add(pr.toString()));
            docs = s.documents();
        } else if (value.isObject()) {
            docs = d.inner(at).stream().toList();
        } else {
            error(d, at, "a file name or an object, not " + value.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            return null;
        }
        List<Manifests.Document> judged = docs.stream().filter(x -> x.judgedKind().isPresent()).toList();
        if (judged.size() != 1) {
            error(d, at, "holds " + judged.size() + " br.pingcap.com/v1alpha1 Backup or BackupSchedule objects; a case judges exactly one");
            return null;
        }
        return judged.get(0);
    }

    /** The cluster's objects: files or folders relative to the suite, or objects written inline. */
    private List<Manifests.Document> objects(Manifests.Document d, String at, JsonNode list) {
        List<Manifests.Document> out = new ArrayList<>();
        if (!list.isArray()) {
            error(d, at, "a list of files, folders or objects");
            return out;
        }
        for (int i = 0; i < list.size(); i++) {
            JsonNode e = list.get(i);
            String here = at + "[" + i + "]";
            if (e.isString()) {
                Path p = resolve(d, here, e.asString());
                if (p == null) {
                    continue;
                }
                if (!Files.exists(p)) {
                    error(d, here, e.asString() + ": no such file or folder");
                    continue;
                }
                Source s = new Inputs(false).read(List.of(p));
                s.problems().forEach(pr -> errors.add(pr.toString()));
                out.addAll(s.documents());
            } else if (e.isObject()) {
                d.inner(here).ifPresent(out::add);
            } else {
                error(d, here, "a file name or an object");
            }
        }
        return out;
    }

    /** The webhook's policy configuration: a PolicyConfig file, or the ConfigMap that holds one as policy.yaml. */
    private RolloutConfig config(Manifests.Document d, JsonNode value) {
        if (!value.isString()) {
            error(d, "config", "the file of the policy configuration, relative to this one");
            return RolloutConfig.DEFAULT;
        }
        Path p = resolve(d, "config", value.asString());
        if (p == null) {
            return RolloutConfig.DEFAULT;
        }
        try {
            String text = Files.readString(p, StandardCharsets.UTF_8);
            JsonNode tree = Json.YAML.readTree(text);
            if (tree != null && "ConfigMap".equals(tree.path("kind").asString("")) && tree.path("data").path("policy.yaml").isString()) {
                text = tree.path("data").path("policy.yaml").asString();
            }
            return RolloutConfig.parse(p.toString(), text);
        } catch (IOException e) {
            error(d, "config", value.asString() + ": cannot read (" + e.getMessage() + ")");
        } catch (RolloutConfig.Invalid | tools.jackson.core.JacksonException e) {
            error(d, "config", e.getMessage());
        }
        return RolloutConfig.DEFAULT;
    }

    private Expect expect(Manifests.Document d, String at, JsonNode e) {
        if (!e.isObject()) {
            error(d, at, "required: at least allowed: true or false");
            return null;
        }
        unknownKeys(d, e, at, EXPECT_KEYS);
        if (!e.path("allowed").isBoolean()) {
            error(d, at + ".allowed", "required: true or false");
            return null;
        }
        return new Expect(e.path("allowed").asBoolean(), rules(d, at + ".denies", e.path("denies")),
                rules(d, at + ".warns", e.path("warns")), rules(d, at + ".notChecked", e.path("notChecked")),
                rules(d, at + ".absent", e.path("absent")));
    }

    /** Rule ids brguard can report: docs/rules.md's, and the rollout's own warning. */
    static final Set<String> KNOWN_RULES;

    static {
        Set<String> known = new TreeSet<>(RuleCatalog.entries().keySet());
        known.add("rollout.break-glass-refused");
        KNOWN_RULES = Set.copyOf(known);
    }

    private List<String> rules(Manifests.Document d, String at, JsonNode list) {
        if (list.isMissingNode()) {
            return List.of();
        }
        if (!list.isArray()) {
            error(d, at, "a list of rule ids");
            return List.of();
        }
        List<String> out = new ArrayList<>();
        for (JsonNode r : list) {
            String id = r.asString("");
            if (!KNOWN_RULES.contains(id)) {
                error(d, at, "unknown rule id " + (id.isEmpty() ? r.toString() : id) + " (docs/rules.md lists them)");
            } else {
                out.add(id);
            }
        }
        return out;
    }

    private String string(Manifests.Document d, String at, JsonNode value) {
        if (value.isMissingNode() || value.isNull()) {
            return null;
        }
        if (!value.isString() || !Namespaces.isName(value.asString())) {
            error(d, at, "a namespace name (a DNS-1123 label), not " + value);
            return null;
        }
        return value.asString();
    }

    private void unknownKeys(Manifests.Document d, JsonNode node, String at, Set<String> allowed) {
        for (String key : node.propertyNames()) {
            if (!allowed.contains(key)) {
                error(d, at.isEmpty() ? key : at + "." + key, "unknown key; known: " + String.join(", ", new TreeSet<>(allowed)));
            }
        }
    }

    /** A path relative to the suite file; absolute paths are refused so that the folder can move (as gator does). */
    private Path resolve(Manifests.Document d, String at, String value) {
        Path p = Path.of(value);
        if (p.isAbsolute()) {
            error(d, at, value + ": paths are relative to this file, never absolute");
            return null;
        }
        Path resolved = dir.resolve(p).normalize();
        Path cwd = Path.of("").toAbsolutePath();
        return resolved.startsWith(cwd) ? cwd.relativize(resolved) : resolved;
    }
}
