package io.brguard.controller;

import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.client.informers.ResourceEventHandler;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * A deduplicating queue of object keys, like client-go's workqueue: a key waits at most once, a key being worked
 * on is never handed to a second worker, and a key added while it is worked on is handed out again afterwards.
 * {@link #handler} turns informer events into keys, {@link #startWorkers} runs the reconciles.
 */
public final class WorkQueue implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(WorkQueue.class);
    private final List<Thread> workers = new ArrayList<>();
    private final Map<String, Integer> failures = new ConcurrentHashMap<>();
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

    /** An informer handler that adds the key of every added, changed or deleted object (null keys are skipped). */
    public <T extends HasMetadata> ResourceEventHandler<T> handler(Function<T, String> key) {
        return new ResourceEventHandler<>() {
            @Override
            public void onAdd(T obj) {
                enqueue(key.apply(obj));
            }

            @Override
            public void onUpdate(T oldObj, T newObj) {
                enqueue(key.apply(newObj));
            }

            @Override
            public void onDelete(T obj, boolean deletedFinalStateUnknown) {
                enqueue(key.apply(obj));
            }
        };
    }

    private void enqueue(String key) {
        if (key != null) {
            add(key);
        }
    }

    /**
     * Starts {@code n} workers, each taking keys and reconciling them; a reconcile says when to look again, if ever.
     * A failure is retried with a capped exponential back-off (100 ms doubling to a minute), logged with the kind
     * and counted by {@code onFailure}.
     */
    public void startWorkers(String name, int n, String kind, Function<String, Optional<Duration>> reconcile,
                             Runnable onFailure) {
        for (int i = 0; i < n; i++) {
            Thread t = new Thread(() -> work(kind, reconcile, onFailure), name + "-" + i);
            t.setDaemon(true);
            t.start();
            workers.add(t);
        }
    }

    private void work(String kind, Function<String, Optional<Duration>> reconcile, Runnable onFailure) {
        while (true) {
            String key;
            try {
                key = take();
            } catch (InterruptedException e) {
                return;
            }
            if (key == null) {
                return;
            }
            try {
                reconcile.apply(key).ifPresent(d -> addAfter(key, d));
                failures.remove(key);
            } catch (RuntimeException e) {
                int n = failures.merge(key, 1, Integer::sum);
                onFailure.run();
                Duration backoff = Duration.ofMillis(Math.min(100L << Math.min(n, 10), 60_000));
                LOG.warn("reconciling {} {} failed ({} in a row), retrying in {} ms: {}", kind, key, n, backoff.toMillis(), e.toString());
                addAfter(key, backoff);
            } finally {
                done(key);
            }
        }
    }

    @Override
    public synchronized void close() {
        closed = true;
        timer.shutdownNow();
        notifyAll();
        workers.forEach(Thread::interrupt);
    }
}
