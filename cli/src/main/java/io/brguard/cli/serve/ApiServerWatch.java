package io.brguard.cli.serve;

import java.io.PrintStream;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Tells the operator in one line when the API server cannot be reached, and in one more when it answers: the
 * caches retry on their own and say nothing until they sync, so without this a webhook pointed at the wrong
 * cluster only stays unready. Probes with a backoff from {@code first} up to {@code max} until the first answer.
 */
public final class ApiServerWatch implements AutoCloseable {
    private final String who;
    private final String server;
    private final Callable<?> probe;
    private final PrintStream out;
    private final Duration first;
    private final Duration max;
    private final CountDownLatch closed = new CountDownLatch(1);
    private final Thread thread;

    public ApiServerWatch(String who, String server, Callable<?> probe, PrintStream out, Duration first, Duration max) {
        this.who = who;
        this.server = server;
        this.probe = probe;
        this.out = out;
        this.first = first;
        this.max = max;
        this.thread = new Thread(this::watch, "api-server-watch");
        this.thread.setDaemon(true);
    }

    public ApiServerWatch start() {
        thread.start();
        return this;
    }

    private void watch() {
        boolean reported = false;
        long wait = first.toMillis();
        while (closed.getCount() > 0) {
            try {
                probe.call();
                if (reported) {
                    out.println(who + ": the API server at " + server + " answers now");
                }
                return;
            } catch (Exception e) {
                if (!reported) {
                    out.println(who + ": cannot reach the API server at " + server + ": " + cause(e)
                            + "; retrying (up to every " + seconds(max) + "), and not ready until it answers");
                    reported = true;
                }
            }
            try {
                if (closed.await(wait, TimeUnit.MILLISECONDS)) {
                    return;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            wait = Math.min(max.toMillis(), wait * 2);
        }
    }

    /**
     * The cause in words: the deepest message in the chain ("Connection refused", "api.example: Name or service
     * not known"), or what the deepest exception's type means when it carries none (the JDK's HTTP client throws
     * a ConnectException without a message).
     */
    static String cause(Throwable t) {
        String said = null;
        String meaning = null;
        for (Throwable c = t; c != null; c = c.getCause() == c ? null : c.getCause()) {
            if (c.getMessage() != null && !c.getMessage().isBlank() && !c.getMessage().startsWith("An error has occurred")) {
                said = c.getMessage().strip().lines().findFirst().orElse("");
            }
            String m = c instanceof java.net.ConnectException ? "connection refused or unreachable"
                    : c instanceof java.net.UnknownHostException ? "unknown host"
                    : c instanceof javax.net.ssl.SSLException ? "TLS handshake failed"
                    : c instanceof java.net.http.HttpTimeoutException || c instanceof java.net.SocketTimeoutException ? "timed out"
                    : null;
            meaning = m == null ? meaning : m;
        }
        if (meaning == null) {
            return said == null ? "no answer" : said;
        }
        return said == null || said.equalsIgnoreCase(meaning) ? meaning : meaning + " (" + said + ")";
    }

    private static String seconds(Duration d) {
        return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
    }

    /**
     * Blocks until the API server answers, saying in one line per failed try what was tried, what failed and
     * when the next try is; the wait doubles from {@code first} up to {@code max}. For a command that can do
     * nothing without the API server (the controller), where a silent wait would look like a hang.
     *
     * @return the number of failed tries
     */
    public static int awaitReachable(String who, String server, Callable<?> probe, PrintStream out, Duration first, Duration max,
                                     Sleeper sleeper) throws InterruptedException {
        long wait = first.toMillis();
        for (int failed = 0; ; failed++) {
            try {
                probe.call();
                if (failed > 0) {
                    out.println(who + ": the API server at " + server + " answers now");
                }
                return failed;
            } catch (Exception e) {
                out.println(who + ": cannot reach the API server at " + server + " (GET /version): " + cause(e)
                        + "; trying again in " + seconds(Duration.ofMillis(wait)));
            }
            sleeper.sleep(Duration.ofMillis(wait));
            wait = Math.min(max.toMillis(), wait * 2);
        }
    }

    /** How awaitReachable waits (tests pass one that does not). */
    @FunctionalInterface
    public interface Sleeper {
        void sleep(Duration d) throws InterruptedException;

        Sleeper REAL = d -> Thread.sleep(d.toMillis());
    }

    /** Waits until the watch has given up or seen an answer (tests). */
    boolean awaitDone(Duration timeout) throws InterruptedException {
        thread.join(timeout.toMillis());
        return !thread.isAlive();
    }

    @Override
    public void close() {
        closed.countDown();
    }
}
