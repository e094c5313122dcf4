package io.brguard.policy.testing;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;

/** Finds the repository's shared fixtures (examples/, manifests/) from any module's test run. */
public final class Fixtures {

    private Fixtures() {
    }

    /** The repository root: the nearest parent holding both pom.xml and examples/. */
    public static Path root() {
        Path p = Path.of("").toAbsolutePath();
        while (p != null) {
            if (Files.isDirectory(p.resolve("examples")) && Files.isRegularFile(p.resolve("pom.xml"))) {
                return p;
            }
            p = p.getParent();
        }
        throw new IllegalStateException("cannot find the repository root (examples/ next to pom.xml) above "
                + Path.of("").toAbsolutePath());
    }

    public static Path path(String relative) {
        return root().resolve(relative);
    }

    public static String read(String relative) {
        try {
            return Files.readString(path(relative));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The only document of a one-object YAML file, as a mutable tree. */
    public static ObjectNode object(String relative) {
        Manifests.Parsed parsed = Manifests.parse(relative, read(relative));
        if (!parsed.problems().isEmpty() || parsed.documents().size() != 1) {
            throw new IllegalStateException(relative + ": expected one object, got " + parsed);
        }
        return (ObjectNode) parsed.documents().get(0).tree().deepCopy();
    }

    /** A YAML snippet as a tree (test-local objects). */
    public static ObjectNode yaml(String text) {
        JsonNode n = Json.YAML.readTree(text);
        return (ObjectNode) n;
    }

    /** Every .yaml file under a folder, relative to the root, sorted. */
    public static List<String> yamlFiles(String folder) {
        try (Stream<Path> s = Files.walk(path(folder))) {
            return s.filter(f -> f.toString().endsWith(".yaml") && !f.getFileName().toString().equals("kustomization.yaml"))
                    .map(f -> root().relativize(f).toString().replace('\\', '/'))
                    .sorted().toList();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
