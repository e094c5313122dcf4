package io.brguard.controller;

import java.time.Duration;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A deduplicating queue of Backup keys, like client-go's workqueue: a key waits at most once, a key being worked
 * on is never handed to a second worker, and a key added while it is worked on is handed out again afterwards.
 */
public final class WorkQueue implements AutoCloseable {
    private final Set<String> queue = new LinkedHashSet<>();
    private final Set<String> processing = new HashSet<>();
    private final Set<String> dirty = new HashSet<>();
    private final ScheduledExecutorService timer = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "brguard-requeue");
        t.setDaemon(true);
        return t;
    });
    private boolean closed;

    public synchronized void add(String key) {
        if (closed) {
            return;
        }
        if (processing.contains(key)) {
            dirty.add(key);
            return;
        }
        if (queue.add(key)) {
            notifyAll();
        }
    }

    public void addAfter(String key, Duration delay) {
        if (delay.isZero() || delay.isNegative()) {
            add(key);
            return;
        }
        try {
            timer.schedule(() -> add(key), delay.toMillis(), TimeUnit.MILLISECONDS);
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: nothing is requeued after shutdown
        }
    }

    /** The next key, waiting for one; null once closed. */
    public synchronized String take() throws InterruptedException {
        while (queue.isEmpty() && !closed) {
            wait();
        }
        if (closed) {
            return null;
        }
        var it = queue.iterator();
        String key = it.next();
        it.remove();
        processing.add(key);
        return key;
    }

    public synchronized void done(String key) {
        processing.remove(key);
        if (dirty.remove(key)) {
            queue.add(key);
            notifyAll();
        }
    }

    public synchronized int size() {
        return queue.size() + processing.size();
    }

    @Override
    public synchronized void close() {
        closed = true;
        timer.shutdownNow();
        notifyAll();
    }
}
