package io.brguard.webhook;

import io.brguard.policy.Json;
import io.brguard.policy.Lookups;
import io.brguard.policy.Policy;
import io.javalin.Javalin;
import io.javalin.http.Context;
import org.eclipse.jetty.server.HttpConfiguration;
import org.eclipse.jetty.server.HttpConnectionFactory;
import org.eclipse.jetty.server.NetworkConnectionLimit;
import org.eclipse.jetty.server.SecureRequestCustomizer;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.SslConnectionFactory;
import org.eclipse.jetty.util.thread.QueuedThreadPool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import tools.jackson.databind.node.ObjectNode;

import java.io.IOException;
import java.io.InputStream;
import java.time.Clock;
import java.time.Duration;
import java.util.List;

/**
 * The admission webhook: {@code POST /validate} and {@code POST /mutate} over TLS only (TLS 1.2+), and
 * {@code /healthz}, {@code /readyz}, {@code /metrics} on a separate plain port for the kubelet and Prometheus.
 * A route decodes, decides and encodes ({@link AdmissionHandler}); this class only does I/O: audit line,
 * metrics, and an Event for real denied updates.
 */
public final class WebhookServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WebhookServer.class);

    /**
     * Where and how to listen. Port 0 picks a free port (tests). {@code maxConnections} caps the admission port's
     * open connections, {@code maxBodyBytesInFlight} the request bodies it holds at once (BodyGate, two thirds of
     * it kept for ordinary-sized reviews), {@code maxConnectionsPerClient} the connections of one client address
     * (ConnectionGuard).
     */
    public record Options(String host, int tlsPort, int healthPort, long tlsReloadMillis, int maxConnections,
                          long maxBodyBytesInFlight, int maxConnectionsPerClient) {
        public Options(String host, int tlsPort, int healthPort, long tlsReloadMillis) {
            this(host, tlsPort, healthPort, tlsReloadMillis, MAX_CONNECTIONS);
        }

        public Options(String host, int tlsPort, int healthPort, long tlsReloadMillis, int maxConnections) {
            this(host, tlsPort, healthPort, tlsReloadMillis, maxConnections, MAX_BODY_BYTES_IN_FLIGHT);
        }

        /** One client address may hold half the port's connections. */
        public Options(String host, int tlsPort, int healthPort, long tlsReloadMillis, int maxConnections,
                       long maxBodyBytesInFlight) {
            this(host, tlsPort, healthPort, tlsReloadMillis, maxConnections, maxBodyBytesInFlight, Math.max(1, maxConnections / 2));
        }
    }

    /** What the lookups' caches tell the probes. */
    public interface CacheState {
        /** Every cache holds a full list. */
        boolean synced();

        /** Why a cache stopped for good, or null; /healthz then fails so that the kubelet restarts the pod. */
        default String dead() {
            return null;
        }

        /** Why the caches are not ready, for /readyz. */
        default String notReadyReason() {
            return "caches not synced";
        }

        /**
         * Why some rules cannot be checked although the webhook serves (a cache past its budget), or null. It is
         * the reason those rules' lookups give: a decision whose only unchecked rules have it is answered, with
         * them as warnings, instead of an error.
         */
        default String degraded() {
            return null;
        }

        /** Lookups that need no cache (dev mode, files). */
        CacheState NONE = () -> true;
    }

    private final AdmissionHandler handler;
    private final PolicySource policies;
    private final Lookups lookups;
    private final CacheState caches;
    private final TlsReloader tls;
    private final AuditLog audit;
    private final DenialEvents events;
    private final WebhookMetrics metrics;
    private final Javalin app;
    private final Options options;
    private final WarmUp warmUp = new WarmUp(WarmUp.configuredRequests());
    /** Warnings about requests refused or answered 400: one per cause every 10 s, the metrics count each. */
    /** At most one warning per cause every 10 s ({@code -Dbrguard.logThrottleMillis}: tests that read every line set 0). */
    private final LogThrottle badRequests = new LogThrottle(LOG, Duration.ofMillis(Long.getLong("brguard.logThrottleMillis", 10_000)));
    private ServerConnector tlsConnector;
    private ServerConnector plainConnector;
    private BodyGate gate;
    private ConnectionGuard guard;
    /** The admission port as bound at start (the connector reads -2 once it is closed). */
    private volatile int boundTlsPort;
    private volatile int boundHealthPort;
    /** Set when the process is told to stop: /readyz fails and every answer closes its connection. */
    private volatile boolean draining;

    public WebhookServer(Options options, Policy policy, Lookups lookups, CacheState caches, TlsReloader tls,
                         AuditLog audit, DenialEvents events, Clock clock) {
        this(options, PolicySource.fixed(policy), lookups, caches, tls, audit, events, clock);
    }

    public WebhookServer(Options options, PolicySource policies, Lookups lookups, CacheState caches, TlsReloader tls,
                         AuditLog audit, DenialEvents events, Clock clock) {
        this.options = options;
        this.policies = policies;
        this.handler = new AdmissionHandler(policies, clock);
        this.lookups = lookups;
        this.caches = caches;
        this.tls = tls;
        this.audit = audit;
        this.events = events;
        this.metrics = new WebhookMetrics(tls::expiryEpochSeconds, () -> policies.problem() == null ? 1.0 : 0.0);
        audit.bind(metrics.registry());
        metrics.caExpiry(tls::caExpiryEpochSeconds);
        this.app = Javalin.create(cfg -> {
            cfg.startup.showJavalinBanner = false;
            cfg.startup.showOldJavalinVersionWarning = false;
            cfg.http.maxRequestSize = AdmissionHandler.MAX_BODY_BYTES + 1L;
            cfg.jetty.threadPool = threadPool();
            // Admission bodies are read in full before a worker runs the request (BodyGate): Javalin puts its own
            // handler inside this wrapper.
            cfg.jetty.modifyServer(server -> server.setHandler(gate = new BodyGate(
                    r -> r.getConnectionMetaData().getConnector() == tlsConnector,
                    r -> isAdmission(r.getHttpURI().getPath()),
                    AdmissionHandler.MAX_BODY_BYTES, options.maxBodyBytesInFlight(), options.maxBodyBytesInFlight() * 2 / 3,
                    this::refused, () -> draining)));
            // Javalin adds no default connector once one is given: both are declared here. The plain port has
            // threads of its own, so the kubelet's probes and Prometheus are answered whatever admission is doing.
            cfg.jetty.addConnector((server, httpConfig) -> {
                QueuedThreadPool health = new QueuedThreadPool(HEALTH_THREADS, 2, 60_000);
                health.setName("brguard-health");
                server.addBean(health, true);
                plainConnector = new ServerConnector(server, health, null, null, 1, 1, new HttpConnectionFactory(httpConfig));
                plainConnector.setHost(options.host());
                plainConnector.setPort(options.healthPort());
                return plainConnector;
            });
            cfg.jetty.addConnector((server, httpConfig) -> {
                HttpConfiguration https = new HttpConfiguration(httpConfig);
                SecureRequestCustomizer secure = new SecureRequestCustomizer();
                secure.setSniHostCheck(false); // the client verifies the name; the server must not refuse an IP
                https.addCustomizer(secure);
                tlsConnector = new ServerConnector(server, 1, 1, new SslConnectionFactory(tls.factory(), "http/1.1"),
                        new HttpConnectionFactory(https));
                tlsConnector.setHost(options.host());
                tlsConnector.setPort(options.tlsPort());
                tlsConnector.setIdleTimeout(Duration.ofSeconds(30).toMillis());
                // Past this many connections the connector stops accepting until one closes: new clients wait in
                // the backlog instead of failing handshakes when the process runs out of file descriptors.
                server.addBean(new NetworkConnectionLimit(options.maxConnections(), tlsConnector));
                // Slots held by slow request heads and handshakes come free; one client cannot hold them all.
                guard = new ConnectionGuard(tlsConnector, options.maxConnections(), options.maxConnectionsPerClient(),
                        this::connectionClosed);
                tlsConnector.addEventListener(guard);
                return tlsConnector;
            });
            cfg.routes.before(ctx -> {
                // Which connector, not which port: a stopping connector's port reads -2, and comparing ports
                // answered admission requests in flight during a shutdown with this 404.
                if (isAdmission(ctx.path()) && !ctx.req().isSecure()) {
                    ctx.skipRemainingHandlers();
                    error(ctx, 404, "admission requests are served over TLS on port " + boundTlsPort + " only");
                }
            });
            cfg.routes.post("/validate", ctx -> admission(ctx, AdmissionHandler.Endpoint.VALIDATE));
            cfg.routes.post("/mutate", ctx -> admission(ctx, AdmissionHandler.Endpoint.MUTATE));
            cfg.routes.get("/healthz", ctx -> {
                String dead = caches.dead();
                if (dead == null) {
                    ctx.result("ok");
                } else {
                    ctx.status(503).result("unhealthy: a cache stopped: " + dead);
                }
            });
            cfg.routes.get("/readyz", ctx -> {
                if (draining) {
                    ctx.status(503).result("not ready: stopping; answering what is in flight");
                } else if (ready()) {
                    String problem = policies.problem();
                    String degraded = caches.degraded();
                    ctx.result("ready" + (problem == null ? "" : "; policy configuration: keeping the last good one: " + problem)
                            + (degraded == null ? "" : "; cross-object rules are not checked: " + degraded));
                } else {
                    ctx.status(503).result("not ready: " + (tls.serving() == null ? "no serving certificate"
                            : !caches.synced() ? caches.notReadyReason() : warmUp.progress()));
                }
            });
            cfg.routes.get("/metrics", ctx -> ctx.contentType("text/plain; version=0.0.4; charset=utf-8")
                    .result(metrics.scrape()));
            cfg.routes.exception(Exception.class, (e, ctx) -> {
                // A fault of brguard's own: the caller gets no class name or stack, the log gets the cause.
                LOG.error("internal error on {}: {}", LogText.quoted(ctx.path()), LogText.quoted(e.toString()));
                ctx.status(500).contentType("application/json")
                        .result(AdmissionHandler.bytes(errorBody("internal error in brguard; see its log")));
            });
        });
    }

    /** Threads serving the admission port: one acceptor and one selector, the rest run requests. */
    static final int THREADS = 16;
    /** Threads of the plain port (probes, metrics): one acceptor, one selector and a few for requests. */
    static final int HEALTH_THREADS = 6;
    /** Connections the admission port holds at once by default; well under a container's usual 1,024 open files. */
    static final int MAX_CONNECTIONS = 512;
    /**
     * Request bodies the admission port holds at once by default: 8 MiB for reviews up to 256 KiB (about 1,000 of a
     * usual 8 KiB) and 4 MiB for larger ones (one of the largest, 3 MiB, at a time: each also becomes a tree of up to
     * 60,000 values while decided, and a burst of them otherwise filled the 96 MiB heap and the CPU).
     */
    static final long MAX_BODY_BYTES_IN_FLIGHT = 12L << 20;

    private static boolean isAdmission(String path) {
        return path.equals("/validate") || path.equals("/mutate");
    }

    /** A connection ConnectionGuard closed: counted, and logged at most once per cause every 10 s. */
    private void connectionClosed(String cause) {
        metrics.overload(cause);
        badRequests.warn(cause, "closed a connection on the admission port: " + switch (cause) {
            case "header_timeout" -> "its request head did not arrive in time";
            case "first_request_timeout" -> "no request began in time after it opened";
            case "connection_cap" -> "near the connection cap, the oldest connection without a whole request head makes room";
            default -> "its client holds " + options.maxConnectionsPerClient() + " connections already";
        });
    }

    /**
     * A request BodyGate refused before the routes: to protect the rest (a cause: counted as overload) or as a bad
     * request (counted like the routes' own); logged at most once per cause every 10 s.
     */
    private void refused(org.eclipse.jetty.server.Request request, int status, String cause, String reason) {
        String ep = request.getHttpURI().getPath().substring(1);
        if (cause != null) {
            metrics.overload(cause);
        } else {
            metrics.record(ep, "unknown", "bad_request", false, List.of(), Duration.ZERO);
        }
        badRequests.warn(cause != null ? cause : Integer.toString(status), status + " on /" + ep + ": " + reason);
    }

    /*
     * A decision is CPU-bound: lookups come from informer caches (a Secret GET is bounded by the client's request
     * timeout), Events are sent off the request path, and BodyGate hands a request over only once its whole body has
     * arrived, so a request never waits on a client. More workers than a few per core only add context switches,
     * stacks for every young collection to scan, and memory; Javalin's default pool allows 250 threads. Under the
     * benchmark's 16 connections Jetty ran 25 of them; with this pool young-collection pauses went from 1.4 to
     * 1.1-1.25 ms and peak RSS down by 3-4 MiB, with throughput the same within the machine's noise (paired runs,
     * docs/benchmarks.md). Connectors get one acceptor and one selector each, which Jetty would otherwise size by
     * the node's cores (up to 8 per connector), and which this pool must cover.
     */
    private static QueuedThreadPool threadPool() {
        QueuedThreadPool pool = new QueuedThreadPool(THREADS, 4, 60_000);
        pool.setName("brguard-http");
        return pool;
    }

    public WebhookServer start() {
        app.start();
        boundTlsPort = tlsConnector.getLocalPort();
        boundHealthPort = plainConnector.getLocalPort();
        guard.start();
        if (options.tlsReloadMillis() > 0) {
            tls.watch(options.tlsReloadMillis());
            policies.watch(options.tlsReloadMillis());
        }
        warmUp.start(options.host(), tlsPort(), tls::serving);
        LOG.info("brguard webhook serving TLS on {} and health/metrics on {}", tlsPort(), healthPort());
        return this;
    }


    /** Ready once the serving certificate is loaded, the lookup caches have synced and the warm-up is over. */
    public boolean ready() {
        return tls.serving() != null && caches.synced() && warmUp.done();
    }

    /** The metrics registry /metrics serves. */
    public io.micrometer.core.instrument.MeterRegistry registry() {
        return metrics.registry();
    }

    public int tlsPort() {
        return boundTlsPort;
    }

    public int healthPort() {
        return boundHealthPort;
    }

    private void admission(Context ctx, AdmissionHandler.Endpoint endpoint) throws IOException {
        long start = System.nanoTime();
        byte[] body = readLimited(ctx.req().getInputStream(), ctx.req().getContentLengthLong());
        if (body != null && warmUp.isWarmUp(ctx.header(WarmUp.HEADER))) {
            // The process's own warm-up: decided against built-in objects, no audit line, metric or Event.
            AdmissionHandler.Outcome warm = handler.handle(endpoint, body, warmUp.lookups());
            write(ctx, warm.status(), AdmissionHandler.bytes(warm.body()));
            return;
        }
        AdmissionHandler.Outcome out = body == null
                ? new AdmissionHandler.Outcome(400, errorBody("request body is larger than 3 MiB"), null, null)
                : handler.handle(endpoint, body, lookups, caches.degraded());
        byte[] answer = AdmissionHandler.bytes(out.body());
        Duration took = Duration.ofNanos(System.nanoTime() - start);
        String ep = endpoint.name().toLowerCase();
        if (out.audit() != null && audit.whenBehind() == AuditLog.WhenBehind.REFUSE && audit.behind()) {
            // No decision without its record (--audit-when-behind=refuse): the API server applies failurePolicy.
            metrics.overload("audit_behind");
            badRequests.warn("audit", "503 on /" + ep + ": the audit log is behind (a sink fails or its queue is full); "
                    + "refusing to decide without a record");
            ctx.header("Retry-After", "1");
            error(ctx, 503, "brguard's audit log cannot take this decision's record now; retry");
            return;
        }
        if (out.audit() == null) {
            metrics.record(ep, "unknown", "bad_request", false, List.of(), took);
            badRequests.warn("400", "400 on /" + ep + ": " + LogText.quoted(out.body().path("error").asString("")));
        } else {
            // The line is queued before the answer is written; a line that cannot be written is counted (AuditLog).
            AuditRecord rec = out.audit().withLatency(took.toNanos() / 1e6);
            audit.write(rec);
            metrics.record(ep, rec.operation(), rec.decision().equals("allowed") ? "true"
                    : rec.decision().equals("denied") ? "false" : "error", rec.dryRun(), rec.rules(), took);
            if (events != null && out.deniedRealUpdate()) {
                events.denied(Json.JSON.readTree(body).path("request").path("oldObject"), out.verdict().denialMessage());
            }
            AuditRecord.Rollout rollout = rec.rollout();
            if (rollout != null && rollout.wouldDeny() != null) {
                metrics.rollout(rollout.mode(), rollout.exempt());
            }
            if (events != null && rollout != null && rollout.breakGlass() != null && !rec.dryRun()) {
                tools.jackson.databind.JsonNode request = Json.JSON.readTree(body).path("request");
                tools.jackson.databind.JsonNode subject = request.path("object").isObject() ? request.path("object") : request.path("oldObject");
                events.event(subject, "BreakGlass", rec.user() + " broke the glass: " + rollout.breakGlass() + "; not enforced: "
                        + String.join("; ", rollout.wouldDeny()));
            }
        }
        write(ctx, out.status(), answer);
    }

    /**
     * The body, which BodyGate has already read in full and within its size limit, or null when it is larger
     * (a request that did not pass through the gate). With a Content-Length exactly that many bytes are read into
     * one array: the generic bounded read allocated ten times the body size per request.
     */
    private static byte[] readLimited(InputStream in, long contentLength) throws IOException {
        if (contentLength > AdmissionHandler.MAX_BODY_BYTES) {
            return null;
        }
        if (contentLength >= 0) {
            byte[] data = new byte[(int) contentLength];
            int n = in.readNBytes(data, 0, data.length);
            return n == data.length ? data : java.util.Arrays.copyOf(data, n);
        }
        byte[] data = in.readNBytes(AdmissionHandler.MAX_BODY_BYTES + 1);
        return data.length > AdmissionHandler.MAX_BODY_BYTES ? null : data;
    }

    /** Writes the JSON answer straight to the response (Javalin's result() copies it through a stream buffer). */
    private static void write(Context ctx, int status, byte[] json) throws IOException {
        ctx.status(status);
        ctx.res().setContentType("application/json");
        ctx.res().setContentLength(json.length);
        ctx.res().getOutputStream().write(json);
    }

    private static ObjectNode errorBody(String message) {
        ObjectNode n = Json.JSON.createObjectNode();
        n.put("error", message);
        return n;
    }

    private static void error(Context ctx, int status, String message) throws IOException {
        write(ctx, status, AdmissionHandler.bytes(errorBody(message)));
    }

    /**
     * Stops without failing a request (SIGTERM, every rollout and drain). For {@code pause} it goes on as before but
     * reports not ready and closes each connection after its next answer, so that clients move to other replicas
     * while endpoints are updated; then it closes the admission port (a new connection is refused at once, not left
     * waiting), answers every request in flight, and closes the connections that stay idle (Jetty's graceful
     * connector shutdown: 1 s). Returns when nothing is in flight and no connection is open, at most
     * {@code timeout} after the pause; {@link #close} then stops the rest.
     */
    public void drain(Duration pause, Duration timeout) {
        if (draining) {
            return;
        }
        draining = true;
        LOG.info("stopping: not ready, answering for {} ms more, then closing the admission port and answering what "
                + "is in flight", pause.toMillis());
        sleep(pause.toMillis());
        java.util.concurrent.CompletableFuture<Void> closed = tlsConnector.shutdown();
        long end = System.nanoTime() + timeout.toNanos();
        while ((gate.requestsInFlight() > 0 || !closed.isDone()) && System.nanoTime() < end) {
            sleep(20);
        }
        if (gate.requestsInFlight() > 0 || !tlsConnector.getConnectedEndPoints().isEmpty()) {
            LOG.warn("stopping with {} requests in flight and {} connections open after {} ms", gate.requestsInFlight(),
                    tlsConnector.getConnectedEndPoints().size(), timeout.toMillis());
        } else {
            LOG.info("every request answered; stopping");
        }
    }

    /** Requests on the admission port not yet answered (tests). */
    int inFlight() {
        return gate.requestsInFlight();
    }

    /** Bytes of request bodies the admission port holds now (tests). */
    long bodyBytesHeld() {
        return gate.bytesInFlight();
    }

    private static void sleep(long ms) {
        try {
            Thread.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    @Override
    public void close() {
        guard.stop();
        app.stop();
        tls.close();
        if (events != null) {
            events.close();
        }
    }
}
