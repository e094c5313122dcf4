package io.brguard.cli.check;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.Operation;
import io.brguard.policy.Unchecked;
import io.brguard.policy.model.Restore;
import io.brguard.policy.Violation;
import io.brguard.policy.Warning;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.PrintWriter;
import java.util.List;

/**
 * Renders a {@link Checker.Report} as a human table, JSON, JUnit XML or SARIF. Every finding names the line of its
 * field in the file (the line of the closest written parent when the field itself is missing), and prints its
 * message exactly as the webhook's denial does.
 */
public final class Reporters {

    /** How to print. */
    public enum Format { TABLE, JSON, JUNIT, SARIF }

    private Reporters() {
    }

    /**
     * @param summary only what fails the check (denied, or failing by --fail-on), the problems and the counts;
     *                table and json only
     */
    public static void write(Checker.Report report, Format format, boolean color, String header, boolean summary, PrintWriter out) {
        switch (format) {
            case TABLE -> table(report, color, header, summary, out);
            case JSON -> out.println(Json.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(json(report, summary)));
            case JUNIT -> junit(report, out);
            case SARIF -> out.println(Json.JSON.writerWithDefaultPrettyPrinter().writeValueAsString(Sarif.log(report)));
        }
        out.flush();
    }

    // ---------------------------------------------------------------- table

    private static void table(Checker.Report r, boolean color, String header, boolean summary, PrintWriter out) {
        Paint p = new Paint(color);
        out.println(p.bold("brguard check") + ": " + header);
        for (String note : r.notes()) {
            out.println(p.dim("note: " + note));
        }
        out.println();
        for (Checker.Result res : r.results()) {
            if (!summary || r.fails(res)) {
                object(r, res, p, !summary, out);
            }
        }
        if (!r.problems().isEmpty()) {
            out.println();
            out.println(p.red("Input problems (exit 2):"));
            for (Manifests.Problem pr : r.problems()) {
                out.println("  " + pr);
            }
        }
        out.println();
        if (summary) {
            counts(r).path("byKind").properties().forEach(e -> out.println(e.getKey() + ": " + e.getValue().path("checked").asInt()
                    + " checked, " + e.getValue().path("deleted").asInt() + " deleted, " + e.getValue().path("denied").asInt()
                    + " denied, " + e.getValue().path("warnings").asInt() + " warning(s), " + e.getValue().path("notChecked").asInt()
                    + " not checked, " + e.getValue().path("problems").asInt() + " input problem(s)"));
        }
        out.println(summary(r));
    }

    /**
     * One object: its verdict line and findings. {@code full}: with its old version and every finding; else (--summary)
     * only the findings that make it fail.
     */
    private static void object(Checker.Report r, Checker.Result res, Paint p, boolean full, PrintWriter out) {
        String mark = !res.verdict().allowed() ? p.red("DENIED") : r.fails(res) ? p.yellow("FAIL  ") : p.green("ok    ");
        out.println(mark + " " + p.bold(res.key()) + "  " + res.operation() + "  " + res.doc().where());
        // Backups and Restores are judged by their phase; a BackupSchedule by its status's log backup.
        if (full && res.old() != null && res.operation() == Operation.UPDATE
                && (res.doc().isBackup() || Restore.KIND.equals(res.doc().kind()))) {
            out.println("         old: " + res.old().source() + ", phase "
                    + (res.old().phase().isEmpty() ? "(empty)" : res.old().phase())
                    + (res.old().assumedFrom() == null ? "" : p.dim(" (assumed from " + res.old().assumedFrom()
                    + "; pass --live for the real phase)")));
        } else if (full && res.old() != null && res.operation() == Operation.UPDATE) {
            out.println("         old: " + res.old().source() + (res.old().assumedFrom() == null ? ""
                    : p.dim(" (status assumed from " + res.old().assumedFrom() + "; pass --live for the real status)")));
        }
        if (full && res.operation() == Operation.DELETE) {
            out.println(p.dim("         removed from the checked files: a prune deletes it (never denied)"));
        }
        for (Violation v : res.verdict().violations()) {
            out.println("         " + p.red("deny ") + " " + at(res, v.path()) + v.message());
        }
        if (full || r.failOn().contains(Checker.FailOn.WARNING)) {
            for (Warning w : res.verdict().warnings()) {
                out.println("         " + p.yellow("warn ") + " " + at(res, w.path()) + w.message());
            }
        }
        if (full && res.mode() != null && !res.wouldDeny().isEmpty()) {
            out.println(p.dim("         not enforced (" + res.mode() + "): " + String.join("; ", res.wouldDeny())));
        }
        if (full || r.failOn().contains(Checker.FailOn.UNCHECKED)) {
            for (Unchecked u : res.verdict().unchecked()) {
                out.println("         " + p.dim("not checked " + at(res, u.path()) + u.message().replaceFirst(": not checked: ", ": ")));
            }
        }
    }

    /** "line N: " for a finding's field; the file too when another file (a kustomize patch) writes it. */
    private static String at(Checker.Result res, String path) {
        Manifests.Location where = res.doc().locate(path);
        return (where.source().equals(res.doc().source()) ? "" : where.source() + " ") + "line " + where.line() + ": ";
    }

    /** "3 Backup(s)", or "3 Backup(s) and 1 BackupSchedule(s)" when other kinds were checked too. */
    private static String checkedKinds(Checker.Report r) {
        java.util.Map<String, Long> byKind = new java.util.LinkedHashMap<>();
        byKind.put("Backup", 0L);
        r.results().stream().filter(x -> x.operation() != Operation.DELETE)
                .forEach(x -> byKind.merge(x.doc().kind(), 1L, Long::sum));
        List<String> parts = new java.util.ArrayList<>();
        byKind.forEach((kind, n) -> {
            if (n > 0 || kind.equals("Backup")) {
                parts.add(n + " " + kind + "(s)");
            }
        });
        if (parts.size() > 1 && byKind.get("Backup") == 0) {
            parts.remove(0);
        }
        return String.join(" and ", parts);
    }

    static String summary(Checker.Report r) {
        long checked = r.results().stream().filter(x -> x.operation() != Operation.DELETE).count();
        long denied = r.results().stream().filter(x -> !x.verdict().allowed()).count();
        long violations = r.results().stream().mapToLong(x -> x.verdict().violations().size()).sum();
        long warnings = r.results().stream().mapToLong(x -> x.verdict().warnings().size()).sum();
        long unchecked = r.results().stream().mapToLong(x -> x.verdict().unchecked().size()).sum();
        return checkedKinds(r) + " checked: " + denied + " denied (" + violations + " violation(s)), "
                + warnings + " warning(s), " + unchecked + " rule(s) not checked, " + r.problems().size()
                + " input problem(s). Exit " + r.exitCode() + (r.failOn().isEmpty() ? "" : " (--fail-on "
                + String.join(",", r.failOn().stream().map(f -> f.name().toLowerCase(java.util.Locale.ROOT)).sorted().toList()) + ")") + ".";
    }

    /** ANSI colours, only when writing to a terminal. */
    private record Paint(boolean on) {
        String red(String s) { return on ? "\u001b[31m" + s + "\u001b[0m" : s; }
        String green(String s) { return on ? "\u001b[32m" + s + "\u001b[0m" : s; }
        String yellow(String s) { return on ? "\u001b[33m" + s + "\u001b[0m" : s; }
        String dim(String s) { return on ? "\u001b[2m" + s + "\u001b[0m" : s; }
        String bold(String s) { return on ? "\u001b[1m" + s + "\u001b[0m" : s; }
    }

    // ---------------------------------------------------------------- json

    static ObjectNode json(Checker.Report r, boolean summary) {
        ObjectNode root = Json.JSON.createObjectNode();
        if (summary) {
            root.put("resultsShown", "failing");
        }
        ArrayNode results = root.putArray("results");
        for (Checker.Result res : r.results()) {
            if (summary && !r.fails(res)) {
                continue;
            }
            ObjectNode o = results.addObject();
            o.put("file", res.doc().source()).put("document", res.doc().index()).put("line", res.doc().line());
            o.put("kind", res.doc().kind()).put("namespace", res.doc().declaresNamespace() ? res.doc().namespace() : "")
                    .put("name", res.doc().name());
            o.put("operation", res.operation().name()).put("allowed", res.verdict().allowed());
            if (res.mode() != null) {
                o.put("mode", res.mode());
                ArrayNode would = o.putArray("wouldDeny");
                res.wouldDeny().forEach(would::add);
            }
            if (res.old() != null) {
                ObjectNode old = o.putObject("old").put("source", res.old().source()).put("phase", res.old().phase());
                if (res.old().assumedFrom() != null) {
                    old.put("phaseAssumedFrom", res.old().assumedFrom());
                }
            }
            ArrayNode vs = o.putArray("violations");
            for (Violation v : res.verdict().violations()) {
                finding(vs, res, v.ruleId(), v.path()).put("message", v.message());
            }
            ArrayNode ws = o.putArray("warnings");
            for (Warning w : res.verdict().warnings()) {
                finding(ws, res, w.ruleId(), w.path()).put("message", w.message());
            }
            ArrayNode us = o.putArray("notChecked");
            for (Unchecked u : res.verdict().unchecked()) {
                finding(us, res, u.ruleId(), u.path()).put("reason", u.reason());
            }
        }
        ArrayNode problems = root.putArray("problems");
        for (Manifests.Problem p : r.problems()) {
            problems.addObject().put("file", p.source()).put("document", p.index()).put("line", p.line())
                    .put("message", p.message());
        }
        ArrayNode notes = root.putArray("notes");
        r.notes().forEach(notes::add);
        root.set("counts", counts(r));
        root.put("summary", summary(r));
        root.put("exitCode", r.exitCode());
        return root;
    }

    /**
     * The numbers of a run, per judged kind and in total: objects checked (created or updated), deleted, denied
     * and failing (denied, or a finding --fail-on names), and findings: violations, warnings, rules not checked;
     * input problems per kind where one is about an object of that kind, and all of them in the total.
     */
    static ObjectNode counts(Checker.Report r) {
        ObjectNode counts = Json.JSON.createObjectNode();
        ObjectNode byKind = counts.putObject("byKind");
        ObjectNode total = zero(counts.putObject("total"));
        for (Checker.Result res : r.results()) {
            ObjectNode kind = byKind.has(res.doc().kind()) ? (ObjectNode) byKind.get(res.doc().kind())
                    : zero(byKind.putObject(res.doc().kind()));
            for (ObjectNode n : List.of(kind, total)) {
                add(n, res.operation() == Operation.DELETE ? "deleted" : "checked", 1);
                add(n, "denied", res.verdict().allowed() ? 0 : 1);
                add(n, "failing", r.fails(res) ? 1 : 0);
                add(n, "violations", res.verdict().violations().size());
                add(n, "warnings", res.verdict().warnings().size());
                add(n, "notChecked", res.verdict().unchecked().size());
            }
        }
        for (Manifests.Problem p : r.problems()) {
            String kind = r.problemKinds().get(p);
            if (kind != null) {
                ObjectNode n = byKind.has(kind) ? (ObjectNode) byKind.get(kind) : zero(byKind.putObject(kind));
                add(n, "problems", 1);
            }
            add(total, "problems", 1);
        }
        return counts;
    }

    private static ObjectNode zero(ObjectNode n) {
        for (String k : List.of("checked", "deleted", "denied", "failing", "violations", "warnings", "notChecked", "problems")) {
            n.put(k, 0);
        }
        return n;
    }

    private static void add(ObjectNode n, String key, int by) {
        n.put(key, n.path(key).asInt() + by);
    }

    /** A finding's rule, field, and the file and line that write the field. */
    private static ObjectNode finding(ArrayNode into, Checker.Result res, String rule, String path) {
        Manifests.Location where = res.doc().locate(path);
        return into.addObject().put("rule", rule).put("path", path).put("line", where.line()).put("file", where.source());
    }

    // ---------------------------------------------------------------- junit

    private static void junit(Checker.Report r, PrintWriter out) {
        List<Checker.Result> results = r.results();
        long failures = results.stream().filter(r::fails).count();
        out.println("<?xml version=\"1.0\" encoding=\"UTF-8\"?>");
        out.println("<testsuite name=\"brguard check\" tests=\"" + (results.size() + r.problems().size())
                + "\" failures=\"" + failures + "\" errors=\"" + r.problems().size() + "\">");
        for (Checker.Result res : results) {
            out.print("  <testcase classname=\"" + xml(res.doc().source()) + "\" name=\"" + xml(res.key() + " "
                    + res.operation()) + "\">");
            if (res.verdict().allowed() && r.fails(res)) {
                // failing by --fail-on: the first warning or rule not checked is the failure
                boolean warned = r.failOn().contains(Checker.FailOn.WARNING) && !res.verdict().warnings().isEmpty();
                String type = warned ? res.verdict().warnings().get(0).ruleId() : res.verdict().unchecked().get(0).ruleId();
                String message = warned ? res.verdict().warnings().get(0).message() : res.verdict().unchecked().get(0).message();
                out.print("<failure message=\"" + xml(message) + "\" type=\"" + xml(type) + "\"/>");
            }
            if (!res.verdict().allowed()) {
                String first = res.verdict().violations().get(0).message();
                StringBuilder all = new StringBuilder();
                res.verdict().violations().forEach(v -> {
                    Manifests.Location where = res.doc().locate(v.path());
                    all.append(where.source()).append(':').append(where.line()).append(": ").append(v.message()).append('\n');
                });
                out.print("<failure message=\"" + xml(first) + "\" type=\"" + xml(res.verdict().ruleIds().get(0))
                        + "\">" + xml(all.toString()) + "</failure>");
            }
            if (!res.verdict().warnings().isEmpty() || !res.verdict().unchecked().isEmpty()) {
                StringBuilder sb = new StringBuilder();
                res.verdict().warnings().forEach(w -> sb.append("warning: ").append(w.message()).append('\n'));
                res.verdict().unchecked().forEach(u -> sb.append(u.message()).append('\n'));
                out.print("<system-out>" + xml(sb.toString()) + "</system-out>");
            }
            out.println("</testcase>");
        }
        for (Manifests.Problem p : r.problems()) {
            out.println("  <testcase classname=\"" + xml(p.source()) + "\" name=\"document " + p.index()
                    + "\"><error message=\"" + xml(p.toString()) + "\"/></testcase>");
        }
        out.println("</testsuite>");
    }

    static String xml(String s) {
        StringBuilder sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\n' -> sb.append("&#10;");
                default -> {
                    if (c >= 0x20 || c == '\t') {
                        sb.append(c);
                    }
                }
            }
        }
        return sb.toString();
    }
}
