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
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The health checks shipped for Argo CD and Flux, run by the engines those tools use: the Lua scripts under a real
 * Lua 5.1 interpreter (Argo CD runs gopher-lua, a Lua 5.1), the CEL expressions under cel-java in Flux's order. For
 * each kind, over one table of objects (src/test/resources/gitops/&lt;kind&gt;-health.yaml) and over a grid of every
 * status, where the two must agree.
 */
class GitOpsHealthTest {
    private static final String LUA = "lua5.1";
    /** Argo CD's health statuses (gitops-engine pkg/health/health.go, HealthStatusCode). */
    private static final Set<String> ARGO_STATUSES = Set.of("Healthy", "Progressing", "Degraded", "Suspended", "Missing", "Unknown");
    private static final String ARGO_CM = "manifests/gitops/argocd/argocd-cm-backup-health.yaml";
    private static final String FLUX_KUSTOMIZATION = "manifests/gitops/flux/kustomization-backups.yaml";
    private static final String API_VERSION = "br.pingcap.com/v1alpha1";

    /**
     * A kind the checks cover: its table, the key a case's object sits under there, and the example (metadata, spec)
     * and CRD its cases are built on, where it has them.
     */
    enum Kind {
        BACKUP("Backup", "backup-health.yaml", "backup", null, null),
        RESTORE("Restore", "restore-health.yaml", "restore", "examples/restores/restore-full-azblob.yaml",
                "manifests/crd/restores.br.pingcap.com.yaml"),
        BACKUP_SCHEDULE("BackupSchedule", "backupschedule-health.yaml", "schedule",
                "examples/schedules/integrated-backup-schedule-azblob.yaml", "manifests/crd/backupschedules.br.pingcap.com.yaml");

        final String kind;
        final String table;
        final String key;
        final String example;
        final String crd;

        Kind(String kind, String table, String key, String example, String crd) {
            this.kind = kind;
            this.table = table;
            this.key = key;
            this.example = example;
            this.crd = crd;
        }

        /** Argo CD's key: resource.customizations.health.&lt;group&gt;_&lt;kind&gt;. */
        String argoCdKey() {
            return "resource.customizations.health.br.pingcap.com_" + kind;
        }
    }

    /** One kind's shipped checks. */
    record Checks(String lua, FluxChecks flux) {}

    private static final Map<Kind, Checks> CHECKS = new EnumMap<>(Kind.class);

    @BeforeAll
    static void load() {
        JsonNode data = Fixtures.object(ARGO_CM).path("data");
        JsonNode exprs = Fixtures.object(FLUX_KUSTOMIZATION).path("spec").path("healthCheckExprs");
        for (Kind k : Kind.values()) {
            String lua = data.path(k.argoCdKey()).asString("");
            assertTrue(!lua.isEmpty(), "argocd-cm has the " + k.kind + " health key " + k.argoCdKey());
            List<JsonNode> entries = new ArrayList<>();
            exprs.forEach(e -> {
                if (e.path("kind").asString().equals(k.kind)) {
                    entries.add(e);
                }
            });
            assertEquals(1, entries.size(), "one healthCheckExprs entry for " + k.kind);
            JsonNode e = entries.get(0);
            assertEquals(API_VERSION, e.path("apiVersion").asString());
            CHECKS.put(k, new Checks(lua, new FluxChecks(e.path("inProgress").asString(""), e.path("failed").asString(""),
                    e.path("current").asString(""))));
        }
    }

    record Case(String name, ObjectNode object, String argocd, String message, String flux) {}

    /**
     * A kind's table. A case's object is the kind's example (or a bare Backup) with the case's fields: its spec
     * fields over the example's (null removes one), its status as written.
     */
    static List<Case> table(Kind kind) {
        JsonNode list = Json.YAML.readTree(Fixtures.read("cli/src/test/resources/gitops/" + kind.table));
        ObjectNode example = kind.example == null ? null : Fixtures.object(kind.example);
        List<Case> cases = new ArrayList<>();
        for (JsonNode c : list) {
            ObjectNode o = Json.JSON.createObjectNode();
            o.put("apiVersion", API_VERSION).put("kind", kind.kind);
            if (example == null) {
                o.putObject("metadata").put("name", "demo1-backup").put("namespace", "test1");
            } else {
                o.set("metadata", example.path("metadata").deepCopy());
                o.set("spec", example.path("spec").deepCopy());
            }
            ((ObjectNode) o.path("metadata")).put("generation", 1);
            c.path(kind.key).properties().forEach(e -> {
                if (e.getKey().equals("spec") && o.path("spec").isObject()) {
                    ObjectNode spec = (ObjectNode) o.path("spec");
                    e.getValue().properties().forEach(f -> {
                        if (f.getValue().isNull()) {
                            spec.remove(f.getKey());
                        } else {
                            spec.set(f.getKey(), f.getValue());
                        }
                    });
                } else {
                    o.set(e.getKey(), e.getValue());
                }
            });
            cases.add(new Case(c.path("name").asString(), o, c.path("argocd").asString(),
                    c.path("message").isMissingNode() ? null : c.path("message").asString(), c.path("flux").asString()));
        }
        return cases;
    }

    @ParameterizedTest
    @EnumSource(Kind.class)
    void argoCdHealthFollowsTheTableUnderLua51(Kind kind) {
        List<Case> cases = table(kind);
        List<String[]> got = runLua(CHECKS.get(kind).lua(), cases.stream().map(Case::object).toList());
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

    @ParameterizedTest
    @EnumSource(Kind.class)
    void fluxHealthFollowsTheTableInFluxsOrder(Kind kind) {
        FluxChecks flux = CHECKS.get(kind).flux();
        List<String> wrong = new ArrayList<>();
        for (Case c : table(kind)) {
            String got = flux.evaluate(c.object());
            if (!c.flux().equals(got)) {
                wrong.add(c.name() + ": expected " + c.flux() + ", got " + got);
            }
        }
        assertEquals(List.of(), wrong);
    }

    /**
     * The tables hold objects as the API server would store them: the status shapes v2 writes (a condition's reason
     * is CamelCase, its message and time are there) and the fields the CRD declares.
     */
    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"RESTORE", "BACKUP_SCHEDULE"})
    void theTablesObjectsAreOnesTheCrdAccepts(Kind kind) {
        CrdSchema crd = CrdSchema.of(Fixtures.object(kind.crd));
        List<String> problems = new ArrayList<>();
        for (Case c : table(kind)) {
            crd.problems(c.object()).forEach(p -> problems.add(c.name() + ": " + p));
        }
        assertEquals(List.of(), problems);
    }

    /**
     * The Kustomization is one Flux accepts (bound to kustomize-controller's CRD) and checks every kind brguard
     * guards; Argo CD's ConfigMap has a key for each.
     */
    @Test
    void theShippedChecksCoverBackupsRestoresAndSchedules() {
        JsonNode kustomization = Fixtures.object(FLUX_KUSTOMIZATION);
        assertEquals(List.of(), CrdSchema.load("/gitops/kustomize.toolkit.fluxcd.io_kustomizations.yaml").problems(kustomization));
        List<String> kinds = new ArrayList<>();
        kustomization.path("spec").path("healthCheckExprs").forEach(e -> kinds.add(e.path("kind").asString()));
        assertEquals(List.of("Backup", "Restore", "BackupSchedule"), kinds);
        List<String> keys = new ArrayList<>();
        Fixtures.object(ARGO_CM).path("data").properties().forEach(e -> keys.add(e.getKey()));
        assertEquals(Arrays.stream(Kind.values()).map(Kind::argoCdKey).toList(), keys);
    }

    /**
     * BR's failure can fill a condition's message (the CRD allows 32768 characters, newlines and all): Argo CD is
     * given one line of at most 1024 bytes, cut between two UTF-8 characters, never inside one.
     */
    @ParameterizedTest
    @EnumSource(value = Kind.class, names = {"BACKUP", "RESTORE"})
    void aLongFailureIsOneLineOfAtMost1024Bytes(Kind kind) {
        ObjectNode failed = kind == Kind.BACKUP ? Fixtures.yaml("{apiVersion: br.pingcap.com/v1alpha1, kind: Backup, "
                + "metadata: {name: demo1-backup, namespace: test1}, spec: {backupMode: snapshot}}") : object(kind);
        String text = "x".repeat(1012) + "\u00e9\n" + "y".repeat(30000) + "\n";
        failed.putObject("status").put("phase", "Failed").putArray("conditions").addObject().put("type", "Failed")
                .put("status", "True").put("reason", kind == Kind.BACKUP ? "BackupDataToRemoteFailed" : "RestoreDataFromRemoteFailed")
                .put("message", text)
                .put("lastTransitionTime", "2026-11-02T10:00:09Z");
        String[] hs = runLua(CHECKS.get(kind).lua(), List.of(failed)).get(0);
        assertEquals("Degraded", hs[0]);
        assertEquals("Failed: " + "x".repeat(1012) + "...", hs[1], "\"Failed: \" and 1012 bytes reach byte 1020; the e-acute is bytes 1021-1022");
    }

    /**
     * v2 also records RetryFailed with a sentence for its reason ("failed to get first pd group: ...",
     * makeRestoreJob; "failed to fetch tidbcluster ...", syncRestoreJob). The CRD's reason pattern (metav1.Condition)
     * refuses it, v2 ignores the failed status write, and the Restore keeps the phase it had: Progressing with no
     * phase, not Degraded. The health check cannot tell that case from a Restore nothing has looked at yet.
     */
    @Test
    void aRetryFailedWithASentenceForItsReasonNeverReachesTheStatus() {
        ObjectNode restore = object(Kind.RESTORE);
        restore.putObject("status").put("phase", "RetryFailed").putArray("conditions").addObject().put("type", "RetryFailed")
                .put("status", "True").put("reason", "failed to get first pd group: no pd groups found in cluster demo2")
                .put("message", "no pd groups found in cluster demo2").put("lastTransitionTime", "2026-11-02T10:00:00Z");
        CrdSchema crd = CrdSchema.of(Fixtures.object(Kind.RESTORE.crd));
        List<String> problems = crd.problems(restore);
        assertEquals(1, problems.size(), problems.toString());
        assertTrue(problems.get(0).endsWith("pattern ^[A-Za-z]([A-Za-z0-9_,:]*[A-Za-z0-9_])?$"), problems.toString());
        ((ObjectNode) restore.path("status").path("conditions").get(0)).put("reason", "PDGroupNotFound");
        assertEquals(List.of(), crd.problems(restore), "with a CamelCase reason the same status is stored");
    }

    /**
     * The old expressions put Running in inProgress; Flux evaluates inProgress first, so a running log backup never
     * became Current and `wait: true` failed every reconcile. A check that would have caught it.
     */
    @Test
    void runningIsNotInProgressForFlux() {
        FluxChecks flux = CHECKS.get(Kind.BACKUP).flux();
        ObjectNode running = table(Kind.BACKUP).stream().filter(c -> c.name().equals("log backup running with a commitTs"))
                .findFirst().orElseThrow().object();
        assertEquals(false, flux.eval(flux.inProgress, running), "inProgress must not hold for a running log backup");
        FluxChecks old = new FluxChecks("!has(status.phase) || status.phase in ['', 'Scheduled', 'Prepare', 'Running', 'Clean']",
                flux.failedSource, flux.currentSource);
        assertEquals("InProgress", old.evaluate(running), "the evaluator applies Flux's order");
    }

    /**
     * Every phase, mode, subcommand, logStop, commitTs, failed sub-status and truncate: Argo CD and Flux must tell a
     * user the same thing, and every Argo CD answer keeps the health-script contract.
     */
    @Test
    void argoCdAndFluxAgreeOverEveryPhaseAndSubcommand() {
        List<ObjectNode> grid = backupGrid();
        assertEquals(List.of(), disagreements(Kind.BACKUP, grid));
        assertTrue(grid.size() > 3000, "the grid covers the combinations");
    }

    /**
     * Every phase v2 sets (and one it does not), with and without the phase's condition and its message, BR's
     * progress, each restore mode, and no status at all.
     */
    @Test
    void argoCdAndFluxAgreeOverEveryRestorePhase() {
        List<ObjectNode> grid = new ArrayList<>();
        for (String mode : Arrays.asList(null, "snapshot", "pitr")) {
            ObjectNode bare = object(Kind.RESTORE);
            if (mode != null) {
                ((ObjectNode) bare.path("spec")).put("restoreMode", mode);
            }
            grid.add(bare);
            for (String phase : List.of("", "Scheduled", "Running", "Complete", "Failed", "Invalid", "RetryFailed", "VolumeComplete")) {
                for (String message : Arrays.asList(null, "", "boom")) {
                    for (boolean progress : List.of(false, true)) {
                        ObjectNode r = bare.deepCopy();
                        ObjectNode status = r.putObject("status");
                        if (!phase.isEmpty()) {
                            status.put("phase", phase);
                        }
                        if (message != null && !phase.isEmpty()) {
                            status.putArray("conditions").addObject().put("type", phase).put("status", "True")
                                    .put("reason", phase).put("message", message).put("lastTransitionTime", "2026-11-02T10:00:00Z");
                        }
                        if (progress) {
                            status.putArray("progresses").addObject().put("step", "Full Restore").put("progress", 42);
                        }
                        grid.add(r);
                    }
                }
            }
        }
        assertEquals(List.of(), disagreements(Kind.RESTORE, grid));
    }

    /** Paused or not, no status at all, and every combination of the fields brguard's controller writes. */
    @Test
    void argoCdAndFluxAgreeOverEverySchedulesStatus() {
        List<ObjectNode> grid = new ArrayList<>();
        for (Boolean pause : Arrays.asList(null, false, true)) {
            ObjectNode bare = object(Kind.BACKUP_SCHEDULE);
            if (pause != null) {
                ((ObjectNode) bare.path("spec")).put("pause", pause);
            }
            grid.add(bare);
            for (String last : Arrays.asList(null, "", "integrated-backup-schedule-azblob-2026-11-02t12-00-00")) {
                for (boolean lastTime : List.of(false, true)) {
                    for (boolean log : List.of(false, true)) {
                        for (boolean cleaned : List.of(false, true)) {
                            for (boolean compacted : List.of(false, true)) {
                                ObjectNode s = bare.deepCopy();
                                ObjectNode status = s.putObject("status");
                                if (last != null) {
                                    status.put("lastBackup", last);
                                }
                                if (lastTime) {
                                    status.put("lastBackupTime", "2026-11-02T12:00:00Z");
                                }
                                if (log) {
                                    status.put("logBackup", "log-integrated-backup-schedule-azblob").put("logBackupStartTs", "2026-11-02T10:00:00Z");
                                }
                                if (cleaned) {
                                    status.put("allBackupCleanTime", "2026-11-03T15:00:00Z");
                                }
                                if (compacted) {
                                    status.put("lastCompact", "compact-integrated-backup-schedule-azblob-2026-11-02t12-00-00");
                                }
                                grid.add(s);
                            }
                        }
                    }
                }
            }
        }
        assertEquals(List.of(), disagreements(Kind.BACKUP_SCHEDULE, grid));
    }

    /**
     * Where the two must agree: Healthy and Suspended are Flux's Current, Degraded its Failed, Progressing its
     * InProgress, except that an object with no status at all is Unknown to Flux (its expressions cannot read
     * status) while Argo CD says Progressing. Every Argo CD answer keeps the health-script contract.
     */
    private static List<String> disagreements(Kind kind, List<ObjectNode> grid) {
        Checks checks = CHECKS.get(kind);
        List<String[]> lua = runLua(checks.lua(), grid);
        List<String> wrong = new ArrayList<>();
        for (int i = 0; i < grid.size(); i++) {
            ObjectNode o = grid.get(i);
            String[] hs = lua.get(i);
            String where = o.path("spec") + " " + o.path("status");
            if (!ARGO_STATUSES.contains(hs[0]) || hs[1].isEmpty() || hs[1].length() > 1024) {
                wrong.add(where + ": hs.status \"" + hs[0] + "\" hs.message \"" + hs[1] + "\"");
                continue;
            }
            String expected = switch (hs[0]) {
                case "Healthy", "Suspended" -> "Current";
                case "Degraded" -> "Failed";
                default -> o.has("status") ? "InProgress" : "Unknown";
            };
            String got = checks.flux().evaluate(o);
            if (!expected.equals(got)) {
                wrong.add(where + ": Argo CD " + hs[0] + ", Flux " + got);
            }
        }
        return wrong.size() <= 20 ? wrong : wrong.subList(0, 20);
    }

    /** The kind's example, without a status. */
    private static ObjectNode object(Kind kind) {
        ObjectNode o = Fixtures.object(kind.example);
        o.remove("status");
        return o;
    }

    private static List<ObjectNode> backupGrid() {
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

    /**
     * Runs a health script over objects, one Lua 5.1 process for all; each answer is hs.status and hs.message, with
     * a tab, carriage return or newline in the message written as a backslash escape, so a message that is not one
     * line shows.
     */
    private static List<String[]> runLua(String script, List<ObjectNode> objects) {
        StringBuilder lua = new StringBuilder();
        lua.append("local script = ").append(luaString(script)).append("\n");
        lua.append("local check = assert(loadstring(script, 'health.lua'))\n");
        lua.append("local objects = {\n");
        for (ObjectNode o : objects) {
            lua.append(luaValue(o)).append(",\n");
        }
        lua.append("}\n");
        lua.append("""
                local function shown(v)
                  local s = string.gsub(tostring(v), "\\t", "\\\\t")
                  s = string.gsub(s, "\\r", "\\\\r")
                  s = string.gsub(s, "\\n", "\\\\n")
                  return s
                end
                for _, o in ipairs(objects) do
                  obj = o
                  local ok, hs = pcall(check)
                  if not ok then
                    io.write("ERROR\\t", shown(hs), "\\n")
                  elseif type(hs) ~= "table" then
                    io.write("NOTABLE\\t", shown(hs), "\\n")
                  else
                    io.write(shown(hs.status), "\\t", shown(hs.message), "\\n")
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
