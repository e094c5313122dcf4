package io.brguard.controller;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.core.instrument.binder.system.UptimeMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The controller's Prometheus metrics (docs/operations.md lists them with their alerts): whether this replica
 * leads, reconcile errors, objects left to another controller, and per schedule the times of its last and next
 * run, whether it cannot be carried out, and the Backups it created and deleted.
 */
public final class ControllerMetrics {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private final Map<String, AtomicReference<Double>> gauges = new ConcurrentHashMap<>();
    private final Map<String, List<Meter>> bySchedule = new ConcurrentHashMap<>();

    public ControllerMetrics() {
        new JvmMemoryMetrics().bindTo(registry);
        new JvmGcMetrics().bindTo(registry);
        new JvmThreadMetrics().bindTo(registry);
        new ProcessorMetrics().bindTo(registry);
        new UptimeMetrics().bindTo(registry);
        gauge("brguard_controller_leader", "1 on the replica that holds the Lease and acts", Tags.empty());
        for (String kind : List.of("BackupSchedule", "Backup")) {
            gauge("brguard_controller_stood_down", "objects brguard leaves to another controller", Tags.of("kind", kind));
            Counter.builder("brguard_controller_reconcile_errors").description("reconciles that failed and were retried")
                    .tags("kind", kind).register(registry);
        }
    }

    public PrometheusMeterRegistry registry() {
        return registry;
    }

    /** The Prometheus text exposition. */
    public String scrape() {
        return registry.scrape();
    }

    public void leader(boolean leads) {
        set("brguard_controller_leader", Tags.empty(), leads ? 1 : 0);
    }

    public void reconcileError(String kind) {
        registry.counter("brguard_controller_reconcile_errors", "kind", kind).increment();
    }

    public void stoodDown(String kind, int count) {
        set("brguard_controller_stood_down", Tags.of("kind", kind), count);
    }

    /** The schedule's last and next runs (absent: NaN) and whether it can be carried out. */
    public void schedule(String namespace, String name, Instant last, Instant next, boolean invalid) {
        Tags t = Tags.of("namespace", namespace, "schedule", name);
        scheduleGauge("brguard_schedule_last_backup_timestamp_seconds", "unix time of the last Backup the schedule made", t,
                last == null ? Double.NaN : last.getEpochSecond());
        scheduleGauge("brguard_schedule_next_backup_timestamp_seconds", "unix time of the schedule's next run", t,
                next == null ? Double.NaN : next.getEpochSecond());
        scheduleGauge("brguard_schedule_invalid", "1 when the schedule cannot be carried out (its cron, its retention)", t,
                invalid ? 1 : 0);
    }

    public void created(String namespace, String name, int n) {
        scheduleCounter("brguard_schedule_created_backups", "Backups the schedule created", namespace, name).increment(n);
    }

    public void deleted(String namespace, String name, int n) {
        scheduleCounter("brguard_schedule_deleted_backups", "Backups the schedule's retention deleted", namespace, name).increment(n);
    }

    /** A deleted schedule's series go with it. */
    public void forget(String namespace, String name) {
        List<Meter> meters = bySchedule.remove(namespace + "/" + name);
        if (meters != null) {
            meters.forEach(m -> {
                registry.remove(m);
                gauges.remove(m.getId().getName() + m.getId().getTags());
            });
        }
    }

    private Counter scheduleCounter(String name, String help, String namespace, String schedule) {
        Counter c = Counter.builder(name).description(help).tags("namespace", namespace, "schedule", schedule).register(registry);
        List<Meter> meters = bySchedule.computeIfAbsent(namespace + "/" + schedule, k -> new java.util.concurrent.CopyOnWriteArrayList<>());
        if (!meters.contains(c)) {
            meters.add(c);
        }
        return c;
    }

    private void scheduleGauge(String name, String help, Tags tags, double value) {
        Meter g = gauge(name, help, tags);
        set(name, tags, value);
        String schedule = tags.stream().filter(t -> t.getKey().equals("namespace")).findFirst().map(t -> t.getValue()).orElse("")
                + "/" + tags.stream().filter(t -> t.getKey().equals("schedule")).findFirst().map(t -> t.getValue()).orElse("");
        List<Meter> meters = bySchedule.computeIfAbsent(schedule, k -> new java.util.concurrent.CopyOnWriteArrayList<>());
        if (!meters.contains(g)) {
            meters.add(g);
        }
    }

    private Meter gauge(String name, String help, Tags tags) {
        AtomicReference<Double> value = gauges.computeIfAbsent(name + tags, k -> new AtomicReference<>(0.0));
        return Gauge.builder(name, value, AtomicReference::get).description(help).tags(tags).register(registry);
    }

    private void set(String name, Tags tags, double v) {
        gauges.computeIfAbsent(name + tags, k -> new AtomicReference<>(0.0)).set(v);
    }
}
