package io.brguard.policy;

/**
 * Switches for rules an operator may want off.
 *
 * @param pitrGuard deny a log truncate past the newest Complete snapshot of the same cluster
 */
public record PolicyConfig(boolean pitrGuard) {
    public static final PolicyConfig DEFAULT = new PolicyConfig(true);
}
