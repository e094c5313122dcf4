package io.brguard.certs;

import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.X509Certificate;
import java.util.List;

/** A TLS client context that trusts exactly a caBundle, as the API server does when it calls the webhook. */
public final class Trust {

    private Trust() {
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
