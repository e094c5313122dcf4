package io.brguard.cli.check;

import io.brguard.policy.Json;
import io.brguard.policy.Manifests;
import io.brguard.policy.Operation;
import io.brguard.policy.RuleCatalog;
import io.brguard.policy.Unchecked;
import io.brguard.policy.Violation;
import io.brguard.policy.Warning;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A check report as SARIF 2.1.0 (OASIS), what GitHub code scanning and most CI annotators read: one run, every
 * rule brguard knows in {@code tool.driver.rules} with its text from docs/rules.md, one result per finding with its
 * file and the line of its field, denials as {@code error}, warnings as {@code warning}, rules that could not be
 * checked as {@code note}, and input problems as tool notifications that mark the run unsuccessful.
 */
final class Sarif {
    static final String SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json";

    private Sarif() {
    }

    static ObjectNode log(Checker.Report report) {
        ObjectNode root = Json.JSON.createObjectNode();
        root.put("$schema", SCHEMA).put("version", "2.1.0");
        ObjectNode run = root.putArray("runs").addObject();
        ObjectNode driver = run.putObject("tool").putObject("driver");
        driver.put("name", "brguard");
        String version = Sarif.class.getPackage().getImplementationVersion();
        if (version != null) {
            driver.put("semanticVersion", version);
        }
        Map<String, Integer> index = new LinkedHashMap<>();
        ArrayNode rules = driver.putArray("rules");
        Map<String, String> help = help();
        for (RuleCatalog.Entry e : RuleCatalog.entries().values()) {
            index.put(e.id(), index.size());
            ObjectNode rule = rules.addObject().put("id", e.id());
            rule.putObject("shortDescription").put("text", e.what());
            String markdown = help.get(e.id());
            if (markdown != null) {
                rule.putObject("help").put("text", plain(markdown)).put("markdown", markdown);
            }
            rule.putObject("defaultConfiguration").put("level", e.id().startsWith("warn.") ? "warning" : "error");
            rule.putObject("properties").put("family", e.family());
        }
        ArrayNode results = run.putArray("results");
        for (Checker.Result res : report.results()) {
            if (res.operation() == Operation.DELETE) {
                continue;
            }
            for (Violation v : res.verdict().violations()) {
                result(results, index, res, v.ruleId(), v.path(), "error", v.message());
            }
            for (Warning w : res.verdict().warnings()) {
                result(results, index, res, w.ruleId(), w.path(), "warning", w.message());
            }
            for (Unchecked u : res.verdict().unchecked()) {
                result(results, index, res, u.ruleId(), u.path(), "note", u.message());
            }
        }
        ObjectNode invocation = run.putArray("invocations").addObject();
        invocation.put("executionSuccessful", report.problems().isEmpty());
        ArrayNode notes = invocation.putArray("toolExecutionNotifications");
        for (Manifests.Problem p : report.problems()) {
            ObjectNode n = notes.addObject().put("level", "error");
            n.putObject("message").put("text", p.message());
            n.putArray("locations").add(location(p.source(), p.line()));
        }
        return root;
    }

    private static void result(ArrayNode results, Map<String, Integer> index, Checker.Result res, String ruleId, String path,
                               String level, String message) {
        ObjectNode r = results.addObject().put("ruleId", ruleId);
        Integer i = index.get(ruleId);
        if (i != null) {
            r.put("ruleIndex", i);
        }
        r.put("level", level);
        r.putObject("message").put("text", message);
        Manifests.Location where = res.doc().locate(path);
        r.putArray("locations").add(location(where.source(), where.line()));
        // One finding per Backup, rule and field: what code scanning matches between runs.
        r.putObject("partialFingerprints").put("brguardFinding/v1", res.key() + " " + ruleId + " " + path);
        r.putObject("properties").put("backup", res.key()).put("operation", res.operation().name()).put("field", path);
    }

    private static ObjectNode location(String file, int line) {
        ObjectNode loc = Json.JSON.createObjectNode();
        ObjectNode physical = loc.putObject("physicalLocation");
        physical.putObject("artifactLocation").put("uri", uri(file));
        physical.putObject("region").put("startLine", Math.max(1, line));
        return loc;
    }

    /** A file name as a URI reference: forward slashes, relative names kept relative, other characters escaped. */
    static String uri(String file) {
        String path = file.replace('\\', '/');
        try {
            return new URI(null, null, path, null).toASCIIString();
        } catch (URISyntaxException e) {
            return path.replaceAll("[^A-Za-z0-9._~/-]", "_");
        }
    }

    private static final Pattern RULE = Pattern.compile("(?m)^### `([a-z0-9.-]+)`\\s*$");

    /** Each rule's section of docs/rules.md (packed into the jar), by rule id. */
    static Map<String, String> help() {
        String text;
        try (InputStream in = Sarif.class.getResourceAsStream("rules.md")) {
            if (in == null) {
                return Map.of();
            }
            text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Map<String, String> out = new LinkedHashMap<>();
        Matcher m = RULE.matcher(text);
        String id = null;
        int start = 0;
        while (m.find()) {
            if (id != null) {
                out.put(id, section(text.substring(start, m.start())));
            }
            id = m.group(1);
            start = m.end();
        }
        if (id != null) {
            out.put(id, section(text.substring(start)));
        }
        return out;
    }

    /** A section up to the next heading of any level. */
    private static String section(String s) {
        Matcher next = Pattern.compile("(?m)^#{1,6} ").matcher(s);
        return (next.find() ? s.substring(0, next.start()) : s).strip();
    }

    /** Markdown to plain text, enough for a tooltip: no emphasis, no code marks, links as their text. */
    static String plain(String markdown) {
        return markdown.replace("**", "").replace("`", "").replaceAll("\\[([^\\]]+)\\]\\([^)]*\\)", "$1");
    }
}
