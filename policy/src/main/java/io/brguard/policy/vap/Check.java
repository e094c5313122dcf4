package io.brguard.policy.vap;

/**
 * One validation of a generated ValidatingAdmissionPolicy: the CEL {@code expression} that must hold, the static
 * {@code message} the API server falls back to, and the {@code messageExpression} that gives brguard's one-line
 * denial. {@code path} is the field the denial names (a pattern where the field varies).
 */
public record Check(String ruleId, String path, String expression, String message, String messageExpression,
                    Fidelity fidelity) {

    /** How close the message comes to the webhook's denial for the same object. */
    public enum Fidelity {
        /** The webhook's line, character for character. */
        EXACT,
        /** The webhook's rule, field and fix; the problem words a detail CEL cannot compute. */
        SAME_FIX,
        /** The webhook's rule and field; the fix names a value only the webhook computes. */
        SAME_RULE_AND_PATH
    }
}
