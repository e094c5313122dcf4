package io.brguard.policy.vap;

import com.google.re2j.Pattern;
import io.brguard.policy.RuleCatalog;
import io.brguard.policy.field.GoDuration;
import io.brguard.policy.rules.FieldRules;
import io.brguard.policy.testing.AdmissionPolicyRun;
import io.brguard.policy.testing.Fixtures;
import io.brguard.policy.testing.KubernetesCel;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.JsonNode;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.TreeSet;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * What the API server asks of a ValidatingAdmissionPolicy before it stores one (k8s.io/kubernetes
 * pkg/apis/admissionregistration/validation/validation.go) and what the policy's regular expressions must keep:
 * every expression compiles in Kubernetes' environment and reads only fields the request has, a static message is
 * one line, variable names are CEL identifiers; each pattern the policy matches with RE2 refuses only what the
 * Java rule refuses; and docs/rules.md lists what the fallback covers as {@link AdmissionPolicies#coverage()} says.
 */
class AdmissionPolicyShapeTest {
    private static final boolean UPDATE = Boolean.getBoolean("brguard.updateDocs");

    @Test
    void everyExpressionCompilesInKubernetesEnvironmentAndReadsOnlyTheRequestsFields() {
        int programs = 0;
        int patterns = 0;
        for (AdmissionPolicies.Policy p : AdmissionPolicies.policies()) {
            JsonNode object = AdmissionPolicies.policyObject(p);
            AdmissionPolicyRun run = new AdmissionPolicyRun(object); // throws on a function Kubernetes lacks
            for (KubernetesCel.Program program : run.programs()) {
                programs++;
                Set<String> unknown = new TreeSet<>(KubernetesCel.requestFields(program.ast()));
                unknown.removeAll(KubernetesCel.REQUEST_FIELDS);
                assertEquals(Set.of(), unknown, program.expression());
                // cel-go's parser refuses an expression over 100,000 code points (ExpressionSizeCodePointLimit) or
                // nested deeper than its recursion limit (250); since 1.29 the API server compiles every constant
                // pattern of matches() with RE2 when it stores the policy (cel.ValidateRegexLiterals).
                assertTrue(program.expression().codePointCount(0, program.expression().length()) < 100_000);
                assertTrue(KubernetesCel.depth(program.ast()) < 125, "nested " + KubernetesCel.depth(program.ast()) + " deep");
                KubernetesCel.regexLiterals(program.ast()).forEach(Pattern::compile);
                patterns += KubernetesCel.regexLiterals(program.ast()).size();
            }
            // compile.go CompileCELExpression: a validation must type-check to bool and a messageExpression to string,
            // exactly (a dyn result is refused).
            for (JsonNode v : object.path("spec").path("validations")) {
                assertEquals(dev.cel.common.types.SimpleType.BOOL, KubernetesCel.compile(v.path("expression").asString()).ast().getResultType(),
                        v.path("expression").asString());
                if (v.has("messageExpression")) {
                    assertEquals(dev.cel.common.types.SimpleType.STRING, KubernetesCel.compile(v.path("messageExpression").asString())
                            .ast().getResultType(), v.path("messageExpression").asString());
                }
            }
            for (JsonNode v : object.path("spec").path("variables")) {
                assertTrue(v.path("name").asString().matches("[a-zA-Z_][a-zA-Z0-9_]*"), v.path("name").asString());
            }
            for (JsonNode v : object.path("spec").path("validations")) {
                String message = v.path("message").asString();
                assertFalse(message.isBlank() || message.contains("\n") || message.contains("\r"), message);
                assertTrue(RuleCatalog.contains(message.substring(0, message.indexOf(' '))), message);
            }
            assertEquals(p.checks().size(), object.path("spec").path("validations").size());
        }
        assertTrue(programs > 100);
        assertTrue(patterns > 10, patterns + " patterns");
    }

    @Test
    void everyCheckNamesARuleOfTheCatalogAndEveryRuleIsCoveredOrSaysWhyNot() {
        AdmissionPolicies.policies().forEach(p -> p.checks().forEach(c -> assertTrue(RuleCatalog.contains(c.ruleId()), c.ruleId())));
        assertEquals(RuleCatalog.entries().keySet(), AdmissionPolicies.coverage().keySet());
        assertEquals(List.of(), AdmissionPolicies.staleNotes(), "notes on rules that are in fact covered, or not");
    }

    /** Random strings of the characters that matter to a pattern, and the pattern's verdict against Java's. */
    private static List<String> samples(String alphabet, int count, int maxLength, long seed) {
        Random r = new Random(seed);
        int[] cps = alphabet.codePoints().toArray();
        List<String> out = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            StringBuilder b = new StringBuilder();
            int n = r.nextInt(maxLength + 1);
            for (int j = 0; j < n; j++) {
                b.appendCodePoint(cps[r.nextInt(cps.length)]);
            }
            out.add(b.toString());
        }
        return out;
    }

    /** What the policy refuses as no Go duration, Go refuses too (GoDuration is a port of time.ParseDuration). */
    @Test
    void aDurationThePolicyRefusesIsOneGoRefuses() {
        Pattern go = Pattern.compile(SpecChecks.GO_DURATION);
        int refused = 0;
        int accepted = 0;
        for (String s : samples("0123456789.+-nsuµμmhd ", 200_000, 8, 29)) {
            boolean javaValid = GoDuration.parse(s) instanceof GoDuration.Value;
            if (!go.matcher(s).find()) {
                refused++;
                assertFalse(javaValid, "the policy refuses " + s + ", which Go reads");
            } else {
                accepted++;
                // Past Go's int64 nanoseconds is the only thing Go refuses that the pattern lets through.
                assertTrue(javaValid || nanoseconds(s).compareTo(java.math.BigDecimal.valueOf(Long.MAX_VALUE)) > 0,
                        "Go refuses " + s + ", which the pattern lets through");
            }
        }
        assertTrue(refused > 1000 && accepted > 1000, refused + " " + accepted);
    }

    /** The magnitude of a duration the pattern accepts, in nanoseconds, without Go's int64 bound. */
    private static java.math.BigDecimal nanoseconds(String s) {
        java.util.Map<String, Long> units = java.util.Map.of("ns", 1L, "us", 1_000L, "\u00b5s", 1_000L, "\u03bcs", 1_000L,
                "ms", 1_000_000L, "s", 1_000_000_000L, "m", 60_000_000_000L, "h", 3_600_000_000_000L);
        java.math.BigDecimal total = java.math.BigDecimal.ZERO;
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("([0-9]*\\.?[0-9]*)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)").matcher(s);
        while (m.find()) {
            String number = m.group(1).startsWith(".") ? "0" + m.group(1) : m.group(1).endsWith(".") ? m.group(1) + "0" : m.group(1);
            total = total.add(new java.math.BigDecimal(number).multiply(java.math.BigDecimal.valueOf(units.get(m.group(2)))));
        }
        return total;
    }

    /** The container and cluster patterns read the same in RE2 (the policy) as in Java (the webhook). */
    @Test
    void theNamePatternsReadTheSameInRe2AsInJava() {
        Pattern container = Pattern.compile("^" + FieldRules.CONTAINER_PATTERN + "$");
        Pattern label = Pattern.compile("^" + FieldRules.DNS_LABEL_PATTERN + "$");
        for (String s : samples("ab09-A_./", 100_000, 70, 31)) {
            assertEquals(s.matches(FieldRules.CONTAINER_PATTERN), container.matcher(s).find(), s);
            assertEquals(s.matches(FieldRules.DNS_LABEL_PATTERN), label.matcher(s).find(), s);
        }
    }

    /**
     * An option pattern matches what FieldRules reads after Java's trim(): every character up to ' ' dropped at
     * either end (not Unicode spaces, which CEL's trim() would drop too).
     */
    @Test
    void anOptionPatternReadsTheOptionAsJavasTrimDoes() {
        for (String flag : FieldRules.SNAPSHOT_ONLY_FLAGS) {
            Pattern p = Pattern.compile(SpecChecks.option(flag, "([\\x00-\\x20]*$|=)"));
            for (String s : samples(" \t\u0001\u00a0=x-" + flag, 100_000, 14, flag.hashCode())) {
                String t = s.trim();
                assertEquals(t.equals(flag) || t.startsWith(flag + "="), p.matcher(s).find(), "[" + s + "]");
            }
        }
        Pattern scope = Pattern.compile(SpecChecks.option(FieldRules.ENCRYPTION_SCOPE, ""));
        for (String s : samples(" \t\u0001\u00a0=x" + FieldRules.ENCRYPTION_SCOPE, 50_000, 30, 37)) {
            assertEquals(s.trim().startsWith(FieldRules.ENCRYPTION_SCOPE), scope.matcher(s).find(), "[" + s + "]");
        }
    }

    @Test
    void rulesDocListsWhatTheFallbackCovers() throws IOException {
        Path path = Fixtures.path("docs/rules.md");
        String text = Files.readString(path);
        String start = "<!-- vap:coverage:start -->\n";
        String end = "<!-- vap:coverage:end -->";
        int a = text.indexOf(start);
        int b = text.indexOf(end);
        assertTrue(a >= 0 && b > a, "docs/rules.md has no vap:coverage section");
        String generated = AdmissionPolicies.markdown();
        if (UPDATE && !text.substring(a + start.length(), b).equals(generated)) {
            Files.writeString(path, text.substring(0, a + start.length()) + generated + text.substring(b));
            return;
        }
        assertEquals(generated, text.substring(a + start.length(), b),
                "docs/rules.md is out of date: run mvn -pl policy test -Dtest=AdmissionPolicyShapeTest -Dbrguard.updateDocs=true");
    }
}
