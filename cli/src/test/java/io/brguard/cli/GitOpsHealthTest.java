package io.brguard.cli;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelOptions;
import dev.cel.common.types.SimpleType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.extensions.CelOptionalLibrary;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;
import io.brguard.policy.Json;
import io.brguard.policy.testing.CelJson;
import io.brguard.policy.testing.Fixtures;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The health checks shipped for Argo CD and Flux, run by the engines those tools use: the Lua script under a real
 * Lua 5.1 interpreter (Argo CD runs gopher-lua, a Lua 5.1), the CEL expressions under cel-java in Flux's order. Both
 * over one table of Backups (src/test/resources/gitops/backup-health.yaml) and over a grid of every phase, mode,
 * subcommand and sub-status, where the two must agree.
 */
class GitOpsHealthTest {
    private static final String LUA = "lua5.1";
    /** Argo CD's health statuses (gitops-engine pkg/health/health.go, HealthStatusCode). */
    private static final Set<String> ARGO_STATUSES = Set.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");

    private static String luaScript;
    private static FluxChecks flux;

    @BeforeAll
    static void load() {
        JsonNode cm = Fixtures.object("manifests/gitops/argocd/argocd-cm-backup-health.yaml");
        luaScript = cm.path("data").path("resource.customizations.health.br.pingcap.com_Backup").asString("");
        assertTrue(!luaScript.isEmpty(), "argocd-cm has the Backup health key resource.customizations.health.br.pingcap.com_Backup");
        JsonNode kustomization = Fixtures.object("manifests/gitops/flux/kustomization-backups.yaml");
        JsonNode expr = kustomization.path("spec").path("healthCheckExprs").get(0);
        assertEquals("br.pingcap.com/v1alpha1", expr.path("apiVersion").asString());
        assertEquals("Backup", expr.path("kind").asString());
        flux = new FluxChecks(expr.path("inProgress").asString(""), expr.path("failed").asString(""), expr.path("current").asString(""));
    }

    record Case(String name, ObjectNode backup, String argocd, String message, String flux) {}

    static List<Case> table() {
        JsonNode list = Json.YAML.readTree(Fixtures.read("cli/src/test/resources/gitops/backup-health.yaml"));
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : list) {
            ObjectNode b = Json.JSON.createObjectNode();
            b.put("apiVersion", "br.pingcap.com/v1alpha1").put("kind", "Backup");
            b.putObject("metadata").put("name", "demo1-backup").put("namespace", "test1").put("generation", 1);
            c.path("backup").properties().forEach(e -> b.set(e.getKey(), e.getValue()));
            cases.add(new Case(c.path("name").asString(), b, c.path("argocd").asString(),
                    c.path("message").isMissingNode() ? null : c.path("message").asString(), c.path("flux").asString()));
        }
        return cases;
    }

    @Test
    void argoCdHealthFollowsTheTableUnderLua51() {
        List<Case> cases = table();
        List<String[]> got = runLua(cases.stream().map(Case::backup).toList());
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < cases.size(); i++) {
            Case c = cases.get(i);
            String[] hs = got.get(i);
            if (!c.argocd().equals(hs[0]) || (c.message() != null && !c.message().equals(hs[1]))) {
                wrong.add(c.name() + ": expected " + c.argocd() + (c.message() == null ? "" : " \"" + c.message() + "\"")
                        + ", got " + hs[0] + " \"" + hs[1] + "\"");
            }
        }
        assertEquals(List.of(), wrong);
    }

    @Test
    void fluxHealthFollowsTheTableInFluxsOrder() {
        List<String> wrong = new ArrayList<>();
        for (Case c : table()) {
            String got = flux.evaluate(c.backup());
            if (!c.flux().equals(got)) {
                wrong.add(c.name() + ": expected " + c.flux() + ", got " + got);
            }
        }
        assertEquals(List.of(), wrong);
    }

    /**
     * The old expressions put Running in inProgress; Flux evaluates inProgress first, so a running log backup never
     * became Current and `wait: true` failed every reconcile. A check that would have caught it.
     */
    @Test
    void runningIsNotInProgressForFlux() {
        ObjectNode running = table().stream().filter(c -> c.name().equals("log backup running with a commitTs")).findFirst()
                .orElseThrow().backup();
        assertEquals(false, flux.eval(flux.inProgress, running), "inProgress must not hold for a running log backup");
        FluxChecks old = new FluxChecks("!has(status.phase) || status.phase in ['', 'Scheduled', 'Prepare', 'Running', 'Clean']",
                flux.failedSource, flux.currentSource);
        assertEquals("InProgress", old.evaluate(running), "the evaluator applies Flux's order");
    }

    /**
     * Every phase, mode, subcommand, logStop, commitTs, failed sub-status and truncate: Argo CD and Flux must tell a
     * user the same thing (Healthy and Suspended are Flux's Current, Degraded its Failed, Progressing its
     * InProgress), and every Argo CD answer keeps the health-script contract.
     */
    @Test
    void argoCdAndFluxAgreeOverEveryPhaseAndSubcommand() {
        List<ObjectNode> grid = grid();
        List<String[]> lua = runLua(grid);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < grid.size(); i++) {
            String[] hs = lua.get(i);
            String where = grid.get(i).path("spec") + " " + grid.get(i).path("status");
            if (!ARGO_STATUSES.contains(hs[0]) || hs[1].isEmpty() || hs[1].length() > 200) {
                wrong.add(where + ": hs.status \"" + hs[0] + "\" hs.message \"" + hs[1] + "\"");
                continue;
            }
            String expected = switch (hs[0]) {
                case "Healthy", "Suspended" -> "Current";
                case "Degraded" -> "Failed";
                default -> "InProgress";
            };
            String got = flux.evaluate(grid.get(i));
            if (!expected.equals(got)) {
                wrong.add(where + ": Argo CD " + hs[0] + ", Flux " + got);
            }
        }
        assertEquals(List.of(), wrong.stream().limit(20).toList(), wrong.size() + " disagreements of " + grid.size());
        assertTrue(grid.size() > 3000, "the grid covers the combinations");
    }

    private static List<ObjectNode> grid() {
        List<String> phases = List.of("", "Scheduled", "Prepare", "Running", "Complete", "Failed", "Invalid", "RetryFailed",
                "Clean", "CleanFailed", "Paused", "Stopped");
        List<String> subcommands = List.of("", "log-start", "log-pause", "log-stop", "log-resume", "log-truncate");
        List<String> failedSubs = List.of("", "log-start", "log-resume", "log-pause", "log-stop", "log-truncate");
        List<ObjectNode> out = new ArrayList<>();
        for (String phase : phases) {
            for (String mode : List.of("snapshot", "log")) {
                for (String sub : mode.equals("log") ? subcommands : List.of("")) {
                    for (boolean logStop : List.of(false, true)) {
                        for (boolean started : List.of(false, true)) {
                            for (String failedSub : mode.equals("log") ? failedSubs : List.of("")) {
                                for (boolean truncate : List.of(false, true)) {
                                    out.add(backup(phase, mode, sub, logStop, started, failedSub, truncate));
                                }
                            }
                        }
                    }
                }
            }
        }
        return out;
    }

    private static ObjectNode backup(String phase, String mode, String sub, boolean logStop, boolean started, String failedSub,
                                     boolean truncate) {
        ObjectNode b = Json.JSON.createObjectNode();
        b.put("apiVersion", "br.pingcap.com/v1alpha1").put("kind", "Backup");
        b.putObject("metadata").put("name", "demo1-log-backup").put("namespace", "test1");
        ObjectNode spec = b.putObject("spec").put("backupMode", mode);
        if (!sub.isEmpty()) {
            spec.put("logSubcommand", sub);
        }
        if (logStop) {
            spec.put("logStop", true);
        }
        if (truncate) {
            spec.put("logTruncateUntil", "2026-11-01T00:00:00+08:00");
        }
        ObjectNode status = b.putObject("status");
        if (!phase.isEmpty()) {
            status.put("phase", phase);
        }
        if (started) {
            status.put("commitTs", "455432353543258113");
        }
        if (!failedSub.isEmpty()) {
            ObjectNode s = status.putObject("logSubCommandStatuses").putObject(failedSub).put("command", failedSub).put("phase", "Failed");
            if (failedSub.equals("log-truncate")) {
                s.put("logTruncatingUntil", "2026-11-01T00:00:00+08:00");
            }
            s.putArray("conditions").addObject().put("type", "Failed").put("status", "True").put("message", "boom");
        }
        return b;
    }

    // ---- Lua 5.1, as Argo CD runs a health script: `obj` is a global, the script's chunk returns hs ----

    private static List<String[]> runLua(List<ObjectNode> objects) {
        StringBuilder lua = new StringBuilder();
        lua.append("local script = ").append(luaString(luaScript)).append("\n");
        lua.append("local check = assert(loadstring(script, 'health.lua'))\n");
        lua.append("local objects = {\n");
        for (ObjectNode o : objects) {
            lua.append(luaValue(o)).append(",\n");
        }
        lua.append("}\n");
        lua.append("""
                for _, o in ipairs(objects) do
                  obj = o
                  local ok, hs = pcall(check)
                  if not ok then
                    io.write("ERROR\\t", (string.gsub(tostring(hs), "[\\t\\n]", " ")), "\\n")
                  elseif type(hs) ~= "table" then
                    io.write("NOTABLE\\t", tostring(hs), "\\n")
                  else
                    io.write(tostring(hs.status), "\\t", (string.gsub(tostring(hs.message), "[\\t\\n]", " ")), "\\n")
                  end
                end
                """);
        try {
            Path file = Files.createTempFile("brguard-health", ".lua");
            try {
                Files.writeString(file, lua, StandardCharsets.UTF_8);
                Process p;
                try {
                    p = new ProcessBuilder(LUA, file.toString()).redirectErrorStream(true).start();
                } catch (IOException e) {
                    throw new AssertionError("the Argo CD health check runs under " + LUA + " (Debian package lua5.1; .ci/run installs it): "
                            + e.getMessage());
                }
                String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
                assertTrue(p.waitFor(60, TimeUnit.SECONDS), "lua5.1 timed out");
                assertEquals(0, p.exitValue(), out);
                List<String[]> rows = new ArrayList<>();
                for (String line : out.split("\n")) {
                    if (!line.isEmpty()) {
                        rows.add(line.split("\t", 2));
                    }
                }
                assertEquals(objects.size(), rows.size(), out);
                for (String[] r : rows) {
                    if (r[0].equals("ERROR") || r[0].equals("NOTABLE")) {
                        fail("the health script failed under Lua 5.1: " + r[1]);
                    }
                }
                return rows;
            } finally {
                Files.deleteIfExists(file);
            }
        } catch (IOException e) {
            throw new AssertionError(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new AssertionError(e);
        }
    }

    /** A JSON tree as a Lua table constructor, as gopher-lua's JSON decoding gives it to Argo CD's scripts. */
    static String luaValue(JsonNode n) {
        if (n.isObject()) {
            StringBuilder b = new StringBuilder("{");
            n.properties().forEach(e -> {
                if (!e.getValue().isNull()) {
                    b.append('[').append(luaString(e.getKey())).append("]=").append(luaValue(e.getValue())).append(',');
                }
            });
            return b.append('}').toString();
        }
        if (n.isArray()) {
            StringBuilder b = new StringBuilder("{");
            n.forEach(v -> b.append(luaValue(v)).append(','));
            return b.append('}').toString();
        }
        if (n.isBoolean()) {
            return n.asBoolean() ? "true" : "false";
        }
        if (n.isNumber()) {
            return n.asString();
        }
        if (n.isNull()) {
            return "nil";
        }
        return luaString(n.asString());
    }

    /** A Lua string literal: printable ASCII as is, everything else as decimal byte escapes. */
    static String luaString(String s) {
        StringBuilder b = new StringBuilder("\"");
        for (byte raw : s.getBytes(StandardCharsets.UTF_8)) {
            int c = raw & 0xff;
            if (c == '"' || c == '\\') {
                b.append('\\').append((char) c);
            } else if (c >= 0x20 && c < 0x7f) {
                b.append((char) c);
            } else {
                b.append(String.format("\\%03d", c));
            }
        }
        return b.append('"').toString();
    }

    // ---- Flux: fluxcd/pkg runtime/cel (expression.go NewExpression, status_evaluator.go Evaluate) ----

    /**
     * Flux's health check evaluator. Flux only parses the expressions (NewExpression without WithCompile); cel-java
     * runs checked expressions only, so the object's top-level fields are declared dyn, which checks no field and
     * leaves every selection to run time as parsing does. Optional syntax, the strings, sets and encoders extensions and cross-type numeric comparisons; the
     * activation is the object's top-level fields. A field Flux cannot resolve is an error, which the status reader
     * reports as Unknown.
     */
    static final class FluxChecks {
        private static final CelOptions OPTIONS = CelOptions.current().enableOptionalSyntax(true)
                .enableHeterogeneousNumericComparisons(true).build();
        private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder().setOptions(OPTIONS)
                .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
                .addVar("apiVersion", SimpleType.DYN).addVar("kind", SimpleType.DYN).addVar("metadata", SimpleType.DYN)
                .addVar("spec", SimpleType.DYN).addVar("status", SimpleType.DYN)
                .addLibraries(CelOptionalLibrary.INSTANCE, CelExtensions.strings(), CelExtensions.sets(OPTIONS), CelExtensions.encoders())
                .build();
        private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS)
                .addLibraries(CelOptionalLibrary.INSTANCE, CelExtensions.strings(), CelExtensions.sets(OPTIONS), CelExtensions.encoders())
                .build();

        final String failedSource;
        final String currentSource;
        final CelRuntime.Program inProgress;
        final CelRuntime.Program failed;
        final CelRuntime.Program current;

        FluxChecks(String inProgress, String failed, String current) {
            assertTrue(!current.isEmpty(), "Flux requires the current expression");
            this.failedSource = failed;
            this.currentSource = current;
            this.inProgress = inProgress.isEmpty() ? null : program(inProgress);
            this.failed = failed.isEmpty() ? null : program(failed);
            this.current = program(current);
        }

        private static CelRuntime.Program program(String expr) {
            try {
                CelAbstractSyntaxTree ast = COMPILER.compile(expr).getAst();
                return RUNTIME.createProgram(ast);
            } catch (Exception e) {
                throw new AssertionError("Flux cannot parse the expression " + expr + ": " + e.getMessage(), e);
            }
        }

        /** Current, InProgress, Failed or Unknown, as Flux's StatusEvaluator.Evaluate decides. */
        String evaluate(ObjectNode object) {
            JsonNode observed = object.path("status").path("observedGeneration");
            JsonNode generation = object.path("metadata").path("generation");
            if (observed.isNumber() && generation.isNumber() && observed.asLong() != generation.asLong()) {
                return "InProgress";
            }
            try {
                if (inProgress != null && eval(inProgress, object)) {
                    return "InProgress";
                }
                if (failed != null && eval(failed, object)) {
                    return "Failed";
                }
                if (eval(current, object)) {
                    return "Current";
                }
                return "InProgress";
            } catch (Unevaluable e) {
                return "Unknown";
            }
        }

        boolean eval(CelRuntime.Program program, ObjectNode object) {
            Map<String, Object> activation = new LinkedHashMap<>();
            object.properties().forEach(e -> activation.put(e.getKey(), CelJson.plain(e.getValue(), CelJson.Nulls.NULL)));
            Object result;
            try {
                result = program.eval(activation);
            } catch (Exception e) {
                throw new Unevaluable(e);
            }
            if (!(result instanceof Boolean b)) {
                throw new Unevaluable(new IllegalStateException("not a boolean: " + result));
            }
            return b;
        }
    }

    static final class Unevaluable extends RuntimeException {
        Unevaluable(Throwable cause) {
            super(cause);
        }
    }
}
