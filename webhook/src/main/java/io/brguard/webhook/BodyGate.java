package io.brguard.webhook;

import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.HttpStatus;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.thread.Scheduler;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;

/**
 * Reads an admission request's whole body before any worker thread runs the request, without holding a thread
 * while the bytes arrive: a client that trickles its body (one byte a second resets an idle timeout every time)
 * holds a connection, never one of the pool's threads. A body must arrive within {@code 2 s + its length at 256
 * KiB/s}, at most {@link #MAX_WAIT_MILLIS}, which is within the webhook configuration's timeoutSeconds (the API
 * server has given up by then); a late body is answered 408, a body over the size limit 400, malformed framing
 * 400, each with {@code Connection: close}. What passes reaches the routes with its body in memory.
 *
 * <p>The bodies held at once, from their first byte until their answer is written, are bounded too
 * ({@code maxBytesInFlight}): past it a request is answered 503 with {@code Retry-After}, so that a burst of
 * bodies of the largest size cannot take the heap (each such body also becomes a tree of up to
 * {@link ReviewReader#MAX_VALUES} values while it is decided). Real reviews are a few kilobytes: the default budget
 * holds over a thousand of them.
 */
final class BodyGate extends Handler.Wrapper {
    static final long BASE_WAIT_MILLIS = 2_000;
    static final long MAX_WAIT_MILLIS = 4_000;
    static final long MIN_RATE_BYTES_PER_SECOND = 256 * 1024;
    /** A refused body is read and dropped up to this much, so the client gets the answer rather than a reset. */
    static final long DRAIN_LIMIT = 4L * AdmissionHandler.MAX_BODY_BYTES;

    /** A request refused before it reached the routes: why, for the metrics and the log. */
    interface Refusals {
        void refused(Request request, int status, String reason);
    }

    private final Predicate<Request> tls;
    private final Predicate<Request> applies;
    private final int maxBytes;
    private final long maxBytesInFlight;
    private final Refusals refusals;
    private final java.util.function.BooleanSupplier stopping;
    private final AtomicLong inFlight = new AtomicLong();
    private final java.util.concurrent.atomic.AtomicInteger requests = new java.util.concurrent.atomic.AtomicInteger();

    /**
     * @param tls      requests on the admission port: counted in flight, and told to close their connection while
     *                 {@code stopping}
     * @param applies  of those, the ones whose body is read here (admission paths)
     */
    BodyGate(Predicate<Request> tls, Predicate<Request> applies, int maxBytes, long maxBytesInFlight, Refusals refusals,
             java.util.function.BooleanSupplier stopping) {
        this.tls = tls;
        this.applies = applies;
        this.maxBytes = maxBytes;
        this.maxBytesInFlight = maxBytesInFlight;
        this.refusals = refusals;
        this.stopping = stopping;
    }

    /** Requests on the admission port from their arrival until their answer is written (shutdown waits for 0). */
    int requestsInFlight() {
        return requests.get();
    }

    /** Bytes of request bodies held now (tests, metrics). */
    long bytesInFlight() {
        return inFlight.get();
    }

    @Override
    public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if (!tls.test(request)) {
            return super.handle(request, response, callback);
        }
        requests.incrementAndGet();
        AtomicBoolean once = new AtomicBoolean();
        Runnable done = () -> {
            if (once.compareAndSet(false, true)) {
                requests.decrementAndGet();
            }
        };
        Callback counted = Callback.from(callback, done);
        if (stopping.getAsBoolean()) {
            // Stopping: answer, then close, so the client's next request opens a connection to another replica.
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
        }
        try {
            if (handleTls(request, response, counted)) {
                return true;
            }
        } catch (Throwable t) {
            done.run();
            throw t;
        }
        done.run();
        return false;
    }

    private boolean handleTls(Request request, Response response, Callback callback) throws Exception {
        if (!applies.test(request)) {
            return super.handle(request, response, callback);
        }
        long length = request.getLength();
        if (length > DRAIN_LIMIT) {
            refuse(request, response, callback, HttpStatus.BAD_REQUEST_400, "request body is larger than "
                    + (maxBytes >> 20) + " MiB");
            return true;
        }
        long wait = Math.min(MAX_WAIT_MILLIS, BASE_WAIT_MILLIS + Math.max(0, length) * 1000 / MIN_RATE_BYTES_PER_SECOND);
        new Reader(request, response, callback, wait).run();
        return true;
    }

    /** Collects the content chunk by chunk, on demand; at most one of done, late or failed ends it. */
    private final class Reader implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream(1024);
        private final AtomicBoolean ended = new AtomicBoolean();
        private final Scheduler.Task deadline;
        private long seen;
        /** Bytes this request holds of the in-flight budget, given back once when it ends. */
        private long held;

        Reader(Request request, Response response, Callback callback, long waitMillis) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.deadline = request.getComponents().getScheduler().schedule(this::late, waitMillis, TimeUnit.MILLISECONDS);
        }

        @Override
        public void run() {
            while (!ended.get()) {
                Content.Chunk chunk = request.read();
                if (chunk == null) {
                    request.demand(this);
                    return;
                }
                if (Content.Chunk.isFailure(chunk)) {
                    if (end()) {
                        release();
                        refuse(request, response, callback, HttpStatus.BAD_REQUEST_400,
                                "the request body could not be read: malformed HTTP framing");
                    }
                    return;
                }
                ByteBuffer b = chunk.getByteBuffer();
                int n = b.remaining();
                seen += n;
                if (seen <= maxBytes && n > 0 && !hold(n)) {
                    chunk.release();
                    if (end()) {
                        release();
                        refusals.refused(request, HttpStatus.SERVICE_UNAVAILABLE_503, "request bodies in flight over "
                                + (maxBytesInFlight >> 20) + " MiB");
                        response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
                        answer(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "the webhook holds "
                                + (maxBytesInFlight >> 20) + " MiB of request bodies already; retry");
                    }
                    return;
                }
                if (seen <= maxBytes) {
                    byte[] copy = new byte[n];
                    b.get(copy);
                    body.write(copy, 0, n);
                }
                boolean last = chunk.isLast();
                chunk.release();
                if (seen > DRAIN_LIMIT || last) {
                    if (!end()) {
                        return;
                    }
                    if (seen > maxBytes) {
                        release();
                        refuse(request, response, callback, HttpStatus.BAD_REQUEST_400,
                                "request body is larger than " + (maxBytes >> 20) + " MiB");
                    } else {
                        pass();
                    }
                    return;
                }
            }
        }

        private boolean end() {
            if (!ended.compareAndSet(false, true)) {
                return false;
            }
            deadline.cancel();
            return true;
        }

        /** Takes n bytes of the budget for this request, or false when that would pass it. */
        private boolean hold(int n) {
            if (inFlight.addAndGet(n) > maxBytesInFlight) {
                inFlight.addAndGet(-n);
                return false;
            }
            held += n;
            return true;
        }

        private void release() {
            long h = held;
            held = 0;
            inFlight.addAndGet(-h);
        }

        private void late() {
            if (end()) {
                release();
                refuse(request, response, callback, HttpStatus.REQUEST_TIMEOUT_408,
                        "the request body did not arrive in time (" + seen + " bytes received)");
            }
        }

        private void pass() {
            byte[] bytes = body.toByteArray();
            Callback done = Callback.from(callback, this::release);
            Request buffered = new Request.Wrapper(request) {
                private boolean read;

                @Override
                public Content.Chunk read() {
                    if (read) {
                        return Content.Chunk.EOF;
                    }
                    read = true;
                    return Content.Chunk.from(ByteBuffer.wrap(bytes), true);
                }

                @Override
                public void demand(Runnable demandCallback) {
                    demandCallback.run();
                }
            };
            try {
                if (!BodyGate.super.handle(buffered, response, done)) {
                    Response.writeError(request, response, done, HttpStatus.NOT_FOUND_404);
                }
            } catch (Throwable t) {
                done.failed(t);
            }
        }
    }

    private void refuse(Request request, Response response, Callback callback, int status, String reason) {
        refusals.refused(request, status, reason);
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
        answer(response, callback, status, reason);
    }

    private static void answer(Response response, Callback callback, int status, String reason) {
        byte[] json = AdmissionHandler.bytes(io.brguard.policy.Json.JSON.createObjectNode().put("error", reason));
        response.setStatus(status);
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
        response.getHeaders().put(HttpHeader.CONTENT_LENGTH, json.length);
        response.write(true, ByteBuffer.wrap(json), callback);
    }
}
