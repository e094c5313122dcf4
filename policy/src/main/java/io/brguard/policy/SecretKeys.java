package io.brguard.policy;

import java.util.Set;

/** A Secret as policy sees it: its name and the names of its keys. Values are never read into policy. */
public record SecretKeys(String namespace, String name, Set<String> keys) {
    public SecretKeys {
        keys = Set.copyOf(keys);
    }

    public boolean has(String key) {
        return keys.contains(key);
    }
}
