package io.brguard.policy.rollout;

import com.networknt.schema.Error;
import com.networknt.schema.Schema;
import com.networknt.schema.SchemaRegistry;
import com.networknt.schema.SpecificationVersion;
import io.brguard.policy.Json;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.RuleCatalog;
import tools.jackson.core.JacksonException;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How the policy is rolled out: an enforcement mode for every rule (by rule id, by family, or the default),
 * exemptions by namespace and label selector, and who may use the break-glass annotation. Read from one YAML file
 * (a ConfigMap in the cluster) and checked against its JSON Schema. {@link #DEFAULT} is brguard's behaviour
 * without a file: every rule enforced, nothing exempt, nobody may break the glass.
 */
public record RolloutConfig(PolicyConfig policy, Mode defaultMode, Map<String, Mode> families, Map<String, Mode> rules,
                            List<String> exemptNamespaces, LabelSelector exemptSelector, Set<String> breakGlassUsers,
                            Set<String> breakGlassGroups) {

    /** What a rule's finding does. */
    public enum Mode {
        /** Deny. */
        ENFORCE,
        /** Allow, with the finding as an admission warning and as would-deny in the audit line. */
        WARN,
        /** Not reported. */
        OFF;

        /** The name in the file and the audit line: Enforce, Warn, Off. */
        public String label() {
            return name().charAt(0) + name().substring(1).toLowerCase(Locale.ROOT);
        }

        static Mode of(String label) {
            return valueOf(label.toUpperCase(Locale.ROOT));
        }
    }

    public static final RolloutConfig DEFAULT = new RolloutConfig(PolicyConfig.DEFAULT, Mode.ENFORCE, Map.of(), Map.of(),
            List.of(), LabelSelector.NONE, Set.of(), Set.of());

    public RolloutConfig {
        families = Map.copyOf(families);
        rules = Map.copyOf(rules);
        exemptNamespaces = List.copyOf(exemptNamespaces);
        breakGlassUsers = Set.copyOf(breakGlassUsers);
        breakGlassGroups = Set.copyOf(breakGlassGroups);
    }

    /** The mode of a rule: its own entry, else its family's (the id's first part), else the default. */
    public Mode modeOf(String ruleId) {
        Mode m = rules.get(ruleId);
        if (m != null) {
            return m;
        }
        int dot = ruleId.indexOf('.');
        m = dot < 0 ? null : families.get(ruleId.substring(0, dot));
        return m != null ? m : defaultMode;
    }

    /** A configuration file that cannot be used; the message names the field. */
    public static final class Invalid extends Exception {
        public Invalid(String message) {
            super(message);
        }
    }

    private static final Schema SCHEMA = schema();

    private static Schema schema() {
        try (InputStream in = RolloutConfig.class.getResourceAsStream("policy-config.schema.json")) {
            return SchemaRegistry.withDefaultDialect(SpecificationVersion.DRAFT_2020_12).getSchema(Json.JSON.readTree(in));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Reads and checks a configuration file's text; {@code source} names it in messages. */
    public static RolloutConfig parse(String source, String yaml) throws Invalid {
        JsonNode root;
        try {
            root = Json.YAML.readTree(yaml);
        } catch (JacksonException e) {
            throw new Invalid(source + ": not valid YAML: " + e.getOriginalMessage().lines().findFirst().orElse(""));
        }
        if (root == null || !root.isObject()) {
            throw new Invalid(source + ": expected a PolicyConfig mapping (apiVersion brguard.io/v1alpha1)");
        }
        List<String> problems = new ArrayList<>();
        for (Error e : SCHEMA.validate(root)) {
            // networknt gives a JSON pointer (/enforcement/default) or a path ($.enforcement.default): as dotted names
            String at = e.getInstanceLocation().toString().replaceFirst("^\\$\\.?", "").replaceFirst("^/", "").replace('/', '.');
            problems.add((at.isEmpty() ? "" : at + ": ") + e.getMessage().replaceFirst("^\\$[^:]*: ", ""));
        }
        JsonNode rules = root.path("enforcement").path("rules");
        rules.propertyNames().forEach(id -> {
            if (!RuleCatalog.contains(id)) {
                problems.add("enforcement.rules." + id + ": no such rule (docs/rules.md lists them)");
            }
        });
        if (!problems.isEmpty()) {
            throw new Invalid(source + ": " + String.join("; ", problems.stream().limit(5).toList()));
        }
        JsonNode enforcement = root.path("enforcement");
        Map<String, Mode> families = new LinkedHashMap<>();
        enforcement.path("families").properties().forEach(e -> families.put(e.getKey(), Mode.of(e.getValue().asString())));
        Map<String, Mode> byRule = new LinkedHashMap<>();
        rules.properties().forEach(e -> byRule.put(e.getKey(), Mode.of(e.getValue().asString())));
        List<String> namespaces = new ArrayList<>();
        root.path("exemptions").path("namespaces").forEach(n -> namespaces.add(n.asString()));
        return new RolloutConfig(new PolicyConfig(root.path("pitrGuard").asBoolean(true)),
                Mode.of(enforcement.path("default").asString("Enforce")), families, byRule, namespaces,
                LabelSelector.of(root.path("exemptions").path("selector")), strings(root.path("breakGlass").path("users")),
                strings(root.path("breakGlass").path("groups")));
    }

    private static Set<String> strings(JsonNode list) {
        Set<String> out = new java.util.LinkedHashSet<>();
        list.forEach(n -> out.add(n.asString()));
        return out;
    }
}
