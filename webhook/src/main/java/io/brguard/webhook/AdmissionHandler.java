package io.brguard.webhook;

import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.KindPolicy;
import io.brguard.policy.Kinds;
import io.brguard.policy.Operation;
import io.brguard.policy.PatchOp;
import io.brguard.policy.Policy;
import io.brguard.policy.Unchecked;
import io.brguard.policy.Verdict;
import io.brguard.policy.rollout.Enforcement;
import io.brguard.policy.Violation;
import io.brguard.policy.Warning;
import io.brguard.policy.model.Backup;
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

    private final PolicySource policies;
    private final Clock clock;

    public AdmissionHandler(Policy policy, Clock clock) {
        this(PolicySource.fixed(policy), clock);
    }

    public AdmissionHandler(PolicySource policies, Clock clock) {
        this.policies = policies;
        this.clock = clock;
    }

    public Outcome handle(Endpoint endpoint, byte[] body, Lookups lookups) {
        return handle(endpoint, body, lookups, null);
    }

    /**
     * @param degraded the reason the lookups give for the rules they cannot check while the webhook serves anyway
     *                 (a Backup cache past its budget), or null: a validation whose only unchecked rules have this
     *                 reason is answered, with them as warnings, instead of an error
     */
    public Outcome handle(Endpoint endpoint, byte[] body, Lookups lookups, String degraded) {
        if (body.length > MAX_BODY_BYTES) {
            return bad("request body is larger than 3 MiB");
        }
        JsonNode review;
        try {
            review = ReviewReader.read(body);
        } catch (JacksonException e) {
            return bad("request body is not JSON: " + Json.describe(e));
        }
        return handle(endpoint, review, lookups, degraded);
    }

    /**
     * Decides on a review already read into a tree. {@link #handle(Endpoint, byte[], Lookups)} passes the tree
     * {@link ReviewReader} keeps; a full tree gives the same outcome (ReviewReaderTest holds the two together).
     */
    Outcome handle(Endpoint endpoint, JsonNode review, Lookups lookups) {
        return handle(endpoint, review, lookups, null);
    }

    Outcome handle(Endpoint endpoint, JsonNode review, Lookups lookups, String degraded) {
        if (review == null || !review.isObject()) {
            return bad("request body is not a JSON object");
        }
        JsonNode req = review.path("request");
        String apiVersion = review.path("apiVersion").asString("");
        if (!"AdmissionReview".equals(review.path("kind").asString("")) || !req.isObject()) {
            return bad("expected an AdmissionReview (apiVersion admission.k8s.io/v1) with a request, got "
                    + text(review.path("apiVersion")) + " " + text(review.path("kind")));
        }
        // From here the body is a review of something: every answer is written to the audit log.
        String endpointName = endpoint.name().toLowerCase();
        if (!API_VERSION.equals(apiVersion)) {
            return invalid(endpointName, req, "this webhook speaks admission.k8s.io/v1 only (its configuration says "
                    + "admissionReviewVersions: [v1]), got " + text(review.path("apiVersion")));
        }
        if (!req.path("uid").isString() || req.path("uid").asString().isBlank()) {
            return invalid(endpointName, req, "request.uid must be a non-empty string, got " + text(req.path("uid")));
        }
        String uid = req.path("uid").asString();
        if (uid.length() > MAX_UID) {
            return invalid(endpointName, req, "request.uid must be at most " + MAX_UID + " characters (the API server sends a UUID), got "
                    + uid.length());
        }
        String userProblem = userInfoProblem(req.path("userInfo"));
        if (userProblem != null) {
            return invalid(endpointName, req, userProblem);
        }
        JsonNode kind = req.path("kind");
        java.util.Optional<KindPolicy<?>> judged = "br.pingcap.com".equals(kind.path("group").asString(""))
                ? Kinds.named(kind.path("kind").asString("")) : java.util.Optional.empty();
        if (judged.isEmpty()) {
            return invalid(endpointName, req, "this webhook handles br.pingcap.com " + KINDS + " objects only, got "
                    + text(kind.path("group")) + "/" + text(kind.path("kind")));
        }
        String kindName = judged.get().kind();
        String op = req.path("operation").asString("");
        Operation operation;
        switch (op) {
            case "CREATE", "UPDATE", "DELETE" -> operation = Operation.valueOf(op);
            case "CONNECT" -> {
                // Nothing to judge, but still a decision the audit log promises a line for.
                AuditRecord rec = audit(uid, endpointName, req, "CONNECT", null, null, "allowed", List.of(),
                        List.of("CONNECT has no object to judge"), List.of(), null, null);
                return answer(uid, response(uid, true), rec, null);
            }
            default -> {
                return invalid(endpointName, req, "request.operation must be CREATE, UPDATE, DELETE or CONNECT, got "
                        + text(req.path("operation")));
            }
        }
        JsonNode object = req.path("object");
        JsonNode oldObject = req.path("oldObject");
        if (operation != Operation.DELETE && !object.isObject()) {
            return invalid(endpointName, req, "request.object is missing for " + op);
        }
        if (operation == Operation.UPDATE && !oldObject.isObject()) {
            return invalid(endpointName, req, "request.oldObject is missing for UPDATE");
        }
        for (JsonNode o : List.of(object, oldObject)) {
            if (o.isObject() && !(Backup.API_VERSION.equals(o.path("apiVersion").asString(""))
                    && kindName.equals(o.path("kind").asString("")))) {
                return invalid(endpointName, req, "the object is not a " + Backup.API_VERSION + " " + kindName + ", got "
                        + text(o.path("apiVersion")) + " " + text(o.path("kind")));
            }
        }
        if (req.path(ReviewReader.TOO_LARGE).asBoolean(false) && endpoint == Endpoint.MUTATE) {
            // Only part of the object was built: a patch computed from it could overwrite what was skipped. No
            // defaults, and the validating webhook denies the review as too large.
            AuditRecord rec = audit(uid, endpointName, req, op, object.isObject() ? object : null,
                    oldObject.isObject() ? oldObject : null, "allowed", List.of(), List.of(), List.of(), null, 0);
            return answer(uid, response(uid, true), rec, null);
        }
        if (req.path(ReviewReader.TOO_LARGE).asBoolean(false) && endpoint == Endpoint.VALIDATE) {
            // The reader stopped building past its budget: deny as the policy does a spec too large to judge,
            // whatever the rollout says (the bound on the work is not a rule to relax).
            Violation v = new Violation("schema.too-large", "request", "the review holds more than "
                    + ReviewReader.MAX_VALUES + " values", null, "a Backup spec holds tens of values; split or shorten it");
            return denial(uid, req, operation, object.isObject() ? object : null, oldObject.isObject() ? oldObject : null,
                    new Verdict(List.of(v), List.of(), List.of(), List.of()), new AuditRecord.Rollout("Enforce", null, null, null));
        }
        return endpoint == Endpoint.MUTATE
                ? mutate(uid, req, operation, object, oldObject, judged.get())
                : validate(uid, req, operation, object.isObject() ? object : null,
                oldObject.isObject() ? oldObject : null, lookups, degraded);
    }

    /** The kinds this webhook judges, for messages: "Backup, BackupSchedule or Restore". */
    private static final String KINDS = kindList();

    private static String kindList() {
        List<String> kinds = Kinds.ALL.stream().map(KindPolicy::kind).toList();
        return kinds.size() == 1 ? kinds.get(0)
                : String.join(", ", kinds.subList(0, kinds.size() - 1)) + " or " + kinds.get(kinds.size() - 1);
    }

    /** Longest request uid accepted; the API server sends a UUID of 36. */
    static final int MAX_UID = 256;
    /** Groups of the user written to an audit line; the rest are counted. */
    static final int MAX_GROUPS = 64;

    /** Why request.userInfo cannot be read, or null: a username string and a list of group strings. */
    private static String userInfoProblem(JsonNode user) {
        if (user.isMissingNode() || user.isNull()) {
            return null;
        }
        if (!user.isObject()) {
            return "request.userInfo must be an object, got " + text(user);
        }
        if (!user.path("username").isMissingNode() && !user.path("username").isString()) {
            return "request.userInfo.username must be a string, got " + text(user.path("username"));
        }
        JsonNode groups = user.path("groups");
        if (!groups.isMissingNode() && !groups.isNull()) {
            if (!groups.isArray()) {
                return "request.userInfo.groups must be a list of strings, got " + text(groups);
            }
            for (JsonNode g : groups) {
                if (!g.isString()) {
                    return "request.userInfo.groups must hold strings only, got " + text(g);
                }
            }
        }
        return null;
    }

    /** A value as it appears in the request, cut for a message. */
    static String text(JsonNode n) {
        if (n == null || n.isMissingNode()) {
            return "(none)";
        }
        String t = n.isString() ? n.asString() : n.toString();
        return t.length() > 80 ? t.substring(0, 80) + "..." : t;
    }

    /**
     * A review that cannot be judged: 400 with the reason, and an audit line (decision "invalid") with what could
     * be read of it, so that the log has a line for every review, not only for the well-formed ones.
     */
    private Outcome invalid(String endpoint, JsonNode req, String reason) {
        ObjectNode err = Json.JSON.createObjectNode();
        err.put("error", reason);
        String uid = req.path("uid").isString() && !req.path("uid").asString().isBlank()
                && req.path("uid").asString().length() <= MAX_UID ? req.path("uid").asString()
                : "(invalid: " + text(req.path("uid")) + ")";
        String op = req.path("operation").isString() ? req.path("operation").asString() : text(req.path("operation"));
        JsonNode object = req.path("object").isObject() ? req.path("object") : null;
        JsonNode oldObject = req.path("oldObject").isObject() ? req.path("oldObject") : null;
        return new Outcome(400, err, audit(uid, endpoint, req, op, object, oldObject, "invalid", List.of(),
                List.of(reason), List.of(), null, null), null);
    }

    private Outcome validate(String uid, JsonNode req, Operation op, JsonNode object, JsonNode oldObject, Lookups lookups,
                             String degraded) {
        PolicySource.Active active = policies.active();
        Enforcement.Decision d = Enforcement.apply(active.policy().decide(op, oldObject, object, lookups), active.config(),
                rolloutRequest(req, object, oldObject));
        Verdict v = d.verdict();
        if (degraded != null && !v.unchecked().isEmpty() && v.unchecked().stream().allMatch(u -> degraded.equals(u.reason()))) {
            // Serving without the cache these rules need (past its budget): decided by every other rule, and the
            // rules left unchecked said in the answer's warnings and the audit line, not turned into an error.
            List<Warning> warnings = new ArrayList<>(v.warnings());
            v.unchecked().forEach(u -> warnings.add(Warning.fitted(u.ruleId(), u.path(), "not checked: " + u.reason())));
            v = new Verdict(v.violations(), warnings, v.patch(), List.of());
        }
        AuditRecord.Rollout rollout = new AuditRecord.Rollout(d.mode(), d.wouldDeny().isEmpty() ? null : d.wouldDeny(),
                d.exemptBy(), d.breakGlass());
        if (v.allowed() && !v.unchecked().isEmpty()) {
            List<String> warnings = v.warnings().stream().map(Warning::message).toList();
            // "Could not find out" is never a denial and never an allow: the failurePolicy decides.
            List<String> why = v.unchecked().stream().map(Unchecked::message).toList();
            ObjectNode err = Json.JSON.createObjectNode();
            err.put("error", "brguard could not decide: " + String.join("; ", why));
            return new Outcome(500, err, audit(uid, "validate", req, op.name(), object, oldObject, "error",
                    v.unchecked().stream().map(Unchecked::ruleId).distinct().toList(), why, warnings, rollout, null), v);
        }
        return denial(uid, req, op, object, oldObject, v, rollout);
    }

    /** What the rollout reads of a request: the Backup's namespace and labels, the break-glass annotation, who asks. */
    private static Enforcement.Request rolloutRequest(JsonNode req, JsonNode object, JsonNode oldObject) {
        JsonNode subject = object != null && object.isObject() ? object : oldObject;
        List<String> groups = new ArrayList<>();
        req.path("userInfo").path("groups").forEach(g -> groups.add(g.asString("")));
        String ns = req.path("namespace").isString() ? req.path("namespace").asString()
                : subject == null ? "default" : subject.path("metadata").path("namespace").asString("default");
        return Enforcement.Request.of(ns, object, oldObject, req.path("userInfo").path("username").asString(null), groups);
    }

    /** The AdmissionReview answer of a verdict (allowed or denied), with its audit record. */
    private Outcome denial(String uid, JsonNode req, Operation op, JsonNode object, JsonNode oldObject, Verdict v,
                           AuditRecord.Rollout rollout) {
        List<String> rules = new ArrayList<>(v.ruleIds());
        List<String> messages = new ArrayList<>(v.violations().size());
        for (Violation violation : v.violations()) {
            messages.add(violation.message());
        }
        List<String> warnings = new ArrayList<>(v.warnings().size());
        for (Warning warning : v.warnings()) {
            warnings.add(warning.message());
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
        annotations.put("mode", rollout.mode());
        if (rollout.breakGlass() != null) {
            annotations.put("break-glass", rollout.breakGlass().length() > 200 ? rollout.breakGlass().substring(0, 200) : rollout.breakGlass());
        }
        return answer(uid, resp, audit(uid, "validate", req, op.name(), object, oldObject, v.allowed() ? "allowed" : "denied",
                rules, messages, warnings, rollout, null), v);
    }

    private Outcome mutate(String uid, JsonNode req, Operation op, JsonNode object, JsonNode oldObject, KindPolicy<?> kind) {
        ObjectNode resp = response(uid, true);
        int ops = 0;
        if (op != Operation.DELETE) {
            List<PatchOp> patch = kind.mutate(object).patch();
            ops = patch.size();
            if (!patch.isEmpty()) {
                resp.put("patchType", "JSONPatch");
                resp.put("patch", Base64.getEncoder().encodeToString(Json.JSON.writeValueAsBytes(patch)));
            }
        }
        return answer(uid, resp, audit(uid, "mutate", req, op.name(), object.isObject() ? object : null,
                oldObject.isObject() ? oldObject : null, "allowed", List.of(), List.of(), List.of(), null, ops), null);
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

    private AuditRecord audit(String uid, String endpoint, JsonNode req, String op, JsonNode object, JsonNode oldObject,
                              String decision, List<String> rules, List<String> messages, List<String> warnings,
                              AuditRecord.Rollout rollout, Integer patchOps) {
        JsonNode subject = object != null ? object : oldObject;
        List<String> groups = new ArrayList<>();
        JsonNode given = req.path("userInfo").path("groups");
        for (int i = 0; i < given.size() && i < MAX_GROUPS; i++) {
            groups.add(text(given.get(i)));
        }
        if (given.size() > MAX_GROUPS) {
            groups.add("(and " + (given.size() - MAX_GROUPS) + " more)");
        }
        String ns = stringOr(req.path("namespace"), subject == null ? "" : stringOr(subject.path("metadata").path("namespace"), ""));
        String name = stringOr(req.path("name"), subject == null ? "" : stringOr(subject.path("metadata").path("name"), ""));
        // The kind the API server names in the review (request.kind), else the object's own.
        String kind = stringOr(req.path("kind").path("kind"), subject == null ? null : stringOr(subject.path("kind"), null));
        return new AuditRecord(AuditRecord.time(clock.instant()), uid, endpoint,
                stringOr(req.path("userInfo").path("username"), null), groups, op, kind, ns, name,
                req.path("dryRun").asBoolean(false), logSubcommand(oldObject), logSubcommand(object),
                oldObject == null ? null : stringOr(oldObject.path("status").path("phase"), null),
                decision, rules, messages, warnings, rollout, patchOps, 0);
    }

    private static String logSubcommand(JsonNode object) {
        if (object == null) {
            return null;
        }
        JsonNode spec = object.path("spec");
        if (!"log".equals(stringOr(spec.path("backupMode"), ""))) {
            return null;
        }
        return stringOr(spec.path("logSubcommand"), spec.path("logStop").asBoolean(false) ? "(logStop: true)" : "");
    }

    /** A string field cut to 300 characters, or {@code otherwise} when it is absent or not a string (never an exception). */
    private static String stringOr(JsonNode n, String otherwise) {
        if (n.isString()) {
            String s = n.asString();
            return s.length() > 300 ? s.substring(0, 297) + "..." : s;
        }
        return n.isMissingNode() || n.isNull() ? otherwise : text(n);
    }

    /** The body as UTF-8 JSON bytes. */
    public static byte[] bytes(JsonNode body) {
        return Json.JSON.writeValueAsBytes(body);
    }
}
