package io.brguard.policy.testing;

import tools.jackson.databind.JsonNode;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A ValidatingAdmissionPolicy object evaluated as the API server evaluates it for one request
 * (k8s.io/apiserver pkg/admission/plugin/policy/validating): every validation in order, each reading the policy's
 * variables, which are evaluated when first read and then remembered, their cost charged once, to the expression
 * that first reads them ("Variable composition", kubernetes/website validating-admission-policy.md); a validation
 * whose expression is false is a denial with its messageExpression's result, or its message when that fails, is
 * longer than 5 KiB or spans lines. Every variable is also evaluated once on its own, so that an error in one is
 * seen even where no validation reaches it.
 */
public final class AdmissionPolicyRun {
    private final Map<String, KubernetesCel.Program> variables = new LinkedHashMap<>();
    private final List<KubernetesCel.Program> expressions = new ArrayList<>();
    private final List<KubernetesCel.Program> messageExpressions = new ArrayList<>();
    private final List<String> messages = new ArrayList<>();

    /** Compiles every expression of the policy object; throws if one does not compile in Kubernetes' environment. */
    public AdmissionPolicyRun(JsonNode policy) {
        for (JsonNode v : policy.path("spec").path("variables")) {
            variables.put(v.path("name").asString(), KubernetesCel.compile(v.path("expression").asString()));
        }
        for (JsonNode v : policy.path("spec").path("validations")) {
            expressions.add(KubernetesCel.compile(v.path("expression").asString()));
            messages.add(v.path("message").asString());
            messageExpressions.add(v.has("messageExpression") ? KubernetesCel.compile(v.path("messageExpression").asString()) : null);
        }
    }

    /** Every compiled program, for tests of what they call. */
    public List<KubernetesCel.Program> programs() {
        List<KubernetesCel.Program> all = new ArrayList<>(variables.values());
        all.addAll(expressions);
        messageExpressions.stream().filter(java.util.Objects::nonNull).forEach(all::add);
        return all;
    }

    /** A failed validation: its index in spec.validations and the message the API server gives. */
    public record Denial(int index, String message, boolean messageFromExpression) {
    }

    /**
     * What the policy decided: its denials, the expressions that could not be evaluated (failurePolicy decides
     * those), the costliest single expression (with every variable's cost added, as an upper bound of what one
     * expression reaching them all would be charged) and the cost of the whole evaluation.
     */
    public record Outcome(List<Denial> denials, List<String> errors, long maxCost, long totalCost) {
    }

    public Outcome evaluate(Object object, Object oldObject, Object request) {
        List<String> errors = new ArrayList<>();
        Lazy eager = new Lazy(object, oldObject, request, errors);
        variables.keySet().forEach(eager::get);
        Lazy lazy = new Lazy(object, oldObject, request, new ArrayList<>());
        long max = 0;
        long total = 0;
        List<Denial> denials = new ArrayList<>();
        for (int i = 0; i < expressions.size(); i++) {
            KubernetesCel.Result r = lazy.eval(expressions.get(i));
            total += r.cost();
            max = Math.max(max, r.cost());
            if (r.error() != null) {
                errors.add("validations[" + i + "]: " + r.error().getMessage());
                continue;
            }
            if (!(r.value() instanceof Boolean)) {
                errors.add("validations[" + i + "]: not a bool: " + r.value());
                continue;
            }
            if (!(Boolean) r.value()) {
                String message = messages.get(i);
                boolean fromExpression = false;
                if (messageExpressions.get(i) != null) {
                    KubernetesCel.Result m = lazy.eval(messageExpressions.get(i));
                    total += m.cost();
                    max = Math.max(max, m.cost());
                    if (m.error() != null || !(m.value() instanceof String)) {
                        errors.add("validations[" + i + "].messageExpression: " + (m.error() != null ? m.error().getMessage()
                                : "not a string"));
                    } else if (((String) m.value()).getBytes(java.nio.charset.StandardCharsets.UTF_8).length
                            <= KubernetesCel.MAX_MESSAGE_EXPRESSION_BYTES && !((String) m.value()).contains("\n")
                            && !((String) m.value()).contains("\r")) {
                        message = (String) m.value();
                        fromExpression = true;
                    }
                    // else: too long or more than one line, and the API server shows the static message.
                }
                denials.add(new Denial(i, message, fromExpression));
            }
        }
        return new Outcome(denials, errors, max, total);
    }

    /**
     * The variables of one request as the API server holds them: a map whose entries are evaluated on first read
     * and remembered, the cost of the evaluation added to the expression being evaluated.
     */
    private final class Lazy extends java.util.AbstractMap<String, Object> {
        private final Map<String, Object> activation = new HashMap<>();
        private final Map<String, Object> values = new HashMap<>();
        private final List<String> errors;
        private long charged;

        Lazy(Object object, Object oldObject, Object request, List<String> errors) {
            activation.put("object", object);
            activation.put("oldObject", oldObject);
            activation.put("request", request);
            activation.put("variables", this);
            this.errors = errors;
        }

        /** Evaluates a validation or message expression: its own cost and that of the variables it reads first. */
        KubernetesCel.Result eval(KubernetesCel.Program p) {
            charged = 0;
            KubernetesCel.Result r = KubernetesCel.eval(p, activation);
            return new KubernetesCel.Result(r.value(), r.error(), r.cost() + charged);
        }

        @Override
        public boolean containsKey(Object key) {
            return variables.containsKey(key);
        }

        @Override
        public Object get(Object key) {
            if (!variables.containsKey(key)) {
                return null;
            }
            if (!values.containsKey(key)) {
                long outer = charged;
                charged = 0;
                KubernetesCel.Result r = KubernetesCel.eval(variables.get(key), activation);
                charged = outer + charged + r.cost();
                if (r.error() != null) {
                    errors.add("variables." + key + ": " + r.error().getMessage());
                }
                values.put((String) key, r.value());
            }
            return values.get(key);
        }

        @Override
        public java.util.Set<Entry<String, Object>> entrySet() {
            throw new UnsupportedOperationException("the policy's variables are read one by one");
        }
    }
}
