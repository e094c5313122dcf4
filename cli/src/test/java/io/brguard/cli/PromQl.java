package io.brguard.cli;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.DoubleBinaryOperator;
import java.util.regex.Pattern;

/**
 * The part of PromQL brguard's alerts and dashboard use, parsed and evaluated over recorded samples, so that the
 * tests can run them where promtool is not available. Semantics follow Prometheus (promql/engine.go and
 * functions.go): instant selectors look back 5 minutes, range selectors take the samples in (t - range, t], rate and
 * increase extrapolate as extrapolatedRate does, histogram_quantile interpolates linearly inside the bucket as
 * bucketQuantile does, vector matching is one-to-one on every label but the metric name, comparisons filter, and
 * absent() takes its labels from the equality matchers of a plain selector. Anything else (offset, on/ignoring,
 * group modifiers, bool, subqueries, other functions) is refused when parsed, so an expression that uses it fails
 * the test instead of being evaluated wrongly.
 */
final class PromQl {
    static final long LOOKBACK_MS = 5 * 60_000L;
    private static final Set<String> AGGREGATIONS = Set.of("sum", "max", "min", "count", "avg");
    private static final Set<String> FUNCTIONS = Set.of("rate", "increase", "histogram_quantile", "absent", "time");

    private PromQl() {
    }

    /** A parsed expression. */
    sealed interface Expr permits Num, Selector, Call, Aggregate, Binary, Neg {
    }

    record Num(double value) implements Expr {
    }

    record Matcher(String label, String op, String value) {
        boolean matches(String actual) {
            String v = actual == null ? "" : actual;
            return switch (op) {
                case "=" -> v.equals(value);
                case "!=" -> !v.equals(value);
                case "=~" -> Pattern.compile(value).matcher(v).matches();
                case "!~" -> !Pattern.compile(value).matcher(v).matches();
                default -> throw new IllegalStateException(op);
            };
        }
    }

    /** A vector selector; rangeMs > 0 makes it a range selector. */
    record Selector(String metric, List<Matcher> matchers, long rangeMs) implements Expr {
        boolean matches(Map<String, String> labels) {
            if (metric != null && !metric.equals(labels.get("__name__"))) {
                return false;
            }
            return matchers.stream().allMatch(m -> m.matches(labels.get(m.label())));
        }
    }

    record Call(String function, List<Expr> args) implements Expr {
    }

    record Aggregate(String op, boolean without, List<String> labels, Expr arg) implements Expr {
    }

    record Binary(String op, Expr left, Expr right) implements Expr {
    }

    record Neg(Expr arg) implements Expr {
    }

    /** One sample of an instant vector. */
    record Sample(Map<String, String> labels, double value) {
    }

    /** Every metric name an expression reads. */
    static Set<String> metrics(Expr e) {
        Set<String> out = new TreeSet<>();
        collect(e, out);
        return out;
    }

    private static void collect(Expr e, Set<String> out) {
        if (e instanceof Selector s) {
            if (s.metric() != null) {
                out.add(s.metric());
            }
        } else if (e instanceof Call c) {
            c.args().forEach(a -> collect(a, out));
        } else if (e instanceof Aggregate a) {
            collect(a.arg(), out);
        } else if (e instanceof Binary b) {
            collect(b.left(), out);
            collect(b.right(), out);
        } else if (e instanceof Neg n) {
            collect(n.arg(), out);
        }
    }

    // ------------------------------------------------------------------ parsing

    static Expr parse(String text) {
        Parser p = new Parser(text);
        Expr e = p.expr();
        p.skipSpace();
        if (p.pos != text.length()) {
            throw p.error("unexpected input");
        }
        return e;
    }

    /** A series written as in promtool's input_series: a selector with equality matchers only. */
    static Map<String, String> seriesLabels(String text) {
        Expr e = parse(text);
        if (!(e instanceof Selector s) || s.rangeMs() != 0 || s.metric() == null
                || s.matchers().stream().anyMatch(m -> !m.op().equals("="))) {
            throw new IllegalArgumentException("not a series: " + text);
        }
        Map<String, String> labels = new TreeMap<>();
        labels.put("__name__", s.metric());
        s.matchers().forEach(m -> labels.put(m.label(), m.value()));
        return labels;
    }

    static long durationMs(String text) {
        var m = Pattern.compile("(\\d+)(ms|s|m|h|d|w)").matcher(text);
        long total = 0;
        int at = 0;
        while (m.find() && m.start() == at) {
            long n = Long.parseLong(m.group(1));
            total += n * switch (m.group(2)) {
                case "ms" -> 1L;
                case "s" -> 1_000L;
                case "m" -> 60_000L;
                case "h" -> 3_600_000L;
                case "d" -> 86_400_000L;
                default -> 604_800_000L;
            };
            at = m.end();
        }
        if (at != text.length() || text.isEmpty()) {
            throw new IllegalArgumentException("not a duration: " + text);
        }
        return total;
    }

    private static final class Parser {
        private final String s;
        private int pos;

        Parser(String s) {
            this.s = s;
        }

        IllegalArgumentException error(String what) {
            return new IllegalArgumentException(what + " at " + pos + " in: " + s);
        }

        void skipSpace() {
            while (pos < s.length() && Character.isWhitespace(s.charAt(pos))) {
                pos++;
            }
        }

        boolean peek(String token) {
            skipSpace();
            return s.startsWith(token, pos);
        }

        boolean eat(String token) {
            if (peek(token)) {
                pos += token.length();
                return true;
            }
            return false;
        }

        void expect(String token) {
            if (!eat(token)) {
                throw error("expected '" + token + "'");
            }
        }

        /** A keyword operator (and, or, unless) followed by a non-identifier character. */
        boolean eatWord(String word) {
            skipSpace();
            if (s.startsWith(word, pos) && (pos + word.length() == s.length() || !ident(s.charAt(pos + word.length())))) {
                pos += word.length();
                return true;
            }
            return false;
        }

        static boolean ident(char c) {
            return Character.isLetterOrDigit(c) || c == '_' || c == ':';
        }

        String identifier() {
            skipSpace();
            int start = pos;
            while (pos < s.length() && ident(s.charAt(pos))) {
                pos++;
            }
            if (start == pos) {
                throw error("expected a name");
            }
            return s.substring(start, pos);
        }

        Expr expr() {
            Expr left = andExpr();
            while (eatWord("or")) {
                left = new Binary("or", left, andExpr());
            }
            return left;
        }

        Expr andExpr() {
            Expr left = comparison();
            while (true) {
                if (eatWord("and")) {
                    left = new Binary("and", left, comparison());
                } else if (eatWord("unless")) {
                    left = new Binary("unless", left, comparison());
                } else {
                    return left;
                }
            }
        }

        Expr comparison() {
            Expr left = additive();
            while (true) {
                String op = null;
                for (String candidate : List.of("==", "!=", ">=", "<=", ">", "<")) {
                    if (eat(candidate)) {
                        op = candidate;
                        break;
                    }
                }
                if (op == null) {
                    return left;
                }
                if (eatWord("bool") || peekModifier()) {
                    throw error("bool and vector matching modifiers are not supported");
                }
                left = new Binary(op, left, additive());
            }
        }

        boolean peekModifier() {
            int save = pos;
            boolean modifier = eatWord("on") || eatWord("ignoring") || eatWord("group_left") || eatWord("group_right");
            pos = save;
            return modifier;
        }

        Expr additive() {
            Expr left = multiplicative();
            while (true) {
                if (eat("+")) {
                    left = new Binary("+", left, multiplicative());
                } else if (peek("-")) {
                    pos++;
                    left = new Binary("-", left, multiplicative());
                } else {
                    return left;
                }
            }
        }

        Expr multiplicative() {
            Expr left = unary();
            while (true) {
                String op = eat("*") ? "*" : eat("/") ? "/" : eat("%") ? "%" : null;
                if (op == null) {
                    return left;
                }
                if (peekModifier()) {
                    throw error("vector matching modifiers are not supported");
                }
                left = new Binary(op, left, unary());
            }
        }

        Expr unary() {
            if (eat("-")) {
                return new Neg(unary());
            }
            return primary();
        }

        Expr primary() {
            skipSpace();
            if (pos >= s.length()) {
                throw error("unexpected end");
            }
            char c = s.charAt(pos);
            if (c == '(') {
                pos++;
                Expr e = expr();
                expect(")");
                if (peek("[")) {
                    throw error("subqueries are not supported");
                }
                return e;
            }
            if (Character.isDigit(c) || c == '.') {
                int start = pos;
                while (pos < s.length() && (Character.isLetterOrDigit(s.charAt(pos)) || s.charAt(pos) == '.'
                        || ((s.charAt(pos) == '+' || s.charAt(pos) == '-') && (s.charAt(pos - 1) == 'e' || s.charAt(pos - 1) == 'E')))) {
                    pos++;
                }
                return new Num(Double.parseDouble(s.substring(start, pos)));
            }
            if (c == '{') {
                return selector(null);
            }
            String name = identifier();
            if (AGGREGATIONS.contains(name) && (peek("(") || peek("by") || peek("without"))) {
                return aggregation(name);
            }
            if (peek("(")) {
                if (!FUNCTIONS.contains(name)) {
                    throw error("function " + name + " is not supported");
                }
                expect("(");
                List<Expr> args = new ArrayList<>();
                if (!peek(")")) {
                    do {
                        args.add(expr());
                    } while (eat(","));
                }
                expect(")");
                return new Call(name, args);
            }
            return selector(name);
        }

        Expr aggregation(String op) {
            boolean without = false;
            List<String> labels = List.of();
            boolean grouped = false;
            if (eatWord("by") || (without = eatWord("without"))) {
                labels = labelList();
                grouped = true;
            }
            expect("(");
            Expr arg = expr();
            expect(")");
            if (!grouped && (eatWord("by") || (without = eatWord("without")))) {
                labels = labelList();
            }
            return new Aggregate(op, without, labels, arg);
        }

        List<String> labelList() {
            expect("(");
            List<String> out = new ArrayList<>();
            if (!peek(")")) {
                do {
                    out.add(identifier());
                } while (eat(","));
            }
            expect(")");
            return out;
        }

        Expr selector(String metric) {
            List<Matcher> matchers = new ArrayList<>();
            if (eat("{")) {
                while (!eat("}")) {
                    String label = identifier();
                    String op = eat("=~") ? "=~" : eat("!~") ? "!~" : eat("!=") ? "!=" : eat("=") ? "=" : null;
                    if (op == null) {
                        throw error("expected a matcher operator");
                    }
                    matchers.add(new Matcher(label, op, string()));
                    if (!eat(",") && !peek("}")) {
                        throw error("expected ',' or '}'");
                    }
                }
            }
            if (metric == null && matchers.isEmpty()) {
                throw error("empty selector");
            }
            long range = 0;
            if (eat("[")) {
                int end = s.indexOf(']', pos);
                if (end < 0) {
                    throw error("unclosed range");
                }
                range = durationMs(s.substring(pos, end).strip());
                pos = end + 1;
            }
            if (eatWord("offset") || peek("@")) {
                throw error("offset and @ are not supported");
            }
            return new Selector(metric, List.copyOf(matchers), range);
        }

        String string() {
            skipSpace();
            char q = s.charAt(pos);
            if (q != '"' && q != '\'') {
                throw error("expected a string");
            }
            StringBuilder b = new StringBuilder();
            pos++;
            while (s.charAt(pos) != q) {
                char c = s.charAt(pos++);
                if (c == '\\') {
                    char n = s.charAt(pos++);
                    b.append(switch (n) {
                        case 'n' -> '\n';
                        case 't' -> '\t';
                        default -> n;
                    });
                } else {
                    b.append(c);
                }
            }
            pos++;
            return b.toString();
        }
    }

    // ------------------------------------------------------------------ evaluation

    /** Recorded samples: series by their labels (with __name__), each a map of time (ms) to value. */
    static final class Storage {
        final Map<Map<String, String>, NavigableMap<Long, Double>> series = new LinkedHashMap<>();

        void add(Map<String, String> labels, long timeMs, double value) {
            series.computeIfAbsent(Map.copyOf(labels), k -> new TreeMap<>()).put(timeMs, value);
        }
    }

    /** The instant vector (or scalar, as a one-sample vector with no labels and scalar = true) at time t. */
    record Result(List<Sample> samples, boolean scalar) {
        double scalarValue() {
            return samples.get(0).value();
        }
    }

    static Result eval(Expr e, Storage db, long t) {
        if (e instanceof Num n) {
            return scalar(n.value());
        }
        if (e instanceof Neg n) {
            Result r = eval(n.arg(), db, t);
            return new Result(r.samples().stream().map(x -> new Sample(dropName(x.labels()), -x.value())).toList(), r.scalar());
        }
        if (e instanceof Selector s) {
            if (s.rangeMs() != 0) {
                throw new IllegalArgumentException("a range selector outside rate() or increase(): " + s);
            }
            List<Sample> out = new ArrayList<>();
            db.series.forEach((labels, points) -> {
                if (s.matches(labels)) {
                    var last = points.floorEntry(t);
                    if (last != null && last.getKey() > t - LOOKBACK_MS) {
                        out.add(new Sample(labels, last.getValue()));
                    }
                }
            });
            return new Result(out, false);
        }
        if (e instanceof Call c) {
            return call(c, db, t);
        }
        if (e instanceof Aggregate a) {
            return aggregate(a, eval(a.arg(), db, t));
        }
        Binary b = (Binary) e;
        return binary(b.op(), eval(b.left(), db, t), eval(b.right(), db, t));
    }

    private static Result scalar(double v) {
        return new Result(List.of(new Sample(Map.of(), v)), true);
    }

    private static Map<String, String> dropName(Map<String, String> labels) {
        if (!labels.containsKey("__name__")) {
            return labels;
        }
        Map<String, String> copy = new TreeMap<>(labels);
        copy.remove("__name__");
        return copy;
    }

    private static Result call(Call c, Storage db, long t) {
        switch (c.function()) {
            case "time" -> {
                return scalar(t / 1000.0);
            }
            case "rate", "increase" -> {
                if (c.args().size() != 1 || !(c.args().get(0) instanceof Selector s) || s.rangeMs() == 0) {
                    throw new IllegalArgumentException(c.function() + " takes one range selector");
                }
                List<Sample> out = new ArrayList<>();
                long start = t - s.rangeMs();
                db.series.forEach((labels, points) -> {
                    if (s.matches(labels)) {
                        List<Map.Entry<Long, Double>> in = new ArrayList<>(points.subMap(start, false, t, true).entrySet());
                        Double v = extrapolatedRate(in, start, t, c.function().equals("rate"));
                        if (v != null) {
                            out.add(new Sample(dropName(labels), v));
                        }
                    }
                });
                return new Result(out, false);
            }
            case "histogram_quantile" -> {
                Result q = eval(c.args().get(0), db, t);
                return new Result(histogramQuantile(q.scalarValue(), eval(c.args().get(1), db, t).samples()), false);
            }
            case "absent" -> {
                Result r = eval(c.args().get(0), db, t);
                if (!r.samples().isEmpty()) {
                    return new Result(List.of(), false);
                }
                Map<String, String> labels = new TreeMap<>();
                if (c.args().get(0) instanceof Selector s) {
                    s.matchers().stream().filter(m -> m.op().equals("=")).forEach(m -> labels.put(m.label(), m.value()));
                }
                return new Result(List.of(new Sample(labels, 1)), false);
            }
            default -> throw new IllegalArgumentException(c.function());
        }
    }

    /** Prometheus's extrapolatedRate for counters: resets added back, extrapolated towards the window's edges. */
    static Double extrapolatedRate(List<Map.Entry<Long, Double>> points, long startMs, long endMs, boolean isRate) {
        if (points.size() < 2) {
            return null;
        }
        double first = points.get(0).getValue();
        double result = points.get(points.size() - 1).getValue() - first;
        for (int i = 1; i < points.size(); i++) {
            if (points.get(i).getValue() < points.get(i - 1).getValue()) {
                result += points.get(i - 1).getValue();
            }
        }
        double toStart = (points.get(0).getKey() - startMs) / 1000.0;
        double toEnd = (endMs - points.get(points.size() - 1).getKey()) / 1000.0;
        double sampled = (points.get(points.size() - 1).getKey() - points.get(0).getKey()) / 1000.0;
        double average = sampled / (points.size() - 1);
        if (result > 0 && first >= 0) {
            double toZero = sampled * (first / result);
            if (toZero < toStart) {
                toStart = toZero;
            }
        }
        double threshold = average * 1.1;
        double interval = sampled;
        interval += toStart < threshold ? toStart : average / 2;
        interval += toEnd < threshold ? toEnd : average / 2;
        double factor = interval / sampled;
        if (isRate) {
            factor /= (endMs - startMs) / 1000.0;
        }
        return result * factor;
    }

    /** Prometheus's bucketQuantile over every group of buckets (labels but le). */
    static List<Sample> histogramQuantile(double q, List<Sample> buckets) {
        Map<Map<String, String>, List<double[]>> groups = new LinkedHashMap<>();
        for (Sample b : buckets) {
            String le = b.labels().get("le");
            if (le == null) {
                continue;
            }
            Map<String, String> key = new TreeMap<>(dropName(b.labels()));
            key.remove("le");
            double upper = le.equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(le);
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(new double[]{upper, b.value()});
        }
        List<Sample> out = new ArrayList<>();
        groups.forEach((labels, list) -> {
            list.sort(Comparator.comparingDouble(x -> x[0]));
            out.add(new Sample(labels, bucketQuantile(q, list)));
        });
        return out;
    }

    private static double bucketQuantile(double q, List<double[]> b) {
        if (q < 0) {
            return Double.NEGATIVE_INFINITY;
        }
        if (q > 1) {
            return Double.POSITIVE_INFINITY;
        }
        if (b.size() < 2 || !Double.isInfinite(b.get(b.size() - 1)[0])) {
            return Double.NaN;
        }
        for (int i = 1; i < b.size(); i++) {
            b.get(i)[1] = Math.max(b.get(i)[1], b.get(i - 1)[1]);
        }
        double observations = b.get(b.size() - 1)[1];
        if (observations == 0) {
            return Double.NaN;
        }
        double rank = q * observations;
        int i = 0;
        while (i < b.size() - 1 && b.get(i)[1] < rank) {
            i++;
        }
        if (i == b.size() - 1) {
            return b.get(b.size() - 2)[0];
        }
        if (i == 0 && b.get(0)[0] <= 0) {
            return b.get(0)[0];
        }
        double start = i == 0 ? 0 : b.get(i - 1)[0];
        double end = b.get(i)[0];
        double count = b.get(i)[1];
        if (i > 0) {
            rank -= b.get(i - 1)[1];
            count -= b.get(i - 1)[1];
        }
        return start + (end - start) * (rank / count);
    }

    private static Result aggregate(Aggregate a, Result in) {
        Map<Map<String, String>, List<Double>> groups = new LinkedHashMap<>();
        for (Sample x : in.samples()) {
            Map<String, String> key = new TreeMap<>();
            if (a.without()) {
                key.putAll(dropName(x.labels()));
                a.labels().forEach(key::remove);
            } else {
                a.labels().forEach(l -> {
                    if (x.labels().containsKey(l)) {
                        key.put(l, x.labels().get(l));
                    }
                });
            }
            groups.computeIfAbsent(key, k -> new ArrayList<>()).add(x.value());
        }
        List<Sample> out = new ArrayList<>();
        groups.forEach((labels, values) -> out.add(new Sample(labels, switch (a.op()) {
            case "sum" -> values.stream().mapToDouble(Double::doubleValue).sum();
            case "max" -> values.stream().mapToDouble(Double::doubleValue).max().orElseThrow();
            case "min" -> values.stream().mapToDouble(Double::doubleValue).min().orElseThrow();
            case "count" -> values.size();
            default -> values.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
        })));
        return new Result(out, false);
    }

    private static final Map<String, DoubleBinaryOperator> ARITHMETIC = Map.of(
            "+", Double::sum, "-", (x, y) -> x - y, "*", (x, y) -> x * y, "/", (x, y) -> x / y, "%", (x, y) -> x % y);

    private static boolean compare(String op, double x, double y) {
        return switch (op) {
            case "==" -> x == y;
            case "!=" -> x != y;
            case ">" -> x > y;
            case "<" -> x < y;
            case ">=" -> x >= y;
            default -> x <= y;
        };
    }

    private static Result binary(String op, Result l, Result r) {
        if (op.equals("and") || op.equals("unless") || op.equals("or")) {
            Set<Map<String, String>> right = new java.util.HashSet<>();
            r.samples().forEach(x -> right.add(dropName(x.labels())));
            List<Sample> out = new ArrayList<>();
            for (Sample x : l.samples()) {
                boolean there = right.contains(dropName(x.labels()));
                if (op.equals("or") || there == op.equals("and")) {
                    out.add(x);
                }
            }
            if (op.equals("or")) {
                Set<Map<String, String>> left = new java.util.HashSet<>();
                l.samples().forEach(x -> left.add(dropName(x.labels())));
                r.samples().stream().filter(x -> !left.contains(dropName(x.labels()))).forEach(out::add);
            }
            return new Result(out, false);
        }
        boolean comparison = !ARITHMETIC.containsKey(op);
        if (l.scalar() && r.scalar()) {
            if (comparison) {
                throw new IllegalArgumentException("a comparison of two scalars needs bool");
            }
            return scalar(ARITHMETIC.get(op).applyAsDouble(l.scalarValue(), r.scalarValue()));
        }
        List<Sample> out = new ArrayList<>();
        if (l.scalar() || r.scalar()) {
            boolean scalarLeft = l.scalar();
            double k = scalarLeft ? l.scalarValue() : r.scalarValue();
            for (Sample x : (scalarLeft ? r : l).samples()) {
                double a = scalarLeft ? k : x.value();
                double b = scalarLeft ? x.value() : k;
                if (comparison) {
                    if (compare(op, a, b)) {
                        out.add(x);
                    }
                } else {
                    out.add(new Sample(dropName(x.labels()), ARITHMETIC.get(op).applyAsDouble(a, b)));
                }
            }
            return new Result(out, false);
        }
        Map<Map<String, String>, Sample> right = new HashMap<>();
        for (Sample x : r.samples()) {
            if (right.put(dropName(x.labels()), x) != null) {
                throw new IllegalArgumentException("many-to-one matching on the right-hand side of " + op);
            }
        }
        Set<Map<String, String>> seen = new java.util.HashSet<>();
        for (Sample x : l.samples()) {
            Map<String, String> key = dropName(x.labels());
            if (!seen.add(key)) {
                throw new IllegalArgumentException("many-to-one matching on the left-hand side of " + op);
            }
            Sample y = right.get(key);
            if (y == null) {
                continue;
            }
            if (comparison) {
                if (compare(op, x.value(), y.value())) {
                    out.add(x);
                }
            } else {
                out.add(new Sample(key, ARITHMETIC.get(op).applyAsDouble(x.value(), y.value())));
            }
        }
        return new Result(out, false);
    }

    /** Labels as Prometheus prints them, for messages. */
    static String format(Map<String, String> labels) {
        Map<String, String> sorted = new TreeMap<>(labels);
        StringBuilder b = new StringBuilder("{");
        sorted.forEach((k, v) -> b.append(b.length() > 1 ? ", " : "").append(k).append("=\"").append(v).append('"'));
        return b.append('}').toString();
    }
}
