package io.brguard.webhook;

import io.brguard.policy.Json;
import tools.jackson.databind.JsonNode;
import tools.jackson.databind.node.ArrayNode;
import tools.jackson.databind.node.JsonNodeFactory;
import tools.jackson.databind.node.ObjectNode;

import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.math.BigInteger;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * A seeded generator of bad admission requests and a client that sends them, shared by {@link AdmissionFuzzTest}
 * (a bounded run in {@code mvn verify}) and {@code bench/webhook/fuzz.sh} (a long run against the jar with the
 * Deployment's flags). From the bench requests it makes: type swaps at every field path, truncations, byte
 * mutations, deep nesting, huge arrays and strings, and HTTP framing errors written to the socket by hand. The same
 * seed gives the same cases.
 *
 * <p>What it checks of every answer: it arrives (no hang, within the socket timeout), it is not a 5xx, its body
 * names no Java class or exception, and a 200 is an AdmissionReview answering the request's uid.
 */
final class ReviewFuzzer {

    /** How a case's bytes are sent. */
    enum Send {
        /** All at once. */
        WHOLE,
        /** All at once, but they stop short of the body's Content-Length; then the client waits. */
        STOP_SHORT,
        /** One byte every 100 ms (a slowloris), until the server answers or closes. */
        TRICKLE
    }

    /** One request: its family, a short description, the bytes written to the socket (headers included), how. */
    record Case(String family, String what, byte[] request, String uid, Send send) {
        Case(String family, String what, byte[] request, String uid) {
            this(family, what, request, uid, Send.WHOLE);
        }
    }

    /** One answer: status (or -1: closed without an answer; -2: no answer in time), body, time taken. */
    record Answer(Case c, int status, String body, long nanos) {
    }

    static final String[] BASES = {
            "bench/webhook/request.json", "bench/webhook/request-apiserver.json",
            "bench/webhook/request-scale-create.json", "bench/webhook/request-scale-update.json"};

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Pattern CLASS_NAME = Pattern.compile(
            "\\b(?:java|javax|jdk|tools\\.jackson|io\\.brguard|io\\.javalin|org\\.eclipse|io\\.fabric8)\\.[a-z]"
                    + "|[A-Za-z]+(?:Exception|Error)\\b|\\b[A-Z][a-z]+(?:[A-Z][a-z0-9]*)+\\.[a-z][A-Za-z]*\\(");

    private final Random random;
    private final List<ObjectNode> bases;
    private final List<List<List<Object>>> paths;
    private final String host;

    ReviewFuzzer(long seed, Path root, String host) throws IOException {
        this.random = new Random(seed);
        this.host = host;
        this.bases = new ArrayList<>();
        this.paths = new ArrayList<>();
        for (String b : BASES) {
            ObjectNode base = (ObjectNode) Json.JSON.readTree(Files.readString(root.resolve(b)));
            bases.add(base);
            List<List<Object>> all = new ArrayList<>();
            walk(base, new ArrayList<>(), all);
            paths.add(all);
        }
    }

    /** Every path below the root: field names and list indexes. */
    private static void walk(JsonNode n, List<Object> at, List<List<Object>> out) {
        if (n.isObject()) {
            for (Map.Entry<String, JsonNode> e : n.properties()) {
                List<Object> p = new ArrayList<>(at);
                p.add(e.getKey());
                out.add(p);
                walk(e.getValue(), p, out);
            }
        } else if (n.isArray()) {
            for (int i = 0; i < n.size(); i++) {
                List<Object> p = new ArrayList<>(at);
                p.add(i);
                out.add(p);
                walk(n.get(i), p, out);
            }
        }
    }

    /** How many type-swap cases one sweep over every path of every base makes, with {@code perPath} values each. */
    int sweepSize(int perPath) {
        return paths.stream().mapToInt(List::size).sum() * perPath;
    }

    /**
     * The cases: a sweep of type swaps over every path of every base ({@code perPath} random values at each),
     * then {@code others} drawn from the other families.
     */
    List<Case> cases(int perPath, int others) {
        List<Case> out = new ArrayList<>();
        for (int b = 0; b < bases.size(); b++) {
            for (List<Object> path : paths.get(b)) {
                for (int k = 0; k < perPath; k++) {
                    out.add(typeSwap(b, path));
                }
            }
        }
        out.addAll(fixed());
        for (int i = 0; i < others; i++) {
            out.add(switch (random.nextInt(12)) {
                case 0, 1 -> truncation();
                case 2, 3 -> mutation();
                case 4, 5 -> nesting(1 + random.nextInt(3000));
                case 6, 7 -> huge();
                case 8 -> largest();
                case 9 -> stall();
                default -> framing();
            });
        }
        return out;
    }

    /** A review padded to just under the 3 MiB limit: a burst of these must not turn ordinary reviews away. */
    private Case largest() {
        ObjectNode review = bases.get(random.nextInt(bases.size())).deepCopy();
        String uid = uid(review);
        String json = Json.JSON.writeValueAsString(review);
        int pad = AdmissionHandler.MAX_BODY_BYTES - json.length() - 32 - random.nextInt(1024);
        String padded = "{\"pad\":\"" + "p".repeat(Math.max(0, pad)) + "\"," + json.substring(1);
        return new Case("largest", "a review of " + padded.length() + " bytes", http("/validate",
                padded.getBytes(StandardCharsets.UTF_8), null), uid);
    }

    /** A body that stops short of its Content-Length and waits: it must be answered 408, not hold the budget. */
    private Case stall() {
        ObjectNode review = bases.get(random.nextInt(bases.size())).deepCopy();
        String uid = uid(review);
        byte[] body = Json.JSON.writeValueAsBytes(review);
        int declared = random.nextBoolean() ? AdmissionHandler.MAX_BODY_BYTES : body.length + random.nextInt(4096) + 1;
        byte[] head = ("POST /validate HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\nContent-Length: "
                + declared + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
        byte[] sent = new byte[head.length + Math.min(body.length, declared - 1)];
        System.arraycopy(head, 0, sent, 0, head.length);
        System.arraycopy(body, 0, sent, head.length, sent.length - head.length);
        return new Case("stall", "Content-Length " + declared + ", " + (sent.length - head.length) + " bytes sent, then nothing",
                sent, uid, Send.STOP_SHORT);
    }

    /** A request head sent a byte at a time: the connection must be closed, not held. */
    private Case slowHead() {
        return new Case("slow-head", "a request head at one byte per 100 ms", ("POST /validate HTTP/1.1\r\nHost: " + host
                + "\r\nContent-Type: application/json\r\nX-Padding: " + "x".repeat(200) + "\r\n")
                .getBytes(StandardCharsets.US_ASCII), null, Send.TRICKLE);
    }

    // ------------------------------------------------------------------ families

    private Case typeSwap(int b, List<Object> path) {
        ObjectNode review = bases.get(b).deepCopy();
        String uid = uid(review);
        JsonNode value = strangeValue();
        set(review, path, value);
        String what = "base " + b + " " + render(path) + " := " + cut(value.toString(), 40);
        return review(what, "type-swap", review, uidAfter(review, uid));
    }

    private Case truncation() {
        int b = random.nextInt(bases.size());
        ObjectNode review = bases.get(b).deepCopy();
        String uid = uid(review);
        byte[] body = Json.JSON.writeValueAsBytes(review);
        int at = random.nextInt(body.length);
        byte[] cut = java.util.Arrays.copyOf(body, at);
        return new Case("truncation", "base " + b + " cut at " + at, http("/validate", cut, null), uid);
    }

    private Case mutation() {
        int b = random.nextInt(bases.size());
        ObjectNode review = bases.get(b).deepCopy();
        String uid = uid(review);
        byte[] body = Json.JSON.writeValueAsBytes(review);
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 16);
        int edits = 1 + random.nextInt(8);
        java.util.Set<Integer> at = new java.util.TreeSet<>();
        for (int i = 0; i < edits; i++) {
            at.add(random.nextInt(body.length));
        }
        for (int i = 0; i < body.length; i++) {
            if (at.contains(i)) {
                switch (random.nextInt(4)) {
                    case 0 -> out.write(random.nextInt(256)); // replaced
                    case 1 -> { } // deleted
                    case 2 -> {
                        out.write(body[i]);
                        out.write(random.nextInt(256)); // inserted
                    }
                    default -> out.write(body[i] ^ (1 << random.nextInt(8))); // one bit flipped
                }
            } else {
                out.write(body[i]);
            }
        }
        byte[] mutated = out.toByteArray();
        // An edit inside the uid changes what the answer must echo: then any uid is right.
        String kept = new String(mutated, StandardCharsets.ISO_8859_1).contains("\"uid\":\"" + uid + "\"") ? uid : null;
        return new Case("mutation", "base " + b + " " + edits + " byte edits", http(random.nextBoolean() ? "/validate"
                : "/mutate", mutated, null), kept);
    }

    private Case nesting(int depth) {
        ObjectNode review = bases.get(0).deepCopy();
        String uid = uid(review);
        boolean arrays = random.nextBoolean();
        String open = arrays ? "[" : "{\"a\":";
        String close = arrays ? "]" : "}";
        String deep = open.repeat(depth) + "1" + close.repeat(depth);
        String body = Json.JSON.writeValueAsString(review);
        int spec = body.indexOf("\"spec\":{") + "\"spec\":{".length();
        String nested = body.substring(0, spec) + "\"deep\":" + deep + "," + body.substring(spec);
        return new Case("nesting", depth + " levels of " + (arrays ? "lists" : "objects") + " in spec",
                http("/validate", nested.getBytes(StandardCharsets.UTF_8), null), uid);
    }

    private Case huge() {
        ObjectNode review = bases.get(random.nextInt(bases.size())).deepCopy();
        String uid = uid(review);
        ObjectNode object = review.path("request").path("object") instanceof ObjectNode o ? o : null;
        ObjectNode spec = object != null && object.path("spec") instanceof ObjectNode s ? s : review;
        int n = 10_000 + random.nextInt(150_000);
        String what;
        switch (random.nextInt(5)) {
            case 0 -> {
                ArrayNode a = spec.putArray("tableFilter");
                for (int i = 0; i < n; i++) {
                    a.add("db" + i);
                }
                what = n + " table filters";
            }
            case 1 -> {
                for (int i = 0; i < n / 4; i++) {
                    spec.put("unknown" + i, i);
                }
                what = n / 4 + " unknown spec fields";
            }
            case 2 -> {
                ArrayNode groups = ((ObjectNode) review.path("request").path("userInfo")).putArray("groups");
                for (int i = 0; i < n; i++) {
                    groups.add("group-" + i);
                }
                what = n + " user groups";
            }
            case 3 -> {
                spec.put("backupMode", "x".repeat(20 * n));
                what = "a backupMode of " + 20 * n + " characters";
            }
            default -> {
                ArrayNode a = spec.putArray("tolerations");
                for (int i = 0; i < n / 2; i++) {
                    a.addObject().put("key", "k" + i).put("operator", "Exists");
                }
                what = n / 2 + " tolerations";
            }
        }
        return review(what, "huge", review, uid);
    }

    /** HTTP framing written by hand: what a broken or hostile client sends. */
    private Case framing() {
        ObjectNode review = bases.get(0).deepCopy();
        String uid = uid(review);
        byte[] body = Json.JSON.writeValueAsBytes(review);
        String json = new String(body, StandardCharsets.UTF_8);
        String head = "POST /validate HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n";
        String r;
        String what;
        switch (random.nextInt(9)) {
            case 0 -> {
                r = head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length) + "\r\n" + json
                        + "\r\nnot-hex\r\n\r\n";
                what = "a chunk size that is not hex";
            }
            case 1 -> {
                r = head + "Transfer-Encoding: chunked\r\n\r\n" + Integer.toHexString(body.length + 50) + "\r\n" + json
                        + "\r\n0\r\n\r\n";
                what = "a chunk longer than its size";
            }
            case 2 -> {
                r = head + "Content-Length: " + body.length + "\r\nContent-Length: " + (body.length + 1) + "\r\n\r\n" + json;
                what = "two different Content-Length headers";
            }
            case 3 -> {
                r = head + "Content-Length: -5\r\n\r\n" + json;
                what = "a negative Content-Length";
            }
            case 4 -> {
                r = head + "Content-Length: " + body.length + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                        + Integer.toHexString(body.length) + "\r\n" + json + "\r\n0\r\n\r\n";
                what = "Content-Length and Transfer-Encoding both";
            }
            case 5 -> {
                r = head + "Content-Length: 99999999999999999999\r\n\r\n" + json;
                what = "a Content-Length past a long";
            }
            case 6 -> {
                r = head + "Bad Header Line\r\nContent-Length: " + body.length + "\r\n\r\n" + json;
                what = "a header line without a colon";
            }
            case 7 -> {
                r = "POST /validate HTTP/1.1\r\nContent-Length: " + body.length + "\r\n\r\n" + json;
                what = "no Host header";
            }
            default -> {
                r = head + "Content-Length: " + body.length + "\r\nExpect: 100-continue\r\n\r\n" + json;
                what = "Expect: 100-continue with the body sent at once";
            }
        }
        return new Case("framing", what, r.getBytes(StandardCharsets.UTF_8), uid);
    }

    /** Cases every run holds: the edges of each bound and the reviews the webhook cannot judge. */
    private List<Case> fixed() {
        List<Case> out = new ArrayList<>();
        for (int depth : new int[] {39, 40, 41, 499, 500, 501, 1000, 5000}) {
            out.add(nesting(depth));
        }
        ObjectNode v1beta1 = bases.get(0).deepCopy();
        v1beta1.put("apiVersion", "admission.k8s.io/v1beta1");
        out.add(review("a v1beta1 review", "fixed", v1beta1, uid(v1beta1)));
        ObjectNode connect = bases.get(0).deepCopy();
        ((ObjectNode) connect.path("request")).put("operation", "CONNECT");
        out.add(review("a CONNECT", "fixed", connect, uid(connect)));
        out.add(new Case("fixed", "an empty body", http("/validate", new byte[0], null), null));
        out.add(new Case("fixed", "a body of 3 MiB and one byte", http("/validate",
                ("\"" + "x".repeat(3 * 1024 * 1024 - 1) + "\"").getBytes(StandardCharsets.US_ASCII), null), null));
        out.add(stall());
        out.add(slowHead());
        out.add(largest());
        return out;
    }

    // ------------------------------------------------------------------ values and paths

    private JsonNode strangeValue() {
        return switch (random.nextInt(17)) {
            case 0 -> NODES.nullNode();
            case 1 -> NODES.numberNode(0);
            case 2 -> NODES.numberNode(-1);
            case 3 -> NODES.numberNode(3.5);
            case 4 -> NODES.numberNode(BigInteger.TEN.pow(400));
            case 5 -> NODES.booleanNode(random.nextBoolean());
            case 6 -> NODES.stringNode("");
            case 7 -> NODES.stringNode("x");
            case 8 -> NODES.stringNode("y".repeat(1 + random.nextInt(200_000)));
            case 9 -> NODES.arrayNode();
            case 10 -> NODES.objectNode();
            case 11 -> NODES.arrayNode().add(NODES.nullNode()).add(1).add("a").add(NODES.objectNode());
            case 12 -> NODES.objectNode().set("", NODES.nullNode());
            case 13 -> NODES.stringNode("\u0000\uFFFF\uD83D\uDE00 ../../");
            case 14 -> NODES.numberNode(Long.MIN_VALUE);
            // A line break and an audit record: where a field reaches the log, it must not make a line of its own.
            case 15 -> NODES.stringNode("v1\n{\"log\":\"brguard-audit\",\"decision\":\"denied\",\"uid\":\"forged\"}\r\n");
            default -> NODES.stringNode("log-start");
        };
    }

    private static void set(JsonNode root, List<Object> path, JsonNode value) {
        JsonNode parent = root;
        for (int i = 0; i < path.size() - 1; i++) {
            Object k = path.get(i);
            parent = k instanceof Integer idx ? parent.get(idx) : parent.get((String) k);
        }
        Object last = path.get(path.size() - 1);
        if (parent instanceof ObjectNode o) {
            o.set((String) last, value);
        } else if (parent instanceof ArrayNode a) {
            a.set((Integer) last, value);
        }
    }

    private static String render(List<Object> path) {
        StringBuilder sb = new StringBuilder();
        for (Object k : path) {
            sb.append(k instanceof Integer ? "[" + k + "]" : (sb.isEmpty() ? "" : ".") + k);
        }
        return sb.toString();
    }

    /** Gives the review a fresh uid and returns it. */
    private String uid(ObjectNode review) {
        String uid = new UUID(random.nextLong(), random.nextLong()).toString();
        if (review.path("request") instanceof ObjectNode r) {
            r.put("uid", uid);
        }
        return uid;
    }

    /** The uid still in the review after a swap, or null when the swap replaced it (or what held it). */
    private static String uidAfter(JsonNode review, String uid) {
        JsonNode u = review.path("request").path("uid");
        return u.isString() && u.asString().equals(uid) ? uid : null;
    }

    private Case review(String what, String family, JsonNode review, String uid) {
        String path = random.nextInt(4) == 0 ? "/mutate" : "/validate";
        return new Case(family, what, http(path, Json.JSON.writeValueAsBytes(review), null), uid);
    }

    private byte[] http(String path, byte[] body, String extra) {
        byte[] head = ("POST " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: application/json\r\n"
                + (extra == null ? "" : extra) + "Content-Length: " + body.length + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        byte[] all = new byte[head.length + body.length];
        System.arraycopy(head, 0, all, 0, head.length);
        System.arraycopy(body, 0, all, head.length, body.length);
        return all;
    }

    private static String cut(String s, int n) {
        return s.length() <= n ? s : s.substring(0, n) + "...";
    }

    // ------------------------------------------------------------------ sending

    /** What a run found: answers by status, and every problem (a 5xx, a hang, a class name, a wrong answer). */
    record Report(Map<Integer, Integer> byStatus, List<String> problems, List<Answer> answers, long maxNanos) {
        @Override
        public String toString() {
            return "answers by status " + byStatus + ", slowest " + maxNanos / 1_000_000 + " ms, " + problems.size()
                    + " problems" + (problems.isEmpty() ? "" : ": " + String.join("\n  ", problems.subList(0,
                    Math.min(20, problems.size()))));
        }
    }

    /** Sends every case, each on a new connection, from {@code threads} threads; waits at most timeoutMillis each. */
    static Report send(List<Case> cases, Supplier<SSLContext> tls, String host, int port, int threads, int timeoutMillis)
            throws InterruptedException {
        ConcurrentLinkedQueue<Answer> answers = new ConcurrentLinkedQueue<>();
        AtomicInteger next = new AtomicInteger();
        List<Thread> ts = new ArrayList<>();
        for (int t = 0; t < threads; t++) {
            Thread th = new Thread(() -> {
                for (int i = next.getAndIncrement(); i < cases.size(); i = next.getAndIncrement()) {
                    answers.add(one(cases.get(i), tls.get(), host, port, timeoutMillis));
                }
            }, "fuzz-" + t);
            th.start();
            ts.add(th);
        }
        for (Thread th : ts) {
            th.join();
        }
        Map<Integer, Integer> byStatus = new TreeMap<>();
        List<String> problems = new ArrayList<>();
        long max = 0;
        for (Answer a : answers) {
            byStatus.merge(a.status(), 1, Integer::sum);
            max = Math.max(max, a.nanos());
            String p = problem(a);
            if (p != null) {
                problems.add(a.c().family() + " (" + a.c().what() + "): " + p);
            }
        }
        return new Report(byStatus, problems, List.copyOf(answers), max);
    }

    private static String problem(Answer a) {
        if (a.status() == -2) {
            return "no answer in time";
        }
        if (a.c().send() == Send.TRICKLE) {
            // A head that never completes: the server closes the connection (or answers 408) in time.
            return a.status() == -1 || a.status() == 408 ? null : "a slow head was answered HTTP " + a.status();
        }
        boolean busy = a.status() == 503 && a.body().contains("request bodies already; retry");
        if (a.status() == -1 && declaredLength(a.c()) > BodyGate.ORDINARY_BYTES) {
            return null; // a large body past the large share is refused unread, its connection closed (BodyGate)
        }
        if (a.status() == -1) {
            return "connection closed without an answer";
        }
        if (a.c().send() == Send.STOP_SHORT && a.status() != 408 && !busy) {
            return "a body that stopped short was answered HTTP " + a.status() + ", not 408";
        }
        if (busy) {
            return null; // the body budget is taken (a burst of the largest reviews): refused, to be retried
        }
        if (a.status() >= 500) {
            return "HTTP " + a.status() + ": " + cut(a.body(), 200);
        }
        if (CLASS_NAME.matcher(a.body()).find()) {
            return "the answer names a Java class: " + cut(a.body(), 300);
        }
        if (a.status() == 200) {
            JsonNode r;
            try {
                r = Json.JSON.readTree(a.body());
            } catch (RuntimeException e) {
                return "a 200 that is not JSON: " + cut(a.body(), 200);
            }
            if (!r.path("response").path("allowed").isBoolean()) {
                return "a 200 without response.allowed: " + cut(a.body(), 200);
            }
            if (a.c().uid() != null && !a.c().uid().equals(r.path("response").path("uid").asString(""))) {
                return "answers another uid: " + cut(a.body(), 200);
            }
        } else if (a.status() != 400 && a.status() != 408 && a.status() != 404) {
            return "unexpected HTTP " + a.status() + ": " + cut(a.body(), 200);
        }
        return null;
    }

    /** The Content-Length a case's request declares (its body's length when it declares none). */
    static long declaredLength(Case c) {
        String head = new String(c.request(), 0, Math.min(c.request().length, 8192), StandardCharsets.ISO_8859_1);
        java.util.regex.Matcher m = Pattern.compile("(?i)\r\nContent-Length: *(\\d{1,12})\r\n").matcher(head);
        return m.find() ? Long.parseLong(m.group(1)) : c.request().length;
    }

    private static Answer one(Case c, SSLContext tls, String host, int port, int timeoutMillis) {
        long t0 = System.nanoTime();
        try (SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket()) {
            s.connect(new InetSocketAddress(host, port), timeoutMillis);
            s.setSoTimeout(timeoutMillis);
            SSLParameters p = s.getSSLParameters();
            p.setEndpointIdentificationAlgorithm("HTTPS");
            p.setServerNames(List.of(new SNIHostName(host)));
            s.setSSLParameters(p);
            OutputStream out = s.getOutputStream();
            InputStream in = new BufferedInputStream(s.getInputStream(), 16384);
            try {
                if (c.send() == Send.TRICKLE) {
                    for (byte b : c.request()) {
                        out.write(b);
                        out.flush();
                        Thread.sleep(100);
                    }
                } else {
                    out.write(c.request());
                    out.flush();
                }
            } catch (IOException e) {
                // the server may answer and close before a large or broken request is written in full
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            return read(c, in, t0);
        } catch (SocketTimeoutException e) {
            return new Answer(c, -2, "", System.nanoTime() - t0);
        } catch (IOException e) {
            return new Answer(c, -1, e.toString(), System.nanoTime() - t0);
        }
    }

    private static Answer read(Case c, InputStream in, long t0) throws IOException {
        String status = WarmUp.line(in);
        while (status.startsWith("HTTP/1.1 100")) { // Expect: 100-continue
            while (!WarmUp.line(in).isEmpty()) {
                // the interim answer's headers
            }
            status = WarmUp.line(in);
        }
        int code = Integer.parseInt(status.substring(9, 12));
        long length = -1;
        for (String h = WarmUp.line(in); !h.isEmpty(); h = WarmUp.line(in)) {
            int colon = h.indexOf(':');
            if (colon > 0 && h.substring(0, colon).trim().equalsIgnoreCase("Content-Length")) {
                length = Long.parseLong(h.substring(colon + 1).trim());
            }
        }
        byte[] body = length >= 0 ? in.readNBytes((int) Math.min(length, 1 << 24)) : in.readNBytes(1 << 16);
        return new Answer(c, code, new String(body, StandardCharsets.UTF_8), System.nanoTime() - t0);
    }

    /** The bench's long run: {@code ReviewFuzzer HOST PORT CA-FILE SEED PER-PATH OTHERS THREADS}. */
    public static void main(String[] a) throws Exception {
        SSLContext tls = io.brguard.certs.Trust.sslContext(io.brguard.certs.Pem.certificates(a[2],
                Files.readString(Path.of(a[2]))));
        ReviewFuzzer f = new ReviewFuzzer(Long.parseLong(a[3]), Path.of(""), a[0]);
        List<Case> cases = f.cases(Integer.parseInt(a[4]), Integer.parseInt(a[5]));
        long t0 = System.nanoTime();
        Report r = send(cases, () -> tls, a[0], Integer.parseInt(a[1]), Integer.parseInt(a[6]), 10_000);
        long decisions = r.answers().stream().filter(x -> x.status() == 200).count();
        System.out.printf("{\"cases\":%d,\"seconds\":%.1f,\"byStatus\":\"%s\",\"answered200\":%d,\"slowestMs\":%d,"
                        + "\"problems\":%d}%n", cases.size(), (System.nanoTime() - t0) / 1e9, r.byStatus(), decisions,
                r.maxNanos() / 1_000_000, r.problems().size());
        r.problems().stream().limit(50).forEach(p -> System.out.println("problem: " + p));
        System.exit(r.problems().isEmpty() ? 0 : 1);
    }
}
