package io.brguard.webhook;

import io.brguard.policy.Policy;
import io.brguard.policy.PolicyConfig;
import io.brguard.policy.rollout.RolloutConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

/**
 * The policy and rollout configuration the webhook decides with. From a file (the mounted ConfigMap) it is read at
 * start, where a bad file stops the start with the reason, and read again when its content changes, as the
 * certificate is; a bad file then keeps the last good configuration, says why once in the log, in /readyz and in
 * the metric {@code brguard_policy_config_valid}.
 *
 * <p>A new text is applied only once it is complete: it must read the same at two looks one reload interval apart
 * (an editor or {@code kubectl cp} writing the file in place is caught half way, and the first half of a policy is
 * often a valid policy of its own), and it must pass the schema. Each look reads the file whole through one open,
 * so the kubelet's swap of the {@code ..data} symlink, which replaces every file of the volume at once, is seen
 * before or after, never half. A file that cannot be read (deleted, unreadable) keeps the last good configuration
 * and is reported; when the text in force comes back, the report ends.
 */
public final class PolicySource implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(PolicySource.class);

    /** The configuration in force and the policy built from it. */
    public record Active(RolloutConfig config, Policy policy) {
    }

    private final Path file;
    private final AtomicReference<Active> active;
    private volatile String problem;
    /** The text in force. */
    private String activeText;
    /** A changed text seen at the last look, applied if the next look sees it unchanged. */
    private String pending;
    /** A complete text refused for a reason now in {@link #problem}: not parsed again until it changes. */
    private String refused;
    private ScheduledExecutorService watcher;

    private PolicySource(Path file, Active first, String text) {
        this.file = file;
        this.active = new AtomicReference<>(first);
        this.activeText = text;
    }

    /** A fixed policy with the default rollout (every rule enforced): --dev, tests, and no --policy-config. */
    public static PolicySource fixed(Policy policy) {
        return new PolicySource(null, new Active(RolloutConfig.DEFAULT, policy), null);
    }

    /** Reads the file once; a missing or bad file is an error naming it (and the field). */
    public static PolicySource file(Path file) throws RolloutConfig.Invalid {
        String text = read(file);
        RolloutConfig config = RolloutConfig.parse(file.toString(), text);
        return new PolicySource(file, active(config), text);
    }

    private static Active active(RolloutConfig config) {
        return new Active(config, new Policy(config.policy()));
    }

    private static String read(Path file) throws RolloutConfig.Invalid {
        try {
            return Files.readString(file, StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new RolloutConfig.Invalid(file + ": cannot read: " + e.getMessage());
        }
    }

    public Active active() {
        return active.get();
    }

    /** Why the file in place is not the one in force, or null. */
    public String problem() {
        return problem;
    }

    /**
     * Looks at the file once: applies a changed text that the previous look saw too and that is valid; keeps the
     * last good configuration otherwise. Called every reload interval by {@link #watch}.
     */
    public synchronized void reload() {
        if (file == null) {
            return;
        }
        String text;
        try {
            text = read(file);
        } catch (RolloutConfig.Invalid e) {
            pending = null;
            fail(e.getMessage());
            return;
        }
        if (text.equals(activeText)) {
            pending = null;
            if (problem != null) {
                LOG.info("policy configuration {} is the one in force again", file);
                problem = null;
            }
            return;
        }
        if (text.equals(refused)) {
            return;
        }
        if (!text.equals(pending)) {
            // First look at this text: a writer may be half way through it.
            pending = text;
            return;
        }
        pending = null;
        try {
            RolloutConfig config = RolloutConfig.parse(file.toString(), text);
            active.set(active(config));
            activeText = text;
            refused = null;
            LOG.info(problem != null ? "policy configuration {} is valid again and in force" : "policy configuration {} reloaded", file);
            problem = null;
        } catch (RolloutConfig.Invalid e) {
            refused = text;
            fail(e.getMessage());
        }
    }

    private void fail(String why) {
        if (!why.equals(problem)) {
            LOG.warn("keeping the last good policy configuration: {}", why);
        }
        problem = why;
    }

    /** Looks for a changed file every {@code millis}. */
    public void watch(long millis) {
        if (file == null || watcher != null) {
            return;
        }
        watcher = Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "brguard-policy-reload");
            t.setDaemon(true);
            return t;
        });
        watcher.scheduleWithFixedDelay(this::reload, millis, millis, TimeUnit.MILLISECONDS);
    }

    /** The default policy with this pitrGuard (no file). */
    public static PolicySource fixed(PolicyConfig config) {
        return fixed(new Policy(config));
    }

    @Override
    public void close() {
        if (watcher != null) {
            watcher.shutdownNow();
        }
    }
}
