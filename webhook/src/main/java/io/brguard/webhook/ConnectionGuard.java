package io.brguard.webhook;

import org.eclipse.jetty.http.HttpParser;
import org.eclipse.jetty.io.Connection;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.ssl.SslConnection;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.server.internal.HttpConnection;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Keeps the admission port's connections for clients that use them. Jetty's idle timeout starts again at every
 * byte, so a client that trickles a request head one byte a second, or a TLS handshake, holds its connection for
 * ever; at the port's connection cap every new connection then waits (the API server opens new ones after 30 s
 * idle). Here:
 *
 * <ul>
 *   <li><b>Request head deadline.</b> From a request's first byte its head (request line and headers) must be
 *       complete within {@link #HEAD_MILLIS}; a new connection must have begun its first request (TLS handshake
 *       included) within {@link #FIRST_REQUEST_MILLIS}. Past that the connection is closed.</li>
 *   <li><b>Headroom at the cap.</b> When fewer than an eighth of the port's connections are free, the oldest
 *       connections that have not sent a whole request head (silent, handshaking or trickling for over
 *       {@link #MIN_AGE_MILLIS}) are closed until an eighth is free again: a client that sends its head at once, as
 *       the API server does, finds a free slot, while a slow head keeps its slot only while there is room. If
 *       that is not enough, kept-alive connections idle between requests for over {@link #MIN_IDLE_MILLIS} are
 *       closed too, the longest idle first: HTTP lets a server close an idle connection, and a client that sends a
 *       request now and then cannot otherwise hold its slots for ever.</li>
 *   <li><b>Per client.</b> One client address holds at most {@code maxPerClient} connections (half the port's by
 *       default): a single pod cannot take every slot. A connection past it is closed at once.</li>
 * </ul>
 *
 * Away from the cap, idle keep-alive connections are left to the connector's idle timeout (30 s). Each closed
 * connection is counted in {@code brguard_admission_overload_total} by cause.
 */
final class ConnectionGuard implements Connection.Listener {
    static final long HEAD_MILLIS = 3_000;
    static final long FIRST_REQUEST_MILLIS = 10_000;
    /** Near the cap, a connection younger than this is left to finish its handshake and head. */
    static final long MIN_AGE_MILLIS = 250;
    /** Near the cap, a kept-alive connection idle for less than this is left alone (its client may be sending). */
    static final long MIN_IDLE_MILLIS = 1_000;
    static final long SWEEP_MILLIS = 100;

    private final ServerConnector connector;
    private final int maxConnections;
    private final int maxPerClient;
    private final Consumer<String> closed;
    private final Map<InetAddress, AtomicInteger> perClient = new ConcurrentHashMap<>();
    private final Map<Connection, InetAddress> clients = new ConcurrentHashMap<>();
    private final ScheduledExecutorService sweeper = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "brguard-connection-guard");
        t.setDaemon(true);
        return t;
    });

    /** @param closed told the cause of every connection closed here */
    ConnectionGuard(ServerConnector connector, int maxConnections, int maxPerClient, Consumer<String> closed) {
        this.connector = connector;
        this.maxConnections = maxConnections;
        this.maxPerClient = maxPerClient;
        this.closed = closed;
    }

    ConnectionGuard start() {
        sweeper.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
        return this;
    }

    void stop() {
        sweeper.shutdownNow();
    }

    private static InetAddress client(EndPoint ep) {
        SocketAddress a = ep.getRemoteSocketAddress();
        return a instanceof InetSocketAddress i ? i.getAddress() : null;
    }

    // The network connection of a TLS port is the SslConnection (the HttpConnection inside it is told too): only
    // it is counted.
    @Override
    public void onOpened(Connection connection) {
        if (!(connection instanceof SslConnection)) {
            return;
        }
        InetAddress client = client(connection.getEndPoint());
        if (client == null) {
            return;
        }
        clients.put(connection, client); // a closed socket no longer tells its peer's address
        int n = perClient.computeIfAbsent(client, k -> new AtomicInteger()).incrementAndGet();
        if (n > maxPerClient) {
            closed.accept("client_connections");
            connection.getEndPoint().close();
        }
    }

    @Override
    public void onClosed(Connection connection) {
        if (!(connection instanceof SslConnection)) {
            return;
        }
        InetAddress client = clients.remove(connection);
        if (client != null) {
            perClient.computeIfPresent(client, (k, v) -> v.decrementAndGet() <= 0 ? null : v);
        }
    }

    /** Connections of one client now (tests). */
    int connectionsOf(InetAddress client) {
        AtomicInteger n = perClient.get(client);
        return n == null ? 0 : n.get();
    }

    /** A connection that may make room near the cap: without a whole request head, or idle, and for how long. */
    private record Slow(EndPoint endPoint, long ageMillis) {
    }

    private void sweep() {
        try {
            var endPoints = connector.getConnectedEndPoints();
            long now = System.nanoTime();
            long wallNow = System.currentTimeMillis();
            List<Slow> slow = new ArrayList<>();
            List<Slow> idle = new ArrayList<>();
            int open = 0;
            for (EndPoint ep : endPoints) {
                open++;
                if (!(ep.getConnection() instanceof SslConnection ssl)
                        || !(ssl.getSslEndPoint().getConnection() instanceof HttpConnection http)) {
                    continue;
                }
                HttpParser parser = http.getParser();
                if (http.getMessagesIn() == 0 && parser.isStart()) {
                    // Open, but its first request has not begun (a handshake, or silence).
                    long age = wallNow - ep.getCreatedTimeStamp();
                    if (age > FIRST_REQUEST_MILLIS) {
                        close(ep, "first_request_timeout");
                        open--;
                    } else {
                        slow.add(new Slow(ep, age));
                    }
                } else if (!parser.isStart() && parser.inHeaderState() && parser.getBeginNanoTime() != 0) {
                    // The parser is another thread's: its reset sets the start time to 0 before the state to START,
                    // and a sweep between the two would read a head begun at time 0. Such a reading is skipped.
                    long age = TimeUnit.NANOSECONDS.toMillis(now - parser.getBeginNanoTime());
                    if (age > HEAD_MILLIS) {
                        close(ep, "header_timeout");
                        open--;
                    } else {
                        slow.add(new Slow(ep, age));
                    }
                } else if (parser.isStart() && http.getMessagesIn() > 0 && ep instanceof org.eclipse.jetty.io.IdleTimeout t) {
                    // Kept alive between requests.
                    idle.add(new Slow(ep, t.getIdleFor()));
                }
            }
            // Near the cap, the oldest connections that have not sent a whole head make room, so that a client
            // that sends its head at once (the API server) always finds a free slot.
            int excess = open - (maxConnections - headroom());
            excess = makeRoom(slow, MIN_AGE_MILLIS, excess);
            makeRoom(idle, MIN_IDLE_MILLIS, excess);
        } catch (RuntimeException e) {
            // a connection that changed under the sweep: the next one looks again
        }
    }

    /**
     * Closes up to {@code excess} of the connections, the oldest (or longest idle) first, none under
     * {@code minMillis}; returns how many slots are still wanted.
     */
    private int makeRoom(List<Slow> candidates, long minMillis, int excess) {
        candidates.sort(Comparator.comparingLong(Slow::ageMillis).reversed());
        for (Slow x : candidates) {
            if (excess <= 0 || x.ageMillis() < minMillis) {
                break;
            }
            close(x.endPoint(), "connection_cap");
            excess--;
        }
        return excess;
    }

    /** Slots kept free near the cap: an eighth of them. */
    int headroom() {
        return Math.max(1, maxConnections / 8);
    }

    private void close(EndPoint ep, String cause) {
        closed.accept(cause);
        ep.close();
    }
}
