package io.brguard.policy.rollout;

import io.brguard.policy.Unchecked;
import io.brguard.policy.Verdict;
import io.brguard.policy.Violation;
import io.brguard.policy.Warning;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Applies a {@link RolloutConfig} to the policy's verdict, the way Kyverno's validationFailureAction and
 * Gatekeeper's enforcementAction do: per rule Enforce (deny), Warn (allow, the finding as an admission warning and
 * a would-deny in the audit line) or Off; exempt namespaces and labels; and the break-glass annotation, honoured
 * only for the users and groups the configuration names. Pure: the same for the webhook and {@code brguard check}.
 */
public final class Enforcement {
    /** The break-glass annotation; its value is the reason, written into the audit line and an Event. */
    public static final String BREAK_GLASS = "brguard.io/break-glass";
    /** The longest reason kept. */
    static final int MAX_REASON = 300;

    private Enforcement() {
    }

    /**
     * The request as far as the rollout reads it; user and groups are null offline. {@code labels} are the labels of
     * the object the request is about (the new one, the old one for a DELETE); {@code oldLabels} those of the old
     * object on an UPDATE, null when there is none (CREATE, DELETE, offline).
     */
    public record Request(String namespace, Map<String, String> labels, Map<String, String> oldLabels,
                          String breakGlassReason, String user, List<String> groups) {

        /** A request with no old object to compare labels with. */
        public Request(String namespace, Map<String, String> labels, String breakGlassReason, String user, List<String> groups) {
            this(namespace, labels, null, breakGlassReason, user, groups);
        }

        /**
         * The request about a Backup: the labels of {@code object} (of {@code oldObject} when there is no new one, as
         * for a DELETE), the old object's labels when both are given (an UPDATE), and the break-glass annotation of
         * the new object only.
         */
        public static Request of(String namespace, JsonNode object, JsonNode oldObject, String user, List<String> groups) {
            boolean update = object != null && object.isObject() && oldObject != null && oldObject.isObject();
            JsonNode subject = object != null && object.isObject() ? object : oldObject;
            JsonNode reason = object == null ? null : object.path("metadata").path("annotations").path(BREAK_GLASS);
            return new Request(namespace, labels(subject), update ? labels(oldObject) : null,
                    reason != null && reason.isString() ? reason.asString() : null, user, groups);
        }

        private static Map<String, String> labels(JsonNode object) {
            Map<String, String> labels = new HashMap<>();
            if (object != null) {
                object.path("metadata").path("labels").properties().forEach(e -> labels.put(e.getKey(), e.getValue().asString("")));
            }
            return labels;
        }
    }

    /**
     * The decision after the rollout.
     *
     * @param verdict    what the request is answered with
     * @param mode       which mode decided: Enforce, Warn or Off (the strictest mode among the findings, the default
     *                   mode without findings), exempt, or break-glass
     * @param wouldDeny  the denials not enforced (Warn, exempt, break-glass), as the policy wrote them
     * @param exemptBy   "namespace" or "selector" when exempt, else null
     * @param breakGlass the break-glass reason when it was honoured, else null
     */
    public record Decision(Verdict verdict, String mode, List<String> wouldDeny, String exemptBy, String breakGlass) {
    }

    public static Decision apply(Verdict v, RolloutConfig config, Request r) {
        List<String> all = v.violations().stream().map(Violation::message).toList();
        String exemptBy = config.exemptNamespaces().contains(r.namespace()) ? "namespace"
                : exemptByLabels(config.exemptSelector(), r) ? "selector" : null;
        if (exemptBy != null) {
            return new Decision(allowed(v, v.warnings()), "exempt", all, exemptBy, null);
        }
        List<Warning> warnings = new ArrayList<>(v.warnings());
        if (r.oldLabels() != null && config.exemptSelector().matches(r.labels())) {
            // The change that makes a Backup exempt is itself judged, and says what it does.
            warnings.add(Warning.fitted("rollout.exempt-label", "metadata.labels",
                    "now matches exemptions.selector: this change is judged, later ones are exempt"));
        }
        String reason = r.breakGlassReason() == null || r.breakGlassReason().isBlank() ? null : r.breakGlassReason().strip();
        if (reason != null && reason.length() > MAX_REASON) {
            reason = reason.substring(0, MAX_REASON - 3) + "..."; // it goes into every audit line and an Event
        }
        if (reason != null) {
            if (mayBreakGlass(config, r)) {
                return new Decision(allowed(v, warnings), "break-glass", all, null, reason);
            }
            warnings.add(Warning.fitted("rollout.break-glass-refused", "metadata.annotations",
                    "ignored: " + (r.user() == null ? "this request" : r.user()) + " may not break the glass"));
        }
        List<Violation> enforced = new ArrayList<>();
        List<String> wouldDeny = new ArrayList<>();
        RolloutConfig.Mode strictest = null;
        for (Violation x : v.violations()) {
            RolloutConfig.Mode m = config.modeOf(x.ruleId());
            strictest = strictest == null || m.ordinal() < strictest.ordinal() ? m : strictest;
            switch (m) {
                case ENFORCE -> enforced.add(x);
                case WARN -> {
                    wouldDeny.add(x.message());
                    warnings.add(Warning.fitted(x.ruleId(), x.path(), "would deny: " + x.problem()));
                }
                case OFF -> { }
            }
        }
        // A rule that cannot deny does not make the answer wait for a lookup that failed.
        List<Unchecked> unchecked = v.unchecked().stream().filter(u -> config.modeOf(u.ruleId()) == RolloutConfig.Mode.ENFORCE).toList();
        List<Warning> kept = warnings.stream().filter(w -> w.ruleId().startsWith("rollout.")
                || config.modeOf(w.ruleId()) != RolloutConfig.Mode.OFF).toList();
        String mode = (strictest == null ? config.defaultMode() : strictest).label();
        return new Decision(new Verdict(enforced, kept, v.patch(), unchecked), mode, wouldDeny, null, null);
    }

    /*
     * Labels are written by whoever writes the Backup: matched on the new object alone, a requester could add the
     * exempt label in the very update the policy would deny and exempt itself. An update is exempt only when the
     * object was exempt before it too; adding the label is then one change, judged like any other (denied while
     * its other edits break a rule), and removing it ends the exemption at once.
     */
    private static boolean exemptByLabels(LabelSelector selector, Request r) {
        return selector.matches(r.labels()) && (r.oldLabels() == null || selector.matches(r.oldLabels()));
    }

    static boolean mayBreakGlass(RolloutConfig config, Request r) {
        if (r.user() != null && config.breakGlassUsers().contains(r.user())) {
            return true;
        }
        return r.groups() != null && r.groups().stream().anyMatch(config.breakGlassGroups()::contains);
    }

    private static Verdict allowed(Verdict v, List<Warning> warnings) {
        return new Verdict(List.of(), warnings, v.patch(), List.of());
    }
}
