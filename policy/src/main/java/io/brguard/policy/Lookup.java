package io.brguard.policy;

/**
 * The answer of a read-only lookup. {@link Missing} is a fact ("the Secret does not exist") and may deny;
 * {@link Unknown} means brguard could not find out, which is never a denial and is reported as not checked;
 * {@link Skipped} means this deployment does not look it up at all (the webhook reads no TiDB cluster), so the
 * rule has nothing to say.
 */
public sealed interface Lookup<T> {

    record Found<T>(T value) implements Lookup<T> {
    }

    record Missing<T>() implements Lookup<T> {
    }

    record Unknown<T>(String reason) implements Lookup<T> {
    }

    record Skipped<T>() implements Lookup<T> {
    }

    static <T> Lookup<T> found(T value) {
        return new Found<>(value);
    }

    static <T> Lookup<T> missing() {
        return new Missing<>();
    }

    static <T> Lookup<T> unknown(String reason) {
        return new Unknown<>(reason);
    }

    static <T> Lookup<T> skipped() {
        return new Skipped<>();
    }
}
