package io.brguard.webhook;

import io.brguard.certs.CertException;
import io.brguard.certs.CertFiles;
import io.brguard.certs.CertState;
import io.brguard.certs.Issuer;
import io.brguard.certs.TlsSuites;
import org.eclipse.jetty.util.ssl.SslContextFactory;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.MessageDigest;
import java.security.cert.X509Certificate;
import java.time.Clock;
import java.util.Arrays;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Serves tls.crt/tls.key from a folder (a mounted kubernetes.io/tls Secret) and swaps them into the running
 * Jetty without a restart when they change. A changed pair that does not load (half-written, key not matching,
 * expired) is refused with a log line and the current certificate keeps serving.
 */
public final class TlsReloader implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(TlsReloader.class);
    private static final char[] PASSWORD = "brguard".toCharArray();

    private final Path dir;
    private final Clock clock;
    private final SslContextFactory.Server factory = new SslContextFactory.Server();
    private final ScheduledExecutorService poller = Executors.newSingleThreadScheduledExecutor(r -> {
        Thread t = new Thread(r, "brguard-tls-reloader");
        t.setDaemon(true);
        return t;
    });
    private volatile byte[] fingerprint = new byte[0];
    private volatile X509Certificate serving;

    public TlsReloader(Path dir, Clock clock) {
        this.dir = dir;
        this.clock = clock;
        factory.setIncludeProtocols("TLSv1.3", "TLSv1.2");
        // Our order, the cheaper AEAD suite for this JVM first (AES-GCM under C2, ChaCha20 under C1: TlsSuites).
        factory.setIncludeCipherSuites(TlsSuites.preferred().toArray(String[]::new));
        factory.setUseCipherSuitesOrder(true);
        // The API server names the Service; tests and probes may use an IP. The certificate check is the client's.
        factory.setSniRequired(false);
        Issuer.Issued pair = load();
        factory.setKeyStore(keyStore(pair));
        factory.setKeyStorePassword(new String(PASSWORD));
        serving = pair.certificate();
    }

    public SslContextFactory.Server factory() {
        return factory;
    }

    public X509Certificate serving() {
        return serving;
    }

    public double expiryEpochSeconds() {
        return serving.getNotAfter().toInstant().getEpochSecond();
    }

    /**
     * notAfter of the CA that issued the serving certificate, from the Secret's {@code ca.crt} (brguard's certs
     * write the bundle there, cert-manager the issuing CA); NaN when there is no ca.crt or it does not hold the
     * issuer. When the CA expires the API server refuses the serving certificate however young it is.
     */
    public double caExpiryEpochSeconds() {
        X509Certificate leaf = serving;
        Path ca = dir.resolve(CertFiles.CA_CRT);
        try {
            if (leaf == null || !Files.exists(ca)) {
                return Double.NaN;
            }
            return io.brguard.certs.Trust.issuer(io.brguard.certs.Pem.certificates(ca.toString(), Files.readString(ca)), leaf)
                    .map(c -> (double) c.getNotAfter().toInstant().getEpochSecond()).orElse(Double.NaN);
        } catch (IOException | RuntimeException e) {
            return Double.NaN;
        }
    }

    /** Polls the folder; kubelet updates a mounted Secret by swapping a symlink, so content is compared, not mtime. */
    public void watch(long periodMillis) {
        poller.scheduleWithFixedDelay(this::reloadIfChanged, periodMillis, periodMillis, TimeUnit.MILLISECONDS);
    }

    /** Loads the files if their content changed; returns whether a new certificate now serves. */
    public synchronized boolean reloadIfChanged() {
        byte[] now;
        try {
            now = digest();
        } catch (IOException e) {
            LOG.warn("cannot read {}: {}; still serving the current certificate", dir, e.getMessage());
            return false;
        }
        if (Arrays.equals(now, fingerprint)) {
            return false;
        }
        try {
            Issuer.Issued pair = load();
            factory.reload(f -> f.setKeyStore(keyStore(pair)));
            serving = pair.certificate();
            LOG.info("serving certificate reloaded: serial {}, expires {}", pair.certificate().getSerialNumber().toString(16),
                    pair.certificate().getNotAfter().toInstant());
            return true;
        } catch (CertException e) {
            LOG.error("refused the new certificate, still serving the current one: {}", e.getMessage());
            return false;
        } catch (Exception e) {
            LOG.error("reloading the certificate failed, still serving the current one: {}", e.toString());
            return false;
        } finally {
            fingerprint = now;
        }
    }

    private Issuer.Issued load() {
        CertFiles files = new CertFiles(dir);
        Issuer.Issued pair = files.pair(CertFiles.TLS_CRT, CertFiles.TLS_KEY);
        CertState.checkKey(dir.resolve(CertFiles.TLS_KEY).toString(), pair);
        if (clock.instant().isAfter(pair.certificate().getNotAfter().toInstant())) {
            throw new CertException(dir.resolve(CertFiles.TLS_CRT) + ": expired on " + pair.certificate().getNotAfter().toInstant());
        }
        try {
            fingerprint = digest();
        } catch (IOException e) {
            throw new CertException(dir + ": cannot read (" + e.getMessage() + ")");
        }
        return pair;
    }

    private byte[] digest() throws IOException {
        try {
            MessageDigest md = MessageDigest.getInstance("SHA-256");
            md.update(Files.readAllBytes(dir.resolve(CertFiles.TLS_CRT)));
            md.update(Files.readAllBytes(dir.resolve(CertFiles.TLS_KEY)));
            return md.digest();
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException(e);
        }
    }

    private static KeyStore keyStore(Issuer.Issued pair) {
        try {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            ks.setKeyEntry("serving", pair.key(), PASSWORD, new X509Certificate[] {pair.certificate()});
            return ks;
        } catch (GeneralSecurityException | IOException e) {
            throw new CertException("cannot build the key store: " + e.getMessage());
        }
    }

    @Override
    public void close() {
        poller.shutdownNow();
    }
}
