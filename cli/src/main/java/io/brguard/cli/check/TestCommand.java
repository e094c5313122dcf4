package io.brguard.cli.check;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.Operation;
import io.brguard.policy.Policy;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.Unchecked;
import io.brguard.policy.Violation;
import io.brguard.policy.Warning;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Stream;

/** {@code brguard test}: the expected verdicts a team keeps in PolicyTest files, checked with the webhook's policy. */
@Command(name = "test", mixinStandardHelpOptions = true, versionProvider = io.brguard.cli.Main.Version.class,
        sortOptions = false, usageHelpAutoWidth = true,
        description = {"Run PolicyTest files (apiVersion brguard.io/v1alpha1): for each case, a Backup or BackupSchedule, "
                + "optionally its old version and the cluster's objects, and the expected verdict and rule ids.",
                "A folder is searched for PolicyTest files; its other YAML files are skipped.",
                "Exit codes: 0 every expectation holds, 1 one does not, 2 usage or input error (a file that does not "
                        + "exist or is not a PolicyTest, an unknown key or rule id, no PolicyTest found)."})
public final class TestCommand implements Callable<Integer> {

    @Spec
    CommandSpec spec;

    @Parameters(arity = "1..*", paramLabel = "PATH", description = "PolicyTest files, or folders to search for them")
    List<Path> paths = new ArrayList<>();

    @Option(names = {"-o", "--output"}, defaultValue = "table", paramLabel = "FORMAT",
            description = "table, json or junit (default: ${DEFAULT-VALUE})")
    String output;

    /** The outcome of one case. */
    record Outcome(PolicyTestSuite.Suite suite, PolicyTestSuite.Case testCase, Checker.Result result, List<String> failures) {
        boolean passed() {
            return failures.isEmpty();
        }
    }

    @Override
    public Integer call() {
        PrintWriter out = spec.commandLine().getOut();
        PrintWriter err = spec.commandLine().getErr();
        if (!List.of("table", "json", "junit").contains(output)) {
            err.println("brguard test: --output must be table, json or junit, not " + output);
            return 2;
        }
        List<String> errors = new ArrayList<>();
        List<PolicyTestSuite.Suite> suites = new ArrayList<>();
        for (Path p : paths) {
            if (!Files.exists(p)) {
                errors.add(p + ": no such file or folder");
            } else if (Files.isRegularFile(p)) {
                int before = errors.size();
                List<PolicyTestSuite.Suite> found = PolicyTestSuite.read(p, errors);
                if (found.isEmpty() && errors.size() == before) {
                    errors.add(p + ": not a PolicyTest (apiVersion: " + PolicyTestSuite.API_VERSION + ", kind: "
                            + PolicyTestSuite.KIND + ")");
                }
                suites.addAll(found);
            } else {
                suites.addAll(folder(p, errors));
            }
        }
        if (errors.isEmpty() && suites.isEmpty()) {
            errors.add(String.join(" ", paths.stream().map(Path::toString).toList()) + ": no PolicyTest found");
        }
        if (!errors.isEmpty()) {
            errors.forEach(e -> err.println("brguard test: " + e));
            return 2;
        }
        List<Outcome> outcomes = new ArrayList<>();
        for (PolicyTestSuite.Suite s : suites) {
            for (PolicyTestSuite.Case c : s.cases()) {
                Outcome o = run(s, c, errors);
                if (o != null) {
                    outcomes.add(o);
                }
            }
        }
        if (!errors.isEmpty()) {
            errors.forEach(e -> err.println("brguard test: " + e));
            return 2;
        }
        int code = outcomes.stream().allMatch(Outcome::passed) ? 0 : 1;
        switch (output) {
            case "json" -> out.println(Json.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json(outcomes, code)));
            case "junit" -> junit(outcomes, out);
            default -> table(outcomes, code, out);
        }
        out.flush();
        return code;
    }

    /** A folder's PolicyTest files, recursively; files of other kinds are skipped. */
    private static List<PolicyTestSuite.Suite> folder(Path dir, List<String> errors) {
        List<PolicyTestSuite.Suite> out = new ArrayList<>();
        try (Stream<Path> s = Files.walk(dir)) {
            // hidden folders (.git) are not searched, as check does not read them
            for (Path f : s.filter(Files::isRegularFile).filter(Inputs::isManifest)
                    .filter(f -> !hidden(dir.relativize(f)))
                    .sorted().toList()) {
                String text;
                try {
                    text = Files.readString(f);
                } catch (java.nio.charset.MalformedInputException e) {
                    continue; // not UTF-8 text: not a PolicyTest
                }
                if (text.contains(PolicyTestSuite.KIND)) {
                    out.addAll(PolicyTestSuite.read(f, errors));
                }
            }
        } catch (IOException | java.io.UncheckedIOException e) {
            errors.add(dir + ": cannot read: " + e.getMessage());
        }
        return out;
    }

    private static boolean hidden(Path relative) {
        Path parent = relative.getParent();
        for (int i = 0; parent != null && i < parent.getNameCount(); i++) {
            if (parent.getName(i).toString().startsWith(".")) {
                return true;
            }
        }
        return false;
    }

    /** Decides one case as brguard check would and compares the verdict with the expectation. */
    private static Outcome run(PolicyTestSuite.Suite s, PolicyTestSuite.Case c, List<String> errors) {
        Policy policy = s.configGiven() ? new Policy(s.config().policy()) : new Policy(new PolicyConfig(true));
        Source current = new Source(List.of(c.object()), List.of());
        Source old = Source.empty();
        Source live = Source.empty();
        if (c.old() != null) {
            // An old version with a status is the live object; without one, its status is assumed from its spec.
            boolean hasStatus = c.old().tree().path("status").isObject();
            live = hasStatus ? new Source(List.of(c.old()), List.of()) : live;
            old = hasStatus ? old : new Source(List.of(c.old()), List.of());
        }
        Checker.Report report = new Checker(policy, c.namespace(), s.config())
                .run(current, new Checker.History(old, live), new Source(c.objects(), List.of()), c.objectsGiven());
        report.problems().forEach(p -> errors.add(s.file() + ":" + c.line() + ": case " + c.name() + ": " + p));
        List<Checker.Result> judged = report.results().stream().filter(r -> r.operation() != Operation.DELETE).toList();
        if (!report.problems().isEmpty()) {
            return null;
        }
        if (report.results().size() != judged.size()) {
            errors.add(s.file() + ":" + c.line() + ": case " + c.name() + ": old names another object than object ("
                    + Checker.key(c.old()) + ", " + Checker.key(c.object()) + ")");
            return null;
        }
        Checker.Result r = judged.get(0);
        return new Outcome(s, c, r, failures(c.expect(), r));
    }

    /** What of the expectation does not hold, one sentence each; empty when it all holds. */
    static List<String> failures(PolicyTestSuite.Expect e, Checker.Result r) {
        List<String> out = new ArrayList<>();
        List<String> denied = r.verdict().violations().stream().map(Violation::ruleId).toList();
        List<String> warned = r.verdict().warnings().stream().map(Warning::ruleId).toList();
        List<String> unchecked = r.verdict().unchecked().stream().map(Unchecked::ruleId).toList();
        if (e.allowed() != r.verdict().allowed()) {
            out.add("expected " + (e.allowed() ? "allowed" : "denied") + ", was " + (r.verdict().allowed() ? "allowed"
                    : "denied: " + String.join("; ", r.verdict().violations().stream().map(Violation::message).toList())));
        }
        expectAmong(e.denies(), denied, "a denial", out);
        expectAmong(e.warns(), warned, "a warning", out);
        expectAmong(e.notChecked(), unchecked, "not checked", out);
        for (String id : e.absent()) {
            String where = denied.contains(id) ? "denied" : warned.contains(id) ? "a warning" : unchecked.contains(id) ? "not checked" : null;
            if (where != null) {
                out.add("expected no " + id + ", found it (" + where + ")");
            }
        }
        return out;
    }

    private static void expectAmong(List<String> wanted, List<String> found, String as, List<String> out) {
        for (String id : wanted) {
            if (!found.contains(id)) {
                out.add("expected " + id + " as " + as + "; " + (found.isEmpty() ? "there was none"
                        : "found " + String.join(", ", found)));
            }
        }
    }

    private static String where(Outcome o) {
        return o.suite().file() + ":" + o.testCase().line();
    }

    private static void table(List<Outcome> outcomes, int code, PrintWriter out) {
        for (Outcome o : outcomes) {
            out.println((o.passed() ? "PASS  " : "FAIL  ") + o.testCase().name() + "  (" + where(o) + "; "
                    + o.result().operation() + " " + o.result().key() + ": " + (o.result().verdict().allowed() ? "allowed" : "denied") + ")");
            o.failures().forEach(f -> out.println("        " + f));
        }
        long failed = outcomes.stream().filter(o -> !o.passed()).count();
        long files = outcomes.stream().map(o -> o.suite().file()).distinct().count();
        out.println();
        out.println(outcomes.size() + " case(s) in " + files + " file(s): " + (outcomes.size() - failed) + " passed, "
                + failed + " failed. Exit " + code + ".");
    }

    private static ObjectNode json(List<Outcome> outcomes, int code) {
        ObjectNode root = Json.JSON.createObjectNode();
        ArrayNode cases = root.putArray("cases");
        for (Outcome o : outcomes) {
            ObjectNode c = cases.addObject().put("file", o.suite().file().toString()).put("line", o.testCase().line())
                    .put("name", o.testCase().name()).put("passed", o.passed())
                    .put("operation", o.result().operation().name()).put("object", o.result().key())
                    .put("allowed", o.result().verdict().allowed());
            ArrayNode f = c.putArray("failures");
            o.failures().forEach(f::add);
            ArrayNode d = c.putArray("denied");
            o.result().verdict().violations().forEach(v -> d.add(v.ruleId()));
            ArrayNode w = c.putArray("warnings");
            o.result().verdict().warnings().forEach(v -> w.add(v.ruleId()));
            ArrayNode u = c.putArray("notChecked");
            o.result().verdict().unchecked().forEach(v -> u.add(v.ruleId()));
        }
        long failed = outcomes.stream().filter(o -> !o.passed()).count();
        root.put("passed", outcomes.size() - failed).put("failed", failed).put("exitCode", code);
        return root;
    }

    private static void junit(List<Outcome> outcomes, PrintWriter out) {
        long failed = outcomes.stream().filter(o -> !o.passed()).count();
        out.println("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        out.println("<testsuite name=\"brguard test\" tests=\"" + outcomes.size() + "\" failures=\"" + failed + "\" errors=\"0\">");
        for (Outcome o : outcomes) {
            out.print("  <testcase classname=\"" + Reporters.xml(o.suite().file().toString()) + "\" name=\""
                    + Reporters.xml(o.testCase().name()) + "\">");
            if (!o.passed()) {
                out.print("<failure message=\"" + Reporters.xml(o.failures().get(0)) + "\">"
                        + Reporters.xml(String.join("\n", o.failures())) + "</failure>");
            }
            out.println("</testcase>");
        }
        out.println("</testsuite>");
    }
}
