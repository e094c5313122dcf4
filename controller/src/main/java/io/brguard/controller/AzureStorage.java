package io.brguard.controller;

import com.azure.core.credential.AzureSasCredential;
import com.azure.core.http.HttpClient;
import com.azure.core.http.jdk.httpclient.JdkHttpClientBuilder;
import com.azure.core.http.rest.PagedResponse;
import com.azure.identity.ClientSecretCredentialBuilder;
import com.azure.storage.blob.BlobContainerClient;
import com.azure.storage.blob.BlobServiceClient;
import com.azure.storage.blob.BlobServiceClientBuilder;
import com.azure.storage.blob.models.BlobItem;
import com.azure.storage.blob.models.BlobStorageException;
import com.azure.storage.blob.models.ListBlobsOptions;
import com.azure.storage.common.StorageSharedKeyCredential;
import io.brguard.policy.Specs;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * What the controller reads and deletes in Azure Blob Storage, with the Backup's own credentials: a preflight
 * before a Job, BR's backupmeta after one, the log checkpoint, and paged cleanup. Secret values are used to build
 * a client and never logged or copied anywhere.
 */
public final class AzureStorage {
    public static final String BACKUPMETA = "backupmeta";
    static final String CHECKPOINT_DIR = "v1/global_checkpoint/";
    // BR spells it "trancate" (BR stream metas).
    static final String TRUNCATE_SAFEPOINT = "v1_stream_trancate_safepoint.txt";

    /** How to reach Azure: {@code https://{account}.blob.core.windows.net} unless overridden (Azurite in tests). */
    public record Endpoint(String template) {
        public static final Endpoint AZURE = new Endpoint("https://{account}.blob.core.windows.net");

        String url(String account) {
            return template.replace("{account}", account);
        }
    }

    /** Credentials for one Backup, from its spec and its Secret's values. */
    public record Credentials(String account, String sharedKey, String clientId, String clientSecret, String tenantId,
                              String sasToken) {
        @Override
        public String toString() {
            return "Credentials[account=" + account + ", kind=" + kind() + "]"; // never the values
        }

        String kind() {
            return sasToken != null ? "sas" : clientId != null ? "azure-ad" : "shared-key";
        }

        /** The same precedence as TiDB Operator: SAS from the spec, then all three AAD keys, then the shared key. */
        public static Credentials from(String specAccount, String sasToken, Map<String, String> secret) {
            String account = specAccount != null && !specAccount.isEmpty() ? specAccount : secret.get("AZURE_STORAGE_ACCOUNT");
            if (account == null || account.isEmpty()) {
                throw new IllegalArgumentException("no storage account: set spec.azblob.storageAccount or AZURE_STORAGE_ACCOUNT in the Secret");
            }
            if (sasToken != null && !sasToken.isEmpty()) {
                return new Credentials(account, null, null, null, null, sasToken);
            }
            if (secret.containsKey("AZURE_CLIENT_ID") && secret.containsKey("AZURE_CLIENT_SECRET") && secret.containsKey("AZURE_TENANT_ID")) {
                return new Credentials(account, null, secret.get("AZURE_CLIENT_ID"), secret.get("AZURE_CLIENT_SECRET"),
                        secret.get("AZURE_TENANT_ID"), null);
            }
            if (secret.containsKey("AZURE_STORAGE_KEY")) {
                return new Credentials(account, secret.get("AZURE_STORAGE_KEY"), null, null, null, null);
            }
            throw new IllegalArgumentException("the Secret has neither AZURE_STORAGE_KEY nor all of AZURE_CLIENT_ID, AZURE_CLIENT_SECRET, AZURE_TENANT_ID");
        }
    }

    /**
     * The outcome of a preflight: ok, or the reason. {@code transientFailure}: Azure could not be asked (timeout,
     * 5xx, throttling), so the answer is "try again later", not "this Backup cannot work".
     */
    public record Preflight(boolean ok, String reason, String message, boolean transientFailure) {
        public Preflight(boolean ok, String reason, String message) {
            this(ok, reason, message, false);
        }

        static Preflight passed() {
            return new Preflight(true, null, null, false);
        }
    }

    /** One page of cleanup: how many blobs were deleted, and whether the prefix was already empty. */
    public record CleanPage(long deleted, boolean done) {
    }

    private static final Duration CONTAINER_TTL = Duration.ofSeconds(30);
    private static final int CLIENTS_KEPT = 256;
    private final Endpoint endpoint;
    private final Duration timeout;
    private final java.util.Map<String, Long> containersSeen = new java.util.concurrent.ConcurrentHashMap<>();
    /*
     * One HTTP client for every Azure call. Left to itself the SDK builds a JDK HttpClient per service client, and
     * each of those keeps a selector thread until it is garbage collected: 300 threads for 1,000 Backups.
     */
    private final HttpClient http = new JdkHttpClientBuilder().build();
    /* Service clients by credentials (held in memory only, as the Secret cache does), least recently used out. */
    private final Map<Credentials, BlobServiceClient> clients = new LinkedHashMap<>(64, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<Credentials, BlobServiceClient> eldest) {
            return size() > CLIENTS_KEPT;
        }
    };

    public AzureStorage(Endpoint endpoint, Duration timeout) {
        this.endpoint = endpoint;
        this.timeout = timeout;
    }

    private BlobContainerClient container(Credentials c, Specs.AzureLocation loc) {
        BlobServiceClient service;
        synchronized (clients) {
            service = clients.computeIfAbsent(c, this::serviceClient);
        }
        return service.getBlobContainerClient(loc.container());
    }

    private BlobServiceClient serviceClient(Credentials c) {
        BlobServiceClientBuilder b = new BlobServiceClientBuilder().endpoint(endpoint.url(c.account())).httpClient(http);
        switch (c.kind()) {
            case "sas" -> b.credential(new AzureSasCredential(c.sasToken()));
            case "azure-ad" -> b.credential(new ClientSecretCredentialBuilder().clientId(c.clientId())
                    .clientSecret(c.clientSecret()).tenantId(c.tenantId()).httpClient(http).build());
            default -> b.credential(new StorageSharedKeyCredential(c.account(), c.sharedKey()));
        }
        return b.buildClient();
    }

    /** The blob-name prefix of a location, always ending in '/' so that "backup" never matches "backup-2". */
    static String prefix(Specs.AzureLocation loc) {
        return loc.prefix().isEmpty() ? "" : String.join("/", loc.prefix()) + "/";
    }

    /**
     * Before a Job: the credentials work, the container is reachable, and (for a snapshot) the prefix holds no
     * backupmeta, which BR would refuse ("backup meta file exists"). A log backup may not start in a snapshot's
     * prefix either (BR: "the storage has been used for full backup").
     */
    public Preflight preflight(Credentials c, Specs.AzureLocation loc, boolean snapshot) {
        try {
            BlobContainerClient container = container(c, loc);
            String containerKey = c.account() + "/" + loc.container() + "/" + c.kind() + "/" + Integer.toHexString(c.hashCode());
            Long seen = containersSeen.get(containerKey);
            boolean known = seen != null && System.nanoTime() - seen < CONTAINER_TTL.toNanos();
            if (!known && !container.exists()) {
                return new Preflight(false, "ContainerNotFound", "container " + loc.container() + " does not exist in account "
                        + c.account() + "; create it, BR does not");
            }
            // Many Backups share a container: its existence (with these credentials) is remembered for a short while.
            containersSeen.put(containerKey, System.nanoTime());
            var meta = container.getBlobClient(prefix(loc) + BACKUPMETA);
            if (meta.exists()) {
                if (snapshot) {
                    return new Preflight(false, "FileExistedInExternalStorage", loc.url() + " already holds a backupmeta: "
                            + "BR refuses to overwrite a backup; use a new prefix");
                }
                BackupMetaFile m = readMeta(container, loc).orElse(null);
                if (m != null && m.isSnapshot()) {
                    return new Preflight(false, "FileExistedInExternalStorage", loc.url()
                            + " holds a snapshot backup; a log backup needs its own prefix");
                }
            }
            return Preflight.passed();
        } catch (BlobStorageException e) {
            int code = e.getStatusCode();
            boolean retry = code >= 500 || code == 408 || code == 429;
            return new Preflight(false, code == 403 ? "AzureAuthFailed" : retry ? "AzureUnavailable" : "AzureError",
                    "Azure answered " + code + " " + e.getErrorCode() + " for " + loc.url()
                            + (code == 403 ? ": check the Secret's key or Azure AD credentials" : ""), retry);
        } catch (RuntimeException e) {
            return new Preflight(false, "AzureUnreachable", "cannot reach Azure for " + loc.url() + ": " + e.getMessage(), true);
        }
    }

    /** BR's backupmeta at the prefix, if any. */
    public Optional<BackupMetaFile> backupMeta(Credentials c, Specs.AzureLocation loc) {
        return readMeta(container(c, loc), loc);
    }

    private Optional<BackupMetaFile> readMeta(BlobContainerClient container, Specs.AzureLocation loc) {
        var blob = container.getBlobClient(prefix(loc) + BACKUPMETA);
        if (!blob.exists()) {
            return Optional.empty();
        }
        return Optional.of(BackupMetaFile.parse(blob.downloadContent().toBytes()));
    }

    /** Whether any blob is left under the prefix (read only). */
    public boolean anyBlob(Credentials c, Specs.AzureLocation loc) {
        return container(c, loc).listBlobs(new ListBlobsOptions().setPrefix(prefix(loc)).setMaxResultsPerPage(1), timeout)
                .iterableByPage(1).iterator().next().getValue().size() > 0;
    }

    /**
     * The log checkpoint as BR computes it without PD: max(StartVersion, truncate safepoint), raised to the largest
     * {@code v1/global_checkpoint/*.ts} (8-byte little-endian). Empty when nothing is there yet.
     */
    public Optional<Long> logCheckpoint(Credentials c, Specs.AzureLocation loc) {
        BlobContainerClient container = container(c, loc);
        String p = prefix(loc);
        long min = readMeta(container, loc).map(BackupMetaFile::startVersion).orElse(0L);
        var safepoint = container.getBlobClient(p + TRUNCATE_SAFEPOINT);
        if (safepoint.exists()) {
            String text = new String(safepoint.downloadContent().toBytes(), StandardCharsets.UTF_8).trim();
            if (!text.isEmpty()) {
                min = Math.max(min, Long.parseUnsignedLong(text));
            }
        }
        long max = -1;
        for (BlobItem item : container.listBlobs(new ListBlobsOptions().setPrefix(p + CHECKPOINT_DIR), timeout)) {
            if (item.getName().endsWith(".ts")) {
                byte[] b = container.getBlobClient(item.getName()).downloadContent().toBytes();
                if (b.length == 8) {
                    max = Math.max(max, ByteBuffer.wrap(b).order(ByteOrder.LITTLE_ENDIAN).getLong());
                }
            }
        }
        long result = Math.max(min, max);
        return result <= 0 ? Optional.empty() : Optional.of(result);
    }

    /**
     * Deletes up to {@code pageSize} blobs under the prefix. Resumable without keeping a position: deleted blobs
     * leave the listing, so every page starts from the beginning, and a crash only means listing again.
     */
    public CleanPage deletePage(Credentials c, Specs.AzureLocation loc, int pageSize) {
        BlobContainerClient container = container(c, loc);
        Iterator<PagedResponse<BlobItem>> pages = container.listBlobs(new ListBlobsOptions().setPrefix(prefix(loc))
                .setMaxResultsPerPage(pageSize), timeout).iterableByPage(pageSize).iterator();
        if (!pages.hasNext()) {
            return new CleanPage(0, true);
        }
        List<String> names = new ArrayList<>();
        pages.next().getValue().forEach(i -> names.add(i.getName()));
        long deleted = 0;
        for (String name : names) {
            try {
                container.getBlobClient(name).delete();
                deleted++;
            } catch (BlobStorageException e) {
                if (e.getStatusCode() != 404) {
                    throw e; // a real failure: the next reconcile lists and tries again
                }
            }
        }
        return new CleanPage(deleted, names.isEmpty());
    }
}
