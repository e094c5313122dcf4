package io.brguard.controller;

import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.server.mock.EnableKubernetesMockClient;
import org.junit.jupiter.api.Test;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicInteger;

import static org.junit.jupiter.api.Assertions.assertEquals;

@EnableKubernetesMockClient(crud = true)
class LeaderElectionTest {
    static KubernetesClient client;

    @Test
    void letsOnlyOneOfTwoReplicasLeadUntilTheLeaderLetsGo() throws Exception {
        AtomicInteger leading = new AtomicInteger();
        AtomicInteger maxLeading = new AtomicInteger();
        Runnable start = () -> maxLeading.accumulateAndGet(leading.incrementAndGet(), Math::max);
        Runnable stop = leading::decrementAndGet;
        CompletableFuture<?> a = LeaderElection.run(client, "brguard", "brguard-controller", "replica-a", start, stop);
        CompletableFuture<?> b = LeaderElection.run(client, "brguard", "brguard-controller", "replica-b", start, stop);
        long end = System.currentTimeMillis() + 5000;
        while (leading.get() == 0 && System.currentTimeMillis() < end) {
            Thread.sleep(50);
        }
        Thread.sleep(3000); // a few retry periods in which the other replica tries to take the lease
        assertEquals(1, leading.get(), "exactly one leader");
        assertEquals(1, maxLeading.get(), "never two at once");
        String holder = client.leases().inNamespace("brguard").withName("brguard-controller").get()
                .getSpec().getHolderIdentity();
        CompletableFuture<?> leader = holder.equals("replica-a") ? a : b;
        leader.cancel(true); // releases the lease
        end = System.currentTimeMillis() + 20_000;
        while (client.leases().inNamespace("brguard").withName("brguard-controller").get().getSpec().getHolderIdentity()
                .equals(holder) && System.currentTimeMillis() < end) {
            Thread.sleep(100);
        }
        String next = client.leases().inNamespace("brguard").withName("brguard-controller").get().getSpec().getHolderIdentity();
        assertEquals(holder.equals("replica-a") ? "replica-b" : "replica-a", next, "the other replica takes over");
        a.cancel(true);
        b.cancel(true);
    }
}
