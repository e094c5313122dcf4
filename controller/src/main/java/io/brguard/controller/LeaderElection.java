package io.brguard.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderCallbacks;
import io.fabric8.kubernetes.client.extended.leaderelection.LeaderElectionConfigBuilder;
import io.fabric8.kubernetes.client.extended.leaderelection.resourcelock.LeaseLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

/**
 * Lease-based leader election (coordination.k8s.io/v1 Lease), so two controller replicas never act at once. A
 * replica that loses the lease stops acting at once: the callback ends the process, and Kubernetes restarts it
 * as a follower, which is simpler and safer than unwinding half-finished work.
 */
public final class LeaderElection {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderElection.class);

    private LeaderElection() {
    }

    public static CompletableFuture<?> run(KubernetesClient client, String namespace, String lease, String identity,
                                           Runnable onStart, Runnable onStop) {
        return client.leaderElector().withConfig(new LeaderElectionConfigBuilder()
                .withName(lease)
                .withLock(new LeaseLock(namespace, lease, identity))
                .withLeaseDuration(Duration.ofSeconds(15))
                .withRenewDeadline(Duration.ofSeconds(10))
                .withRetryPeriod(Duration.ofSeconds(2))
                .withReleaseOnCancel(true)
                .withLeaderCallbacks(new LeaderCallbacks(onStart, onStop,
                        leader -> LOG.info("the leader is now {}", leader)))
                .build()).build().start();
    }
}
