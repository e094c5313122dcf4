package io.brguard.policy.testing;

import dev.cel.common.CelAbstractSyntaxTree;
import dev.cel.common.CelFunctionDecl;
import dev.cel.common.CelOptions;
import dev.cel.common.CelOverloadDecl;
import dev.cel.common.ast.CelExpr;
import dev.cel.common.types.ListType;
import dev.cel.common.types.SimpleType;
import dev.cel.common.types.TypeParamType;
import dev.cel.compiler.CelCompiler;
import dev.cel.compiler.CelCompilerFactory;
import dev.cel.extensions.CelExtensions;
import dev.cel.parser.CelStandardMacro;
import dev.cel.runtime.CelEvaluationException;
import dev.cel.runtime.CelEvaluationListener;
import dev.cel.runtime.CelFunctionBinding;
import dev.cel.runtime.CelRuntime;
import dev.cel.runtime.CelRuntimeFactory;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The CEL environment of a ValidatingAdmissionPolicy, as close as cel-java allows to Kubernetes' own
 * (k8s.io/apiserver pkg/admission/plugin/cel/compile.go createEnvForOpts on the base environment of
 * pkg/cel/environment/base.go, for an API server of 1.30, whose expressions may use what 1.29 offers):
 * <ul>
 *   <li>variables {@code object} and {@code oldObject} (dynamic: the unstructured object, null on CREATE for
 *   oldObject), {@code request} (typed in Kubernetes: only {@link #REQUEST_FIELDS} may be read, which
 *   {@link #requestFields} lets a test check) and {@code variables} (the policy's variables by name; dynamic here,
 *   where Kubernetes types each by its expression's type: a check here can only be laxer, so the tests also ask for
 *   exactly bool validations and string messages, as Kubernetes does);</li>
 *   <li>the standard macros and functions, optional types (1.28), the extended strings library version 2 (1.29),
 *   and the Kubernetes list library's {@code indexOf} and {@code lastIndexOf} (library.Lists), bound here with
 *   the Kubernetes semantics (the first or last index of an equal element, -1 if none);</li>
 *   <li>regex matching as RE2 does it, anywhere in the string (cel-java uses re2j);</li>
 *   <li>the runtime cost of an evaluation, counted as cel-go's CostTracker counts it (interpreter/runtimecost.go)
 *   with Kubernetes' cost estimator for its libraries (pkg/cel/library/cost.go) and a free has()
 *   (PresenceTestHasCost(false)).</li>
 * </ul>
 * A function outside {@link #FUNCTIONS} fails {@link #compile}: the policy uses nothing a 1.30 API server lacks.
 */
public final class KubernetesCel {
    /** k8s.io/apiserver pkg/apis/cel/config.go: the cost one expression may reach before it is stopped. */
    public static final long PER_CALL_LIMIT = 1_000_000;
    /** The same file: the cost of all expressions of one policy and binding for one request. */
    public static final long RUNTIME_COST_BUDGET = 10_000_000;
    /** The same file: a messageExpression's longest result; a longer one falls back to the static message. */
    public static final int MAX_MESSAGE_EXPRESSION_BYTES = 5 * 1024;

    /** The fields of the AdmissionRequest type the request variable has (compile.go BuildRequestType). */
    public static final Set<String> REQUEST_FIELDS = Set.of("kind", "resource", "subResource", "requestKind",
            "requestResource", "requestSubResource", "name", "namespace", "operation", "userInfo", "dryRun", "options");

    /**
     * Every function and operator the policy may call: CEL's standard definitions (operators, size, matches,
     * contains, startsWith, endsWith, conversions, the macros' internals), optional types (_?._, _[?_], orValue,
     * hasValue, or, value, optional.*), the strings extension v2 (charAt, indexOf, lastIndexOf, lowerAscii,
     * upperAscii, replace, split, join, substring, trim) and the Kubernetes list library (indexOf, lastIndexOf).
     */
    public static final Set<String> FUNCTIONS = Set.of(
            "_&&_", "_||_", "_?_:_", "!_", "-_", "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_", "_+_", "_-_", "_*_",
            "_/_", "_%_", "_[_]", "@in", "@not_strictly_false", "size", "matches", "contains", "startsWith", "endsWith",
            "string", "int", "uint", "double", "bool", "type", "dyn",
            "_?._", "_[?_]", "orValue", "hasValue", "or", "value", "optional.of", "optional.none", "optional.ofNonZeroValue",
            "charAt", "indexOf", "lastIndexOf", "lowerAscii", "upperAscii", "replace", "split", "join", "substring", "trim");

    private static final CelOptions OPTIONS = CelOptions.current().enableOptionalSyntax(true).enableRegexPartialMatch(true)
            .enableHeterogeneousNumericComparisons(true).build();
    private static final TypeParamType A = TypeParamType.create("A");

    private static final CelCompiler COMPILER = CelCompilerFactory.standardCelCompilerBuilder().setOptions(OPTIONS)
            .setStandardMacros(CelStandardMacro.STANDARD_MACROS)
            .addLibraries(CelExtensions.optional(), CelExtensions.strings())
            .addFunctionDeclarations(
                    CelFunctionDecl.newFunctionDeclaration("indexOf",
                            CelOverloadDecl.newMemberOverload("list_a_index_of_a", SimpleType.INT, ListType.create(A), A)),
                    CelFunctionDecl.newFunctionDeclaration("lastIndexOf",
                            CelOverloadDecl.newMemberOverload("list_a_last_index_of_a", SimpleType.INT, ListType.create(A), A)))
            .addVar("object", SimpleType.DYN).addVar("oldObject", SimpleType.DYN)
            .addVar("request", SimpleType.DYN).addVar("variables", SimpleType.DYN).build();

    private static final CelRuntime RUNTIME = CelRuntimeFactory.standardCelRuntimeBuilder().setOptions(OPTIONS)
            .addLibraries(CelExtensions.optional(), CelExtensions.strings())
            .addFunctionBindings(
                    CelFunctionBinding.from("list_a_index_of_a", List.class, Object.class, (l, x) -> (long) l.indexOf(x)),
                    CelFunctionBinding.from("list_a_last_index_of_a", List.class, Object.class, (l, x) -> (long) l.lastIndexOf(x)))
            .build();

    private KubernetesCel() {
    }

    /** A compiled expression. */
    public record Program(String expression, CelAbstractSyntaxTree ast, CelRuntime.Program program) {
    }

    /** An evaluation's value (or error) and its runtime cost. */
    public record Result(Object value, CelEvaluationException error, long cost) {
    }

    /** Compiles and type-checks an expression; throws if it does not compile or calls a function Kubernetes lacks. */
    public static Program compile(String expression) {
        try {
            CelAbstractSyntaxTree ast = COMPILER.compile(expression).getAst();
            Set<String> unknown = new TreeSet<>(functions(ast));
            unknown.removeAll(FUNCTIONS);
            if (!unknown.isEmpty()) {
                throw new IllegalArgumentException("functions a 1.30 API server does not offer: " + unknown + " in " + expression);
            }
            return new Program(expression, ast, RUNTIME.createProgram(ast));
        } catch (dev.cel.common.CelValidationException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        } catch (CelEvaluationException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The functions and operators an expression calls. */
    public static Set<String> functions(CelAbstractSyntaxTree ast) {
        Set<String> out = new TreeSet<>();
        walk(ast.getExpr(), e -> {
            if (e.exprKind().getKind() == CelExpr.ExprKind.Kind.CALL) {
                out.add(e.call().function());
            }
        });
        return out;
    }

    /** The constant patterns an expression passes to matches(), which the API server compiles when it stores it. */
    public static Set<String> regexLiterals(CelAbstractSyntaxTree ast) {
        Set<String> out = new TreeSet<>();
        walk(ast.getExpr(), e -> {
            if (e.exprKind().getKind() == CelExpr.ExprKind.Kind.CALL && e.call().function().equals("matches")) {
                CelExpr pattern = e.call().args().get(e.call().args().size() - 1);
                if (pattern.exprKind().getKind() == CelExpr.ExprKind.Kind.CONSTANT) {
                    out.add(pattern.constant().stringValue());
                }
            }
        });
        return out;
    }

    /** How deep the expression's tree nests (cel-go's parser refuses one deeper than its recursion limit, 250). */
    public static int depth(CelAbstractSyntaxTree ast) {
        return depth(ast.getExpr());
    }

    private static int depth(CelExpr e) {
        List<CelExpr> children = new ArrayList<>();
        switch (e.exprKind().getKind()) {
            case CALL -> {
                e.call().target().ifPresent(children::add);
                children.addAll(e.call().args());
            }
            case SELECT -> children.add(e.select().operand());
            case LIST -> children.addAll(e.list().elements());
            case MAP -> e.map().entries().forEach(x -> {
                children.add(x.key());
                children.add(x.value());
            });
            case COMPREHENSION -> {
                children.add(e.comprehension().iterRange());
                children.add(e.comprehension().loopStep());
                children.add(e.comprehension().result());
            }
            default -> {
            }
        }
        int max = 0;
        for (CelExpr c : children) {
            max = Math.max(max, depth(c));
        }
        return 1 + max;
    }

    /** The fields read off {@code request} ({@code request.namespace} gives namespace). */
    public static Set<String> requestFields(CelAbstractSyntaxTree ast) {
        Set<String> out = new TreeSet<>();
        walk(ast.getExpr(), e -> {
            if (e.exprKind().getKind() == CelExpr.ExprKind.Kind.SELECT) {
                CelExpr operand = e.select().operand();
                if (operand.exprKind().getKind() == CelExpr.ExprKind.Kind.IDENT && operand.ident().name().equals("request")) {
                    out.add(e.select().field());
                }
            }
        });
        return out;
    }

    private static void walk(CelExpr e, java.util.function.Consumer<CelExpr> visit) {
        visit.accept(e);
        switch (e.exprKind().getKind()) {
            case CALL -> {
                e.call().target().ifPresent(t -> walk(t, visit));
                e.call().args().forEach(a -> walk(a, visit));
            }
            case SELECT -> walk(e.select().operand(), visit);
            case LIST -> e.list().elements().forEach(x -> walk(x, visit));
            case MAP -> e.map().entries().forEach(x -> {
                walk(x.key(), visit);
                walk(x.value(), visit);
            });
            case COMPREHENSION -> {
                walk(e.comprehension().iterRange(), visit);
                walk(e.comprehension().accuInit(), visit);
                walk(e.comprehension().loopCondition(), visit);
                walk(e.comprehension().loopStep(), visit);
                walk(e.comprehension().result(), visit);
            }
            default -> {
            }
        }
    }

    /** Evaluates a program on an activation (object, oldObject, request, variables), with its cost. */
    public static Result eval(Program p, Map<String, Object> activation) {
        CostTracker tracker = new CostTracker();
        try {
            Object v = p.program().trace(activation, tracker);
            return new Result(v, null, tracker.cost);
        } catch (CelEvaluationException e) {
            return new Result(null, e, tracker.cost);
        }
    }

    /**
     * cel-go's runtime cost (interpreter/runtimecost.go CostObserver and costCall) over cel-java's trace of the
     * evaluated expressions: an identifier or field selection 1, a presence test 0, a constant 0, a list literal 10,
     * a map literal 30, && || and ?: nothing of their own, a function by its cost, 1 unless Kubernetes or cel-go
     * gives a size-dependent one.
     */
    private static final class CostTracker implements CelEvaluationListener {
        private final Map<Long, Object> results = new HashMap<>();
        private long cost;

        @Override
        public void callback(CelExpr expr, Object result) {
            switch (expr.exprKind().getKind()) {
                case IDENT -> cost += 1;
                case SELECT -> cost += expr.select().testOnly() ? 0 : 1;
                case LIST -> cost += 10;
                case MAP -> cost += 30;
                case STRUCT -> cost += 40;
                case CALL -> cost += call(expr);
                default -> {
                }
            }
            results.put(expr.id(), result);
        }

        private long call(CelExpr expr) {
            String fn = expr.call().function();
            List<Object> args = new ArrayList<>();
            expr.call().target().ifPresent(t -> args.add(results.get(t.id())));
            expr.call().args().forEach(a -> args.add(results.get(a.id())));
            return switch (fn) {
                case "_&&_", "_||_", "_?_:_" -> 0;
                case "startsWith", "endsWith" -> ceil(size(args.get(0)) * 0.1);
                case "@in" -> args.get(1) instanceof List<?> l ? l.size() : 1;
                case "_==_", "_!=_", "_<_", "_<=_", "_>_", "_>=_" -> ceil(Math.min(size(args.get(0)), size(args.get(1))) * 0.1);
                case "_+_" -> args.get(0) instanceof String || args.get(0) instanceof byte[]
                        ? ceil((size(args.get(0)) + size(args.get(1))) * 0.1) : 1;
                case "matches" -> ceil((1 + size(args.get(0))) * 0.1) * ceil(size(args.get(1)) * 0.25);
                case "contains" -> ceil(size(args.get(0)) * 0.1) * ceil(size(args.get(1)) * 0.1);
                case "indexOf", "lastIndexOf" -> traversal(args.get(0));
                case "lowerAscii", "upperAscii", "substring", "trim" -> ceil(size(args.get(0)) * 0.1);
                case "replace", "split" -> ceil(size(args.get(0)) * 2 * 0.1);
                case "join" -> ceil(size(results.get(expr.id())) * 2 * 0.1);
                default -> 1;
            };
        }

        private static long ceil(double d) {
            return (long) Math.ceil(d);
        }

        /** cel-go's actualSize: a string's, a list's or a map's size, 1 for anything else. */
        private static long size(Object v) {
            if (v instanceof String s) {
                return s.codePointCount(0, s.length());
            }
            if (v instanceof Collection<?> c) {
                return c.size();
            }
            if (v instanceof Map<?, ?> m) {
                return m.size();
            }
            return 1;
        }

        /** Kubernetes' traversalCost: strings at a tenth of their length, lists and maps by their entries. */
        private static long traversal(Object v) {
            if (v instanceof String s) {
                return (long) (s.length() * 0.1);
            }
            if (v instanceof Collection<?> c) {
                long sum = 0;
                for (Object x : c) {
                    sum += traversal(x);
                }
                return sum;
            }
            if (v instanceof Map<?, ?> m) {
                long sum = 0;
                for (var e : m.entrySet()) {
                    sum += traversal(e.getKey()) + traversal(e.getValue());
                }
                return sum;
            }
            return 1;
        }
    }
}
