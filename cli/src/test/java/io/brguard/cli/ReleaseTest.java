package io.brguard.cli;

import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What a release ships agrees with itself: one version (pom.xml) for the image tag in every overlay, the Helm chart
 * and the Dockerfile; and the Dockerfile builds from what a clean clone puts in the Docker build context, read
 * through .dockerignore with Docker's matching rules (no Docker engine runs here).
 */
class ReleaseTest {
    static String projectVersion() {
        Matcher m = Pattern.compile("<artifactId>brguard-parent</artifactId>\\s*<version>([^<]+)</version>")
                .matcher(Fixtures.read("pom.xml"));
        assertTrue(m.find(), "pom.xml names its version");
        return m.group(1);
    }

    @Test
    void theImageTagIsTheProjectVersionEverywhere() {
        String version = projectVersion();
        assertFalse(version.endsWith("-SNAPSHOT"), "an image tag cannot follow a SNAPSHOT version");
        List<String> wrong = new ArrayList<>();
        for (String overlay : List.of("webhook-only", "schedules", "standalone", "cert-manager", "network-policy")) {
            for (JsonNode o : ManifestsTest.render(overlay)) {
                for (JsonNode image : o.findValues("image")) {
                    if (image.isString() && image.asString().startsWith("brguard/") && !image.asString().equals("brguard/brguard:" + version)) {
                        wrong.add(overlay + " " + o.path("metadata").path("name").asString() + ": " + image.asString());
                    }
                }
                if (o.path("kind").asString().equals("Job")
                        && !o.path("metadata").path("name").asString().equals("brguard-certs-init-" + version.replace('.', '-'))) {
                    wrong.add(overlay + " certs Job " + o.path("metadata").path("name").asString() + " does not carry the version");
                }
            }
        }
        JsonNode chart = Fixtures.object("charts/brguard/Chart.yaml");
        if (!chart.path("version").asString().equals(version) || !chart.path("appVersion").asString().equals(version)) {
            wrong.add("charts/brguard/Chart.yaml: version " + chart.path("version").asString() + ", appVersion " + chart.path("appVersion").asString());
        }
        for (JsonNode o : HelmChartTest.template("brguard", java.util.Map.of("install", "standalone"))) {
            for (JsonNode image : o.findValues("image")) {
                if (image.isString() && image.asString().startsWith("brguard/") && !image.asString().equals("brguard/brguard:" + version)) {
                    wrong.add("helm " + o.path("metadata").path("name").asString() + ": " + image.asString());
                }
            }
        }
        String dockerfile = Fixtures.read("Dockerfile");
        if (!dockerfile.contains("org.opencontainers.image.version=\"" + version + "\"")
                || !dockerfile.contains("docker build -t brguard/brguard:" + version + " .")) {
            wrong.add("Dockerfile: the version label and the build command name " + version);
        }
        for (String doc : List.of("README.md", "docs/operations.md")) {
            Matcher m = Pattern.compile("brguard/brguard:(\\d+\\.\\d+\\.\\d+[^\\s`)]*)").matcher(Fixtures.read(doc));
            while (m.find()) {
                if (!m.group(1).equals(version)) {
                    wrong.add(doc + ": brguard/brguard:" + m.group(1));
                }
            }
        }
        assertEquals(List.of(), wrong, "the project version is " + version);
    }

    /** The project is under the Apache License 2.0 (LICENSE), and the pom, the image and the chart say the same. */
    @Test
    void theLicenseIsApache2WhereverOneIsNamed() {
        String license = Fixtures.read("LICENSE");
        assertTrue(license.contains("Apache License") && license.contains("Version 2.0, January 2004")
                && license.contains("END OF TERMS AND CONDITIONS"), "LICENSE holds the Apache License 2.0");
        assertTrue(Fixtures.read("pom.xml").contains("<name>Apache-2.0</name>"), "pom.xml names the license");
        assertTrue(Fixtures.read("Dockerfile").contains("org.opencontainers.image.licenses=\"Apache-2.0\"")
                && Fixtures.read("Dockerfile").contains("COPY LICENSE /app/LICENSE"), "the image labels and carries it");
        assertEquals("Apache-2.0", Fixtures.object("charts/brguard/Chart.yaml").path("annotations").path("artifacthub.io/license").asString());
    }

    /** The build stage copies every module's pom and sources, and everything it copies survives .dockerignore. */
    @Test
    void theDockerfileBuildsFromTheBuildContextOfACleanClone() throws IOException {
        Path root = Fixtures.root();
        DockerIgnore ignore = DockerIgnore.parse(Fixtures.read(".dockerignore"));
        Set<String> context = new TreeSet<>();
        try (Stream<Path> files = Files.walk(root)) {
            files.filter(Files::isRegularFile).map(p -> root.relativize(p).toString().replace('\\', '/'))
                    .filter(p -> !p.startsWith(".git/")).filter(p -> !ignore.excludes(p)).forEach(context::add);
        }
        for (String leaked : context) {
            assertFalse(leaked.contains("/target/") || leaked.startsWith("target/") || leaked.contains("node_modules/")
                    || leaked.startsWith("certs/dev/") || leaked.matches(".*\\.(key|pem|crt|p12|jks)$"), leaked + " is in the build context");
        }
        List<String> stages = List.of(Fixtures.read("Dockerfile").split("(?m)^FROM "));
        assertEquals(3, stages.size(), "a build stage and a runtime stage");
        String build = stages.get(1);
        String runtime = stages.get(2);
        assertTrue(build.contains(" AS build"), "the first stage is named build");
        List<String> copied = new ArrayList<>();
        for (String stage : List.of(build, runtime)) {
            Matcher copy = Pattern.compile("(?m)^COPY (?!--from)(\\S+) (\\S+)$").matcher(stage);
            while (copy.find()) {
                copied.add(copy.group(1));
                String src = copy.group(1);
                assertTrue(context.stream().anyMatch(p -> p.equals(src) || p.startsWith(src + "/")),
                        "COPY " + src + ": not in the build context (.dockerignore or a missing path)");
            }
        }
        Matcher modules = Pattern.compile("<module>([^<]+)</module>").matcher(Fixtures.read("pom.xml"));
        int count = 0;
        while (modules.find()) {
            count++;
            String module = modules.group(1);
            assertTrue(copied.contains(module + "/pom.xml") && copied.contains(module + "/src"), "the build stage copies module " + module);
        }
        assertEquals(5, count);
        assertTrue(copied.contains("pom.xml"));
        // The same build as ./brguard's, tests excepted (they need Node.js and Azurite and run in CI).
        assertTrue(build.contains("RUN mvn -B -q -DskipTests package -pl cli -am"), "the build stage builds cli and what it needs");
        assertTrue(Fixtures.read("brguard").contains("-DskipTests package -pl cli -am"));
        assertTrue(runtime.contains("COPY --from=build /src/cli/target/brguard.jar /app/brguard.jar"));
        assertTrue(runtime.contains("USER 65532:65532"), "the image runs as the non-root user the manifests expect");
        assertTrue(runtime.contains("ENTRYPOINT [\"java\", \"-jar\", \"/app/brguard.jar\"]"));
    }

    /**
     * The image runs {@code check --base} (git reads the ref) and {@code check --kustomize} (kubectl renders), each
     * pinned: git to the 2.43 series of the Ubuntu release the JRE image is pinned to, kubectl to a release of the
     * official image whose kustomize builds the overlays (v4.0.5 or later: kubectl 1.21+); and git accepts a
     * workspace mounted from another user. No Docker engine runs here: the Dockerfile's text is what is checked.
     */
    @Test
    void theImageCarriesPinnedGitAndKubectlForCheck() {
        String runtime = Fixtures.read("Dockerfile").split("(?m)^FROM ")[2];
        assertTrue(runtime.startsWith("eclipse-temurin:17-jre-noble\n"), "the runtime image names its Ubuntu release: " + runtime.lines().findFirst());
        Matcher git = Pattern.compile("(?m)^ARG GIT_VERSION=(\\S+)$").matcher(runtime);
        assertTrue(git.find(), "git's version is an ARG");
        assertTrue(git.group(1).matches("1:2\\.43\\.0-1ubuntu7[.*0-9]*"), "noble's git 2.43 series: " + git.group(1));
        assertTrue(runtime.contains("apt-get install -y --no-install-recommends \"git=${GIT_VERSION}\""), "installed at that version");
        assertTrue(runtime.contains("rm -rf /var/lib/apt/lists/*"));
        assertTrue(runtime.contains("git config --system --add safe.directory '*'"), "a mounted workspace is not refused");
        Matcher kubectl = Pattern.compile("(?m)^COPY --from=registry\\.k8s\\.io/kubectl:v(\\d+)\\.(\\d+)\\.(\\d+) /bin/kubectl /usr/local/bin/kubectl$")
                .matcher(runtime);
        assertTrue(kubectl.find(), "kubectl from the official image, at a release");
        assertEquals(1, Integer.parseInt(kubectl.group(1)));
        assertTrue(Integer.parseInt(kubectl.group(2)) >= 21, "kustomize v4.0.5 or later comes with kubectl 1.21+");
        assertTrue(runtime.indexOf("apt-get install") < runtime.indexOf("USER 65532:65532"), "installed before the user drops root");
    }

    @Test
    void dockerIgnoreMatchesAsDockerDoes() {
        DockerIgnore ignore = DockerIgnore.parse("# comment\n**/target/\n/certs/dev\n*.key\n!keep.key\ndocs/*.tmp\n");
        assertTrue(ignore.excludes("target/classes/A.class"));
        assertTrue(ignore.excludes("cli/target/brguard.jar"));
        assertTrue(ignore.excludes("certs/dev/ca.crt"));
        assertFalse(ignore.excludes("certs/src/main/java/Dev.java"));
        assertTrue(ignore.excludes("a.key"));
        assertFalse(ignore.excludes("sub/a.key"), "a pattern without ** matches from the context root only");
        assertFalse(ignore.excludes("keep.key"), "a later ! pattern re-includes");
        assertTrue(ignore.excludes("docs/x.tmp"));
        assertFalse(ignore.excludes("docs/deeper/x.tmp"), "* does not cross /");
    }

    /**
     * .dockerignore as Docker reads it (moby/patternmatcher): one pattern per line, # comments, a leading / and a
     * trailing / ignored, `**` any number of directories, `*` and `?` within one path element, `!` re-includes,
     * the last matching line wins, and a pattern that matches a directory excludes all under it.
     */
    record DockerIgnore(List<Pattern> patterns, List<Boolean> negated) {
        static DockerIgnore parse(String text) {
            List<Pattern> patterns = new ArrayList<>();
            List<Boolean> negated = new ArrayList<>();
            for (String raw : text.split("\n")) {
                String line = raw.strip();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                boolean not = line.startsWith("!");
                if (not) {
                    line = line.substring(1).strip();
                }
                line = line.replaceAll("^/+", "").replaceAll("/+$", "");
                patterns.add(Pattern.compile(regex(line)));
                negated.add(not);
            }
            return new DockerIgnore(patterns, negated);
        }

        private static String regex(String glob) {
            StringBuilder b = new StringBuilder("^");
            for (int i = 0; i < glob.length(); i++) {
                char c = glob.charAt(i);
                if (c == '*' && i + 1 < glob.length() && glob.charAt(i + 1) == '*') {
                    i++;
                    if (i + 1 < glob.length() && glob.charAt(i + 1) == '/') {
                        i++;
                        b.append("(?:.*/)?");
                    } else {
                        b.append(".*");
                    }
                } else if (c == '*') {
                    b.append("[^/]*");
                } else if (c == '?') {
                    b.append("[^/]");
                } else {
                    b.append(Pattern.quote(String.valueOf(c)));
                }
            }
            return b.append('$').toString();
        }

        boolean excludes(String path) {
            boolean excluded = false;
            for (int i = 0; i < patterns.size(); i++) {
                if (matchesOrParent(patterns.get(i), path)) {
                    excluded = !negated.get(i);
                }
            }
            return excluded;
        }

        private static boolean matchesOrParent(Pattern p, String path) {
            String prefix = path;
            while (true) {
                if (p.matcher(prefix).matches()) {
                    return true;
                }
                int slash = prefix.lastIndexOf('/');
                if (slash < 0) {
                    return false;
                }
                prefix = prefix.substring(0, slash);
            }
        }
    }
}
