package io.brguard.certs;

/** A certificate or key that cannot be used, with a message that names the file or Secret and what is wrong. */
public final class CertException extends RuntimeException {
    public CertException(String message) {
        super(message);
    }
}
