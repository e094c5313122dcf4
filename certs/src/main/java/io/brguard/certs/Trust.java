package io.brguard.certs;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.Optional;

/** A TLS client context that trusts exactly a caBundle, as the API server does when it calls the webhook. */
public final class Trust {

    private Trust() {
    }

    /**
     * The certificate of {@code bundle} that issued {@code leaf} (its subject is the leaf's issuer and its key
     * verifies the leaf's signature), the one that expires last when several do (a CA rotation publishes old and
     * new); empty when none does, and a client that trusts only the bundle would refuse the leaf.
     */
    public static Optional<X509Certificate> issuer(List<X509Certificate> bundle, X509Certificate leaf) {
        X509Certificate best = null;
        for (X509Certificate ca : bundle) {
            if (!ca.getSubjectX500Principal().equals(leaf.getIssuerX500Principal())) {
                continue;
            }
            try {
                leaf.verify(ca.getPublicKey());
            } catch (GeneralSecurityException e) {
                continue;
            }
            if (best == null || ca.getNotAfter().after(best.getNotAfter())) {
                best = ca;
            }
        }
        return Optional.ofNullable(best);
    }

    public static SSLContext sslContext(List<X509Certificate> bundle) {
        try {
            KeyStore ts = KeyStore.getInstance("PKCS12");
            ts.load(null, null);
            for (int i = 0; i < bundle.size(); i++) {
                ts.setCertificateEntry("ca" + i, bundle.get(i));
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(ts);
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, tmf.getTrustManagers(), null);
            return ctx;
        } catch (GeneralSecurityException | IOException e) {
            throw new CertException("cannot build a trust store from the caBundle: " + e.getMessage());
        }
    }
}
