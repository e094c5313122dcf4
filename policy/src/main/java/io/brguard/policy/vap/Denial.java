package io.brguard.policy.vap;

import static io.brguard.policy.vap.Cel.cut;
import static io.brguard.policy.vap.Cel.not;
import static io.brguard.policy.vap.Cel.q;

/**
 * Builds a {@link Check} from the parts of brguard's denial, {@code <rule-id> <field.path>: <what is wrong>
 * (<value>); <what to do>}: the static parts as text, the parts that depend on the object as CEL.
 */
final class Denial {
    private Denial() {
    }

    /** A denial whose rule, field, problem and fix are fixed and whose value (CEL, or null for none) varies. */
    static Check of(String ruleId, String path, String denyWhen, String problem, String value, String fix,
                    Check.Fidelity fidelity) {
        String head = ruleId + " " + path + ": " + problem;
        String message = head + "; " + fix;
        String expression = value == null ? null : q(head + " (") + " + " + cut(value) + " + " + q("); " + fix);
        return new Check(ruleId, path, not(denyWhen), message, expression, fidelity);
    }

    static Check exact(String ruleId, String path, String denyWhen, String problem, String value, String fix) {
        return of(ruleId, path, denyWhen, problem, value, fix, Check.Fidelity.EXACT);
    }

    /**
     * A denial whose text is built by CEL ({@code messageExpression}); {@code message} is what the API server shows
     * if that fails to evaluate.
     */
    static Check built(String ruleId, String path, String denyWhen, String message, String messageExpression,
                       Check.Fidelity fidelity) {
        return new Check(ruleId, path, not(denyWhen), message, messageExpression, fidelity);
    }

    /** CEL for {@code <head> (<value>); <fix>} where every part is CEL. */
    static String line(String head, String value, String fix) {
        return head + (value == null ? "" : " + ' (' + " + cut(value) + " + ')'") + " + '; ' + " + fix;
    }
}
