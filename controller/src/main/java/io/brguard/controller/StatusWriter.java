package io.brguard.controller;

import io.brguard.policy.Json;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupStatus;
import io.fabric8.kubernetes.client.KubernetesClient;
import io.fabric8.kubernetes.client.KubernetesClientException;

/**
 * The one place status is written: through the status subresource, with the resourceVersion read, retrying on a
 * conflict with the latest object (brguard is the only status writer, so its computed status still holds).
 */
public final class StatusWriter {
    private static final int ATTEMPTS = 5;
    private final KubernetesClient client;

    public StatusWriter(KubernetesClient client) {
        this.client = client;
    }

    /** Writes {@code status} onto the Backup; returns the updated object, or null when it is gone. */
    public Backup write(Backup read, BackupStatus status) {
        Backup current = read;
        for (int attempt = 1; ; attempt++) {
            Backup copy = Json.copy(current);
            copy.setStatus(status);
            try {
                return client.resources(Backup.class).inNamespace(copy.getMetadata().getNamespace()).resource(copy).updateStatus();
            } catch (KubernetesClientException e) {
                if (e.getCode() == 404) {
                    return null;
                }
                if (e.getCode() != 409 || attempt == ATTEMPTS) {
                    throw e;
                }
                current = client.resources(Backup.class).inNamespace(read.getMetadata().getNamespace())
                        .withName(read.getMetadata().getName()).get();
                if (current == null) {
                    return null;
                }
            }
        }
    }
}
