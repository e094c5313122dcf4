package io.brguard.cli;

import io.brguard.cli.CheckCommandTest.Run;
import io.brguard.policy.Json;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;
import tools.jackson.databind.JsonNode;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static io.brguard.cli.CheckCommandTest.git;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the repository ships for CI runs under that tool's rules: the GitHub Action's script runs under bash with its
 * inputs as GitHub passes them and builds a brguard command line that picocli accepts, and the pre-commit hooks'
 * entries name the launcher and run brguard with arguments it knows.
 */
class CiIntegrationsTest {

    private static final Pattern INPUT = Pattern.compile("\\$\\{\\{\\s*inputs\\.([A-Za-z0-9_-]+)\\s*}}");

    @Test
    void theActionDeclaresEveryInputItUsesAndPinsWhatItCalls() {
        String text = Fixtures.read("action.yml");
        JsonNode action = Json.YAML.readTree(text);
        assertEquals("composite", action.path("runs").path("using").asString());
        Set<String> declared = new TreeSet<>(action.path("inputs").propertyNames());
        Set<String> used = new TreeSet<>();
        Matcher m = INPUT.matcher(text.lines().filter(l -> !l.strip().startsWith("#")).reduce("", (a, b) -> a + b + "\n"));
        while (m.find()) {
            used.add(m.group(1));
        }
        assertEquals(declared, used, "every input is used, and only declared inputs are");
        for (JsonNode step : action.path("runs").path("steps")) {
            if (step.has("uses")) {
                assertTrue(step.path("uses").asString().matches("[\\w.-]+/[\\w.-]+@[0-9a-f]{40}"), "pinned to a commit: " + step);
            }
            if (step.has("run")) {
                assertFalse(step.path("run").asString().contains("${{"), "inputs reach the script as environment variables only");
                assertEquals("bash", step.path("shell").asString());
                assertTrue(step.path("run").asString().contains("\"$GITHUB_ACTION_PATH/brguard\""), "it runs the launcher");
            }
        }
        assertTrue(Files.isExecutable(Fixtures.path("brguard")), "the launcher the action runs");
    }

    /** The action's script under bash, with a stand-in launcher that records the command line it is given. */
    @Test
    void theActionBuildsACheckCommandLineBrguardAccepts(@TempDir Path tmp) throws Exception {
        Map<String, String> all = new LinkedHashMap<>();
        all.put("paths", "backups/ more/");
        all.put("base", "origin/main");
        all.put("objects", "cluster/ secrets.yaml");
        all.put("namespace", "test1");
        all.put("kustomize", "true");
        all.put("config", "policy.yaml");
        all.put("fail-on", "warning,unchecked");
        all.put("output", "sarif");
        all.put("output-file", tmp.resolve("brguard.sarif").toString());
        all.put("args", "--no-progress --allow-empty");
        Action run = runAction(tmp, all);
        assertEquals(1, run.code(), "the script exits with brguard's code: " + run.stderr());
        assertEquals("exit-code=1", run.githubOutput().strip());
        assertEquals("stand-in output\n", Files.readString(tmp.resolve("brguard.sarif")), "stdout went to output-file");
        CommandLine.ParseResult parsed = Main.commandLine().parseArgs(run.args().toArray(String[]::new));
        CommandLine.ParseResult check = parsed.subcommand();
        assertEquals("check", check.commandSpec().name());
        assertEquals("origin/main", check.matchedOptionValue("--base", null));
        assertEquals(List.of(Path.of("cluster/"), Path.of("secrets.yaml")), check.matchedOptionValue("--objects", List.of()));
        assertEquals("test1", check.matchedOptionValue("--namespace", null));
        assertTrue(check.hasMatchedOption("--kustomize"));
        assertEquals(Path.of("policy.yaml"), check.matchedOptionValue("--config", null));
        assertEquals(List.of("warning", "unchecked"), check.matchedOptionValue("--fail-on", List.of()));
        assertEquals("sarif", check.matchedOptionValue("--output", null));
        assertTrue(check.hasMatchedOption("--allow-empty"));
        assertEquals(Boolean.FALSE, check.matchedOptionValue("--progress", null), "--no-progress");
        assertEquals(List.of(Path.of("backups/"), Path.of("more/")), check.matchedPositionalValue(0, List.of()));

        Map<String, String> minimal = new LinkedHashMap<>();
        minimal.put("paths", "backups/");
        Action plain = runAction(tmp, minimal);
        assertEquals(List.of("check", "-o", "table", "--", "backups/"), plain.args(), "the defaults add nothing");
        Main.commandLine().parseArgs(plain.args().toArray(String[]::new));

        Map<String, String> empty = new LinkedHashMap<>();
        empty.put("paths", " ");
        Action none = runAction(tmp, empty);
        assertEquals(2, none.code());
        assertTrue(none.stderr().contains("the paths input is empty"), none.stderr());
    }

    record Action(int code, List<String> args, String githubOutput, String stderr) {
    }

    /**
     * Runs the action's script step as the runner does: the step's env with ${{ inputs.* }} replaced by the given
     * inputs or their defaults, GITHUB_ACTION_PATH at a folder whose brguard records its arguments and exits 1.
     */
    private static Action runAction(Path tmp, Map<String, String> inputs) throws Exception {
        JsonNode action = Json.YAML.readTree(Fixtures.read("action.yml"));
        JsonNode step = null;
        for (JsonNode s : action.path("runs").path("steps")) {
            if (s.has("run")) {
                step = s;
            }
        }
        Path home = Files.createDirectories(tmp.resolve("action-" + System.nanoTime()));
        Path recorded = home.resolve("args");
        Path launcher = home.resolve("brguard");
        Files.writeString(launcher, "#!/usr/bin/env bash\nprintf '%s\\0' \"$@\" > '" + recorded + "'\necho stand-in output\nexit 1\n");
        assertTrue(launcher.toFile().setExecutable(true));
        Path output = home.resolve("github-output");
        Files.writeString(output, "");
        // as the runner runs a composite step with shell: bash
        Path script = home.resolve("step.sh");
        Files.writeString(script, step.path("run").asString());
        ProcessBuilder pb = new ProcessBuilder("bash", "--noprofile", "--norc", "-eo", "pipefail", script.toString()).directory(home.toFile());
        Map<String, String> env = pb.environment();
        for (var e : step.path("env").properties()) {
            Matcher m = INPUT.matcher(e.getValue().asString());
            assertTrue(m.matches(), e.getKey() + " is one input");
            String name = m.group(1);
            env.put(e.getKey(), inputs.getOrDefault(name, action.path("inputs").path(name).path("default").asString("")));
        }
        env.put("GITHUB_ACTION_PATH", home.toString());
        env.put("GITHUB_OUTPUT", output.toString());
        Process p = pb.start();
        p.getOutputStream().close();
        String stdout = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        String stderr = new String(p.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        List<String> args = new ArrayList<>();
        if (Files.exists(recorded)) {
            for (String a : Files.readString(recorded).split("\0")) {
                if (!a.isEmpty()) {
                    args.add(a);
                }
            }
        }
        return new Action(p.exitValue(), args, Files.readString(output), stderr + stdout);
    }

    /**
     * The pre-commit hooks run the launcher (language script: a path in this repository) with brguard arguments;
     * each is run here as pre-commit would, on a repository with a commit to compare with.
     */
    @Test
    void thePreCommitHooksRunTheLauncherWithArgumentsBrguardKnows(@TempDir Path repo) throws Exception {
        JsonNode hooks = Json.YAML.readTree(Fixtures.read(".pre-commit-hooks.yaml"));
        Map<String, List<String>> userArgs = Map.of(
                "brguard-check", List.of("--objects", Fixtures.path("examples/cluster").toString(), repo.resolve("backups").toString()),
                "brguard-test", List.of(Fixtures.path("examples/policy-tests").toString()));
        Path backups = Files.createDirectories(repo.resolve("backups"));
        Files.copy(Fixtures.path("examples/seed/log/04-stop.yaml"), backups.resolve("log.yaml"));
        git(repo, "init", "-q", "-b", "main");
        git(repo, "add", ".");
        git(repo, "-c", "user.name=t", "-c", "user.email=t@e", "commit", "-q", "-m", "stop");
        Files.copy(Fixtures.path("examples/seed/log/03-resume.yaml"), backups.resolve("log.yaml"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);

        Set<String> ids = new TreeSet<>();
        for (JsonNode hook : hooks) {
            String id = hook.path("id").asString();
            ids.add(id);
            assertEquals("script", hook.path("language").asString(), id);
            List<String> entry = List.of(hook.path("entry").asString().split("\\s+"));
            assertTrue(Files.isExecutable(Fixtures.path(entry.get(0))), id + ": the entry is a script in this repository");
            assertTrue(Pattern.compile(hook.path("files").asString()).matcher("backups/test1/log.yaml").find(), id);
            assertFalse(Pattern.compile(hook.path("files").asString()).matcher("README.md").find(), id);
            assertFalse(hook.path("pass_filenames").asBoolean(true), id + ": judges whole folders, not the staged files alone");
            List<String> args = new ArrayList<>(entry.subList(1, entry.size()));
            args.addAll(userArgs.get(id));
            Main.commandLine().parseArgs(args.toArray(String[]::new));
            Run run = CheckCommandTest.execute(Main.commandLine(), args);
            if (id.equals("brguard-check")) {
                assertEquals(1, run.code(), run.out() + run.err());
                assertTrue(run.out().contains("DENIED test1/demo1-log-backup-azblob  UPDATE"), "compared with HEAD: " + run.out());
            } else {
                assertEquals(0, run.code(), run.out() + run.err());
            }
        }
        assertEquals(Set.of("brguard-check", "brguard-test"), ids);
    }
}
