package io.brguard.webhook;

import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Mutator;
import io.brguard.policy.Operation;
import io.brguard.policy.PatchOp;
import io.brguard.policy.Policy;
import io.brguard.policy.Unchecked;
import io.brguard.policy.Verdict;
import io.brguard.policy.Violation;
import io.brguard.policy.Warning;
import tools.jackson.core.JacksonException;
import tools.jackson.core.StreamReadFeature;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.ObjectMapper;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.ObjectNode;

import java.time.Clock;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * The edge between HTTP and the policy: decodes an admission.k8s.io/v1 AdmissionReview, asks {@link Policy}, and
 * encodes the answer. Malformed input is a 400 with a message, a lookup that could not answer is a 500 (the API
 * server then applies the webhook's failurePolicy), a denial is an AdmissionResponse with allowed=false.
 * dryRun requests get exactly the real decision; the caller skips side effects for them.
 */
public final class AdmissionHandler {
    public static final int MAX_BODY_BYTES = 3 * 1024 * 1024;
    private static final String API_VERSION = "admission.k8s.io/v1";

    /*
     * The reader for AdmissionReviews: Json.JSON without duplicate-key detection, which took a fifth of the parse.
     * The API server writes the review from objects it has already decoded, so a key cannot repeat in it; a
     * caller that is not the API server only affects its own answer. Files (brguard check) keep the strict reader.
     */
    public static final ObjectMapper WIRE = Json.JSON.rebuild()
            .disable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
            .build();

    /** Which webhook path was called. */
    public enum Endpoint { VALIDATE, MUTATE }

    /** The HTTP answer and what to record about it; {@code audit} is null for malformed requests. */
    public record Outcome(int status, JsonNode body, AuditRecord audit, Verdict verdict) {
        public boolean deniedRealUpdate() {
            return audit != null && "denied".equals(audit.decision()) && !audit.dryRun()
                    && "UPDATE".equals(audit.operation());
        }
    }

    private final Policy policy;
    private final Clock clock;

    public AdmissionHandler(Policy policy, Clock clock) {
        this.policy = policy;
        this.clock = clock;
    }

    public Outcome handle(Endpoint endpoint, byte[] body, Lookups lookups) {
        if (body.length > MAX_BODY_BYTES) {
            return bad("request body is larger than 3 MiB");
        }
        JsonNode review;
        try {
            review = ReviewReader.read(body);
        } catch (JacksonException e) {
            return bad("request body is not JSON: " + e.getOriginalMessage());
        }
        return handle(endpoint, review, lookups);
    }

    /**
     * Decides on a review already read into a tree. {@link #handle(Endpoint, byte[], Lookups)} passes the tree
     * {@link ReviewReader} keeps; a full tree gives the same outcome (ReviewReaderTest holds the two together).
     */
    Outcome handle(Endpoint endpoint, JsonNode review, Lookups lookups) {
        if (review == null || !review.isObject()) {
            return bad("request body is not a JSON object");
        }
        if (!API_VERSION.equals(review.path("apiVersion").asString("")) || !"AdmissionReview".equals(review.path("kind").asString(""))) {
            return bad("expected apiVersion admission.k8s.io/v1 and kind AdmissionReview, got "
                    + review.path("apiVersion").asString("(none)") + " " + review.path("kind").asString("(none)"));
        }
        JsonNode req = review.path("request");
        if (!req.isObject()) {
            return bad("request is missing");
        }
        String uid = req.path("uid").asString("");
        if (uid.isBlank()) {
            return bad("request.uid is missing");
        }
        JsonNode kind = req.path("kind");
        if (!"br.pingcap.com".equals(kind.path("group").asString("")) || !"Backup".equals(kind.path("kind").asString(""))) {
            return bad("this webhook handles br.pingcap.com Backup objects only, got "
                    + kind.path("group").asString("") + "/" + kind.path("kind").asString("(none)"));
        }
        String op = req.path("operation").asString("");
        Operation operation;
        switch (op) {
            case "CREATE", "UPDATE", "DELETE" -> operation = Operation.valueOf(op);
            case "CONNECT" -> {
                return answer(uid, response(uid, true), null, null);
            }
            default -> {
                return bad("request.operation must be CREATE, UPDATE, DELETE or CONNECT, got " + (op.isEmpty() ? "(none)" : op));
            }
        }
        JsonNode object = req.path("object");
        JsonNode oldObject = req.path("oldObject");
        if (operation != Operation.DELETE && !object.isObject()) {
            return bad("request.object is missing for " + op);
        }
        if (operation == Operation.UPDATE && !oldObject.isObject()) {
            return bad("request.oldObject is missing for UPDATE");
        }
        return endpoint == Endpoint.MUTATE
                ? mutate(uid, req, operation, object, oldObject)
                : validate(uid, req, operation, object.isObject() ? object : null,
                oldObject.isObject() ? oldObject : null, lookups);
    }

    private Outcome validate(String uid, JsonNode req, Operation op, JsonNode object, JsonNode oldObject, Lookups lookups) {
        Verdict v = policy.decide(op, oldObject, object, lookups);
        List<String> rules = new ArrayList<>(v.ruleIds());
        List<String> messages = new ArrayList<>(v.violations().size());
        for (Violation violation : v.violations()) {
            messages.add(violation.message());
        }
        List<String> warnings = new ArrayList<>(v.warnings().size());
        for (Warning warning : v.warnings()) {
            warnings.add(warning.message());
        }
        if (v.allowed() && !v.unchecked().isEmpty()) {
            // "Could not find out" is never a denial and never an allow: the failurePolicy decides.
            List<String> why = v.unchecked().stream().map(Unchecked::message).toList();
            ObjectNode err = Json.JSON.createObjectNode();
            err.put("error", "brguard could not decide: " + String.join("; ", why));
            return new Outcome(500, err, audit(uid, "validate", req, op, object, oldObject, "error",
                    v.unchecked().stream().map(Unchecked::ruleId).distinct().toList(), why, warnings, null), v);
        }
        ObjectNode resp = response(uid, v.allowed());
        if (!v.allowed()) {
            resp.putObject("status").put("code", 403).put("reason", "Forbidden").put("message", v.denialMessage());
        }
        if (!warnings.isEmpty()) {
            ArrayNode w = resp.putArray("warnings");
            warnings.forEach(w::add);
        }
        ObjectNode annotations = resp.putObject("auditAnnotations");
        annotations.put("decision", v.allowed() ? "allowed" : "denied");
        if (!rules.isEmpty()) {
            annotations.put("rules", String.join(",", rules));
        }
        return answer(uid, resp, audit(uid, "validate", req, op, object, oldObject, v.allowed() ? "allowed" : "denied",
                rules, messages, warnings, null), v);
    }

    private Outcome mutate(String uid, JsonNode req, Operation op, JsonNode object, JsonNode oldObject) {
        ObjectNode resp = response(uid, true);
        int ops = 0;
        if (op != Operation.DELETE) {
            List<PatchOp> patch = Mutator.mutate(object).patch();
            ops = patch.size();
            if (!patch.isEmpty()) {
                resp.put("patchType", "JSONPatch");
                resp.put("patch", Base64.getEncoder().encodeToString(Json.JSON.writeValueAsBytes(patch)));
            }
        }
        return answer(uid, resp, audit(uid, "mutate", req, op, object.isObject() ? object : null,
                oldObject.isObject() ? oldObject : null, "allowed", List.of(), List.of(), List.of(), ops), null);
    }

    private static ObjectNode response(String uid, boolean allowed) {
        ObjectNode r = Json.JSON.createObjectNode();
        r.put("uid", uid).put("allowed", allowed);
        return r;
    }

    private static Outcome answer(String uid, ObjectNode response, AuditRecord audit, Verdict v) {
        ObjectNode review = Json.JSON.createObjectNode();
        review.put("apiVersion", API_VERSION).put("kind", "AdmissionReview");
        review.set("response", response);
        return new Outcome(200, review, audit, v);
    }

    private static Outcome bad(String message) {
        ObjectNode err = Json.JSON.createObjectNode();
        err.put("error", message);
        return new Outcome(400, err, null, null);
    }

    private AuditRecord audit(String uid, String endpoint, JsonNode req, Operation op, JsonNode object, JsonNode oldObject,
                              String decision, List<String> rules, List<String> messages, List<String> warnings,
                              Integer patchOps) {
        JsonNode subject = object != null ? object : oldObject;
        List<String> groups = new ArrayList<>();
        req.path("userInfo").path("groups").forEach(g -> groups.add(g.asString()));
        String ns = req.path("namespace").asString(subject == null ? "" : subject.path("metadata").path("namespace").asString(""));
        String name = req.path("name").asString(subject == null ? "" : subject.path("metadata").path("name").asString(""));
        return new AuditRecord(AuditRecord.time(clock.instant()), uid, endpoint,
                req.path("userInfo").path("username").asString(null), groups, op.name(), ns, name,
                req.path("dryRun").asBoolean(false), logSubcommand(oldObject), logSubcommand(object),
                oldObject == null ? null : oldObject.path("status").path("phase").asString(null),
                decision, rules, messages, warnings, patchOps, 0);
    }

    private static String logSubcommand(JsonNode object) {
        if (object == null) {
            return null;
        }
        JsonNode spec = object.path("spec");
        if (!"log".equals(spec.path("backupMode").asString(""))) {
            return null;
        }
        return spec.path("logSubcommand").asString(spec.path("logStop").asBoolean(false) ? "(logStop: true)" : "");
    }

    /** The body as UTF-8 JSON bytes. */
    public static byte[] bytes(JsonNode body) {
        return Json.JSON.writeValueAsBytes(body);
    }
}
