package io.brguard.policy;

import io.brguard.policy.model.AzblobStorageProvider;
import io.brguard.policy.model.BRConfig;
import io.brguard.policy.model.Backup;
import io.brguard.policy.model.BackupSpec;
import io.fabric8.kubernetes.api.model.HasMetadata;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Small readings of a Backup, and of the br and azblob sections a Restore shares with it, for rules, the checker and
 * the controller.
 */
public final class Specs {

    private Specs() {
    }

    /** A TiDB cluster: namespace and name. */
    public record ClusterRef(String namespace, String name) {
        @Override
        public String toString() {
            return namespace + "/" + name;
        }
    }

    /**
     * Where BR writes: TiDB Operator joins container and prefix and splits at the first slash, so
     * {@code container: c/x} really means container {@code c} under prefix {@code x/...}.
     * The account is null when it comes from the Secret and so is not known here.
     */
    public record AzureLocation(String account, String container, List<String> prefix) {

        /** The same place, or one inside the other (whole path segments). An unknown account may be the same. */
        public boolean overlaps(AzureLocation other) {
            if (account != null && other.account != null && !account.equals(other.account)) {
                return false;
            }
            if (!container.equals(other.container)) {
                return false;
            }
            int n = Math.min(prefix.size(), other.prefix.size());
            return prefix.subList(0, n).equals(other.prefix.subList(0, n));
        }

        /** The backup path as TiDB Operator writes it to status.backupPath. */
        public String url() {
            return "azure://" + container + "/" + (prefix.isEmpty() ? "" : String.join("/", prefix) + "/");
        }

        @Override
        public String toString() {
            return url();
        }
    }

    public static boolean isLog(BackupSpec spec) {
        return spec != null && "log".equals(spec.getBackupMode());
    }

    public static boolean isBlank(String s) {
        return s == null || s.isEmpty();
    }

    public static String namespace(HasMetadata b) {
        String ns = b.getMetadata() == null ? null : b.getMetadata().getNamespace();
        return isBlank(ns) ? "default" : ns;
    }

    public static String name(HasMetadata b) {
        return b.getMetadata() == null ? null : b.getMetadata().getName();
    }

    public static String nsName(HasMetadata b) {
        return namespace(b) + "/" + name(b);
    }

    public static boolean sameObject(Backup a, Backup b) {
        return java.util.Objects.equals(name(a), name(b)) && namespace(a).equals(namespace(b));
    }

    public static String phase(Backup b) {
        return b.getStatus() == null || b.getStatus().getPhase() == null ? "" : b.getStatus().getPhase();
    }

    public static String statusCommitTs(Backup b) {
        return b.getStatus() == null ? null : b.getStatus().getCommitTs();
    }

    /** The TiDB cluster a Backup targets: br.clusterNamespace defaults to the Backup's namespace. */
    public static Optional<ClusterRef> cluster(Backup b) {
        BackupSpec s = b.getSpec();
        return s == null ? Optional.empty() : cluster(namespace(b), s.getBr());
    }

    /** The TiDB cluster a {@code br} section names, read from an object in {@code namespace}. */
    public static Optional<ClusterRef> cluster(String namespace, BRConfig br) {
        if (br == null || isBlank(br.getCluster())) {
            return Optional.empty();
        }
        String ns = isBlank(br.getClusterNamespace()) ? namespace : br.getClusterNamespace();
        return Optional.of(new ClusterRef(ns, br.getCluster()));
    }

    /** The Azure location of a Backup, when it uses azblob with a container. */
    public static Optional<AzureLocation> location(Backup b) {
        BackupSpec s = b.getSpec();
        return location(s == null ? null : s.getAzblob());
    }

    /** The Azure location an azblob section names, when it has a container. */
    public static Optional<AzureLocation> location(AzblobStorageProvider az) {
        if (az == null || isBlank(az.getContainer())) {
            return Optional.empty();
        }
        // Called for every pair of Backups by the cross-object rules, so no regex here.
        List<String> parts = new ArrayList<>();
        segments(az.getContainer(), parts);
        segments(az.getPrefix(), parts);
        if (parts.isEmpty()) {
            return Optional.empty();
        }
        String container = parts.remove(0);
        String account = isBlank(az.getStorageAccount()) ? null : az.getStorageAccount();
        return Optional.of(new AzureLocation(account, container, List.copyOf(parts)));
    }

    /** Appends the non-empty '/'-separated segments of {@code s}. */
    private static void segments(String s, List<String> out) {
        if (s == null) {
            return;
        }
        int start = 0;
        for (int i = 0; i <= s.length(); i++) {
            if (i == s.length() || s.charAt(i) == '/') {
                if (i > start) {
                    out.add(s.substring(start, i));
                }
                start = i + 1;
            }
        }
    }
}
