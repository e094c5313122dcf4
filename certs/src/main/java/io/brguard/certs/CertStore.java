package io.brguard.certs;

import java.util.Optional;

/** Where the TLS material lives. Loading validates; saving replaces each object atomically. */
public interface CertStore {

    /** The stored state, empty when nothing is stored yet; throws {@link CertException} for unusable input. */
    Optional<CertState> load();

    /** Stores the CA, its key and the previous CA. */
    void saveCa(CertState state);

    /** Stores what the webhook serves: the leaf, its key and the caBundle. */
    void saveServing(CertState state);

    /** A name for messages, e.g. the folder or namespace/secret. */
    String describe();
}
