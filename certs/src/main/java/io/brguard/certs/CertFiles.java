package io.brguard.certs;

import java.io.IOException;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/**
 * PEM files in a folder (for local use; certs/ is git-ignored): ca.crt, ca.key, previous-ca.crt, tls.crt,
 * tls.key and ca-bundle.crt, the same names the webhook reads from a mounted TLS Secret. Each file is written to
 * a temporary name and moved into place, so a reader never sees half a file.
 */
public final class CertFiles implements CertStore {
    public static final String CA_CRT = "ca.crt";
    public static final String CA_KEY = "ca.key";
    public static final String PREVIOUS_CA_CRT = "previous-ca.crt";
    public static final String TLS_CRT = "tls.crt";
    public static final String TLS_KEY = "tls.key";
    public static final String BUNDLE = "ca-bundle.crt";

    private final Path dir;

    public CertFiles(Path dir) {
        this.dir = dir;
    }

    @Override
    public String describe() {
        return dir.toString();
    }

    @Override
    public Optional<CertState> load() {
        if (!Files.exists(dir.resolve(CA_CRT)) && !Files.exists(dir.resolve(CA_KEY))) {
            return Optional.empty();
        }
        Issuer.Issued ca = pair(CA_CRT, CA_KEY);
        X509Certificate previous = Files.exists(dir.resolve(PREVIOUS_CA_CRT))
                ? Pem.certificates(where(PREVIOUS_CA_CRT), read(PREVIOUS_CA_CRT)).get(0) : null;
        Issuer.Issued leaf = Files.exists(dir.resolve(TLS_CRT)) || Files.exists(dir.resolve(TLS_KEY))
                ? pair(TLS_CRT, TLS_KEY) : null;
        return Optional.of(new CertState(ca, previous, leaf));
    }

    /** Reads a certificate and its key, e.g. tls.crt and tls.key. */
    public Issuer.Issued pair(String crt, String key) {
        X509Certificate cert = Pem.certificates(where(crt), read(crt)).get(0);
        return new Issuer.Issued(cert, Pem.privateKey(where(key), read(key)));
    }

    @Override
    public void saveCa(CertState s) {
        write(CA_CRT, Pem.encode(s.ca().certificate()), false);
        write(CA_KEY, Pem.encode(s.ca().key()), true);
        if (s.previousCa() == null) {
            delete(PREVIOUS_CA_CRT);
        } else {
            write(PREVIOUS_CA_CRT, Pem.encode(s.previousCa()), false);
        }
    }

    @Override
    public void saveServing(CertState s) {
        write(BUNDLE, Pem.encode(s.bundle()), false);
        // key before certificate: a reader that sees the new tls.crt then also finds its key.
        write(TLS_KEY, Pem.encode(s.leaf().key()), true);
        write(TLS_CRT, Pem.encode(List.of(s.leaf().certificate())), false);
    }

    private String where(String file) {
        return dir.resolve(file).toString();
    }

    private String read(String file) {
        try {
            return Files.readString(dir.resolve(file));
        } catch (IOException e) {
            throw new CertException(where(file) + ": cannot read (" + e.getMessage() + ")");
        }
    }

    private void write(String file, String content, boolean secret) {
        try {
            Files.createDirectories(dir);
            Path tmp = Files.createTempFile(dir, "." + file, ".tmp");
            if (secret) {
                try {
                    Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
                } catch (UnsupportedOperationException ignored) {
                    // not a POSIX file system
                }
            }
            Files.writeString(tmp, content);
            try {
                Files.move(tmp, dir.resolve(file), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            } catch (AtomicMoveNotSupportedException e) {
                Files.move(tmp, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
            }
        } catch (IOException e) {
            throw new CertException(where(file) + ": cannot write (" + e.getMessage() + ")");
        }
    }

    private void delete(String file) {
        try {
            Files.deleteIfExists(dir.resolve(file));
        } catch (IOException e) {
            throw new CertException(where(file) + ": cannot delete (" + e.getMessage() + ")");
        }
    }
}
