package io.brguard.policy.testing;

import io.brguard.policy.Lookups;
import io.brguard.policy.Manifests;
import io.brguard.policy.Operation;
import io.brguard.policy.Policy;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.Verdict;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The policy's table of cases (policy/src/test/resources/cases), loaded for PolicyCasesTest and for tests in other
 * modules that must decide the same as the policy on the same inputs. A case builds its old and new objects as
 * merge patches over a seed example ({@code $file} picks another one).
 */
public final class PolicyCases {
    private PolicyCases() {
    }

    public record Case(String file, String name, Operation op, JsonNode oldObject, JsonNode newObject,
                       Lookups lookups, PolicyConfig config, JsonNode expect) {
        public Verdict decide() {
            return new Policy(config).decide(op, oldObject, newObject, lookups);
        }
    }

    /** Every case of every file, in file order. */
    public static List<Case> all() {
        return load();
    }

    private static List<Case> load() {
        try {
            Path dir = Fixtures.root().resolve("policy/src/test/resources/cases");
            List<Case> out = new ArrayList<>();
            try (Stream<Path> files = Files.list(dir)) {
                for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                    Manifests.Parsed parsed = Manifests.parse(f.getFileName().toString(), Files.readString(f));
                    if (!parsed.problems().isEmpty()) {
                        throw new IllegalStateException("bad case file: " + parsed.problems());
                    }
                    out.addAll(load(f.getFileName().toString(), parsed.documents().get(0).tree()));
                }
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static List<Case> load(String file, JsonNode doc) {
        JsonNode defaults = doc.path("defaults");
        JsonNode base = resolve(defaults.path("base").isString()
                ? Fixtures.object(defaults.path("base").asString()) : defaults.path("base"), null);
        List<Case> out = new ArrayList<>();
        for (JsonNode c : doc.path("cases")) {
            String name = c.path("name").asString();
            Operation op = Operation.valueOf(c.path("op").asString("UPDATE"));
            JsonNode newObject = resolve(c.path("new"), base);
            JsonNode oldObject = op == Operation.CREATE ? null : resolve(c.path("old"), base);
            if (op != Operation.CREATE && !c.has("old")) {
                throw new IllegalStateException(file + " " + name + ": " + op + " needs an old object");
            }
            JsonNode lookupsNode = c.has("lookups") ? c.get("lookups") : defaults.path("lookups");
            Lookups lookups = FixtureLookups.of(lookupsNode, n -> resolve(n, base));
            PolicyConfig config = new PolicyConfig(c.path("config").path("pitrGuard").asBoolean(true));
            out.add(new Case(file, name, op, oldObject, newObject, lookups, config, c.path("expect")));
        }
        return out;
    }

    /** A merge patch over {@code base}, or over the file named by {@code $file}. */
    private static JsonNode resolve(JsonNode patch, JsonNode base) {
        if (patch == null || patch.isMissingNode()) {
            return base == null ? null : base.deepCopy();
        }
        JsonNode start = base;
        JsonNode p = patch;
        if (patch.has("$file")) {
            start = Fixtures.object(patch.get("$file").asString());
            p = ((ObjectNode) patch.deepCopy()).without("$file");
        }
        return MergePatch.apply(start, p);
    }
}
