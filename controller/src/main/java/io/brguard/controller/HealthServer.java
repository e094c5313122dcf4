package io.brguard.controller;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executors;
import java.util.function.Supplier;

/**
 * The controller's plain HTTP port: {@code /healthz} (the process works), {@code /readyz} (caches synced, or a
 * follower waiting for the Lease) and {@code /metrics} (Prometheus). Three small answers, so the JDK's server.
 */
public final class HealthServer implements AutoCloseable {
    /** A probe's answer: whether it passes, and one line saying why. */
    public record Probe(boolean ok, String detail) {
    }

    private final HttpServer server;

    public HealthServer(int port, Supplier<Probe> healthy, Supplier<Probe> ready, ControllerMetrics metrics) throws IOException {
        server = HttpServer.create(new InetSocketAddress(port), 16);
        server.createContext("/healthz", x -> probe(x, healthy.get()));
        server.createContext("/readyz", x -> probe(x, ready.get()));
        server.createContext("/metrics", x -> send(x, 200, "text/plain; version=0.0.4; charset=utf-8", metrics.scrape()));
        server.setExecutor(Executors.newFixedThreadPool(2, r -> {
            Thread t = new Thread(r, "brguard-health");
            t.setDaemon(true);
            return t;
        }));
        server.start();
    }

    public int port() {
        return server.getAddress().getPort();
    }

    private static void probe(HttpExchange x, Probe p) throws IOException {
        send(x, p.ok() ? 200 : 503, "text/plain; charset=utf-8", p.detail() + "\n");
    }

    private static void send(HttpExchange x, int status, String type, String body) throws IOException {
        byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
        x.getResponseHeaders().set("Content-Type", type);
        x.sendResponseHeaders(status, bytes.length);
        try (OutputStream out = x.getResponseBody()) {
            out.write(bytes);
        }
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
