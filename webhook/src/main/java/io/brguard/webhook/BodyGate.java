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
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

/**
 * Reads an admission request's whole body before any worker thread runs the request, without holding a thread
 * while the bytes arrive: a client that trickles or stalls holds a connection, never one of the pool's threads,
 * and only for as long as it keeps sending. What passes reaches the routes with its body in memory.
 *
 * <p><b>Deadlines that follow what was sent.</b> A body must keep arriving: no byte for {@link #STALL_MILLIS} ends
 * it, and at any moment it may have taken at most {@link #BASE_MILLIS} plus 1 s per {@link #MIN_RATE_BYTES_PER_SECOND}
 * it has sent, never more than {@link #MAX_MILLIS} (inside the webhook configuration's timeoutSeconds: the API
 * server has given up by then). So a body that stops one byte short of 3 MiB holds its budget about a second, not
 * four. A late body is answered 408, one over the size limit or with broken framing 400, each with
 * {@code Connection: close}.
 *
 * <p><b>A budget with a reserve.</b> The bodies held at once are bounded ({@code maxBytesInFlight}); a body's
 * declared length is taken from the budget when it starts (and its buffer is that size: what is counted is what is
 * allocated), a body of unknown length as its bytes arrive (its buffer, which grows by doubling and is copied
 * once at the end, may briefly take up to three times that; the API server always sends a length). Bodies over {@link #ORDINARY_BYTES} (real reviews are
 * a few kilobytes; an Argo CD-managed Backup's about 8) may take only {@code maxBytesInFlight - reserve}: past that a
 * large body is answered 503 with {@code Retry-After} at once, unread, and its connection closed (reading megabytes
 * only to refuse them is what a burst would cost), while ordinary reviews still have the reserve (refused, they are
 * read first so that the client sees the 503). Stalled or bursting large bodies cannot turn ordinary reviews away.
 */
final class BodyGate extends Handler.Wrapper {
    /** Time a body may take before its bytes count. */
    static final long BASE_MILLIS = 1_000;
    /** No byte for this long ends a body. */
    static final long STALL_MILLIS = 1_000;
    /** The longest any body may take. */
    static final long MAX_MILLIS = 4_000;
    /** Each 256 KiB sent earns the body one more second, up to {@link #MAX_MILLIS}. */
    static final long MIN_RATE_BYTES_PER_SECOND = 256 * 1024;
    /** A body up to this size is an ordinary review, which the reserve is kept for. */
    static final long ORDINARY_BYTES = 256 * 1024;
    /** A refused body is read and dropped up to this much, so the client gets the answer rather than a reset. */
    static final long DRAIN_LIMIT = 4L * AdmissionHandler.MAX_BODY_BYTES;

    /** A request refused before it reached the routes: its HTTP status, the overload cause (or null) and why. */
    interface Refusals {
        void refused(Request request, int status, String cause, String reason);
    }

    private final Predicate<Request> tls;
    private final Predicate<Request> applies;
    private final int maxBytes;
    private final long maxBytesInFlight;
    private final long maxLargeBytesInFlight;
    private final Refusals refusals;
    private final BooleanSupplier stopping;
    private final AtomicLong inFlight = new AtomicLong();
    private final AtomicLong largeInFlight = new AtomicLong();
    private final AtomicInteger requests = new AtomicInteger();

    /**
     * @param tls      requests on the admission port: counted in flight, and told to close their connection while
     *                 {@code stopping}
     * @param applies  of those, the ones whose body is read here (admission paths)
     * @param reserve  the part of {@code maxBytesInFlight} that bodies over {@link #ORDINARY_BYTES} may not take
     */
    BodyGate(Predicate<Request> tls, Predicate<Request> applies, int maxBytes, long maxBytesInFlight, long reserve,
             Refusals refusals, BooleanSupplier stopping) {
        this.tls = tls;
        this.applies = applies;
        this.maxBytes = maxBytes;
        this.maxBytesInFlight = maxBytesInFlight;
        this.maxLargeBytesInFlight = maxBytesInFlight - reserve;
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
            refuse(request, response, callback, HttpStatus.BAD_REQUEST_400, null, "request body is larger than "
                    + (maxBytes >> 20) + " MiB");
            return true;
        }
        Reader reader = new Reader(request, response, callback, length);
        if (length >= 0 && length <= maxBytes && !reader.hold(length)) {
            reader.refuseBusy();
            if (reader.large) {
                reader.answerBusy(); // at once, unread: reading megabytes to refuse them is what a burst costs
                return true;
            }
        }
        reader.start();
        return true;
    }

    /** Collects the content chunk by chunk, on demand; at most one of done, late, busy or failed ends it. */
    private final class Reader implements Runnable {
        private final Request request;
        private final Response response;
        private final Callback callback;
        private final long length;
        /** A body that may not take the reserve: over {@link #ORDINARY_BYTES}, or of unknown length. */
        final boolean large;
        /** The body as it comes when its length was not declared. */
        private final ByteArrayOutputStream chunked;
        private final AtomicBoolean ended = new AtomicBoolean();
        private final long startNanos = System.nanoTime();
        private volatile long lastByteNanos = startNanos;
        private volatile long seen;
        private volatile Scheduler.Task check;
        /** Bytes this request holds of the in-flight budget, given back once when it ends. */
        private long held;
        /**
         * Set when the bytes are given back: the deadline's thread may end the request while the reading thread is
         * about to take more, and what it took then would never be given back.
         */
        private boolean released;

        Reader(Request request, Response response, Callback callback, long length) {
            this.request = request;
            this.response = response;
            this.callback = callback;
            this.length = length;
            this.large = length < 0 || length > ORDINARY_BYTES;
            this.chunked = length < 0 ? new ByteArrayOutputStream(1024) : null;
        }

        /** The body when its length was declared and within the limit: that many bytes, taken from the budget. */
        private byte[] buffer;

        /** Refused for want of budget: the body is read and dropped, then answered 503 (so the client sees it). */
        private boolean busy;

        void start() {
            if (length >= 0 && length <= maxBytes && !busy) {
                buffer = new byte[(int) length];
            }
            schedule(deadlineNanos());
            run();
        }

        private void schedule(long atNanos) {
            check = request.getComponents().getScheduler().schedule(this::check,
                    Math.max(1, atNanos - System.nanoTime()), TimeUnit.NANOSECONDS);
        }

        /** When this body is late, from what it has sent so far. */
        private long deadlineNanos() {
            long earned = TimeUnit.MILLISECONDS.toNanos(BASE_MILLIS) + seen * 1_000_000_000L / MIN_RATE_BYTES_PER_SECOND;
            return Math.min(Math.min(lastByteNanos + TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS), startNanos + earned),
                    startNanos + TimeUnit.MILLISECONDS.toNanos(MAX_MILLIS));
        }

        private void check() {
            if (ended.get()) {
                return;
            }
            long deadline = deadlineNanos();
            if (System.nanoTime() - deadline < 0) {
                schedule(deadline);
                return;
            }
            if (end()) {
                release();
                boolean stalled = System.nanoTime() - lastByteNanos >= TimeUnit.MILLISECONDS.toNanos(STALL_MILLIS);
                refuse(request, response, callback, HttpStatus.REQUEST_TIMEOUT_408, stalled ? "body_stalled" : "body_too_slow",
                        "the request body did not arrive in time (" + seen + (length >= 0 ? " of " + length : "")
                                + " bytes received" + (stalled ? ", none for " + STALL_MILLIS + " ms" : "") + ")");
            }
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
                        refuse(request, response, callback, HttpStatus.BAD_REQUEST_400, null,
                                "the request body could not be read: malformed HTTP framing");
                    }
                    return;
                }
                ByteBuffer b = chunk.getByteBuffer();
                int n = b.remaining();
                if (n > 0) {
                    lastByteNanos = System.nanoTime();
                }
                long before = seen;
                seen = before + n;
                if (seen <= maxBytes && n > 0 && !busy) {
                    if (chunked != null) {
                        if (!hold(n)) {
                            chunk.release();
                            if (ended.get()) {
                                return; // ended meanwhile (its deadline): answered there, and nothing is held
                            }
                            release();
                            refuseBusy();
                            if (end()) {
                                answerBusy(); // a body of unknown length is a large one: not read further
                            }
                            return;
                        } else {
                            if (b.hasArray()) {
                                chunked.write(b.array(), b.arrayOffset() + b.position(), n);
                                b.position(b.limit());
                            } else {
                                byte[] copy = new byte[n];
                                b.get(copy);
                                chunked.write(copy, 0, n);
                            }
                        }
                    } else if (buffer != null && seen <= buffer.length) {
                        b.get(buffer, (int) before, n);
                    }
                }
                boolean last = chunk.isLast();
                chunk.release();
                if (seen > DRAIN_LIMIT || last) {
                    if (!end()) {
                        return;
                    }
                    if (busy) {
                        answerBusy();
                    } else if (seen > maxBytes || (buffer != null && seen != length)) {
                        release();
                        refuse(request, response, callback, HttpStatus.BAD_REQUEST_400, null, seen > maxBytes
                                ? "request body is larger than " + (maxBytes >> 20) + " MiB"
                                : "the request body is shorter than its Content-Length");
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
            Scheduler.Task c = check;
            if (c != null) {
                c.cancel();
            }
            return true;
        }

        /**
         * Takes n bytes of the budget for this request, or false when that would pass it (or the large share), or
         * when the request's bytes were already given back.
         */
        synchronized boolean hold(long n) {
            if (released) {
                return false;
            }
            if (large && largeInFlight.addAndGet(n) > maxLargeBytesInFlight) {
                largeInFlight.addAndGet(-n);
                return false;
            }
            if (inFlight.addAndGet(n) > maxBytesInFlight) {
                inFlight.addAndGet(-n);
                if (large) {
                    largeInFlight.addAndGet(-n);
                }
                return false;
            }
            held += n;
            return true;
        }

        private synchronized void release() {
            released = true;
            long h = held;
            held = 0;
            inFlight.addAndGet(-h);
            if (large) {
                largeInFlight.addAndGet(-h);
            }
        }

        /**
         * The budget (or the share of large bodies) is taken: counted now; an ordinary body is answered 503 once it
         * is read (the client sees the answer), a large one at once, unread, and its connection closed.
         */
        void refuseBusy() {
            busy = true;
            buffer = null;
            if (chunked != null) {
                chunked.reset();
            }
            long budget = large ? maxLargeBytesInFlight : maxBytesInFlight;
            refusals.refused(request, HttpStatus.SERVICE_UNAVAILABLE_503, "body_budget", (large ? "large " : "")
                    + "request bodies in flight over " + (budget >> 20) + " MiB");
        }

        void answerBusy() {
            long budget = large ? maxLargeBytesInFlight : maxBytesInFlight;
            response.getHeaders().put(HttpHeader.RETRY_AFTER, "1");
            response.getHeaders().put(HttpHeader.CONNECTION, "close");
            answer(response, callback, HttpStatus.SERVICE_UNAVAILABLE_503, "the webhook holds "
                    + (budget >> 20) + " MiB of " + (large ? "large " : "") + "request bodies already; retry");
        }

        private void pass() {
            byte[] bytes = buffer != null ? buffer : chunked.toByteArray();
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

    private void refuse(Request request, Response response, Callback callback, int status, String cause, String reason) {
        refusals.refused(request, status, cause, reason);
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
