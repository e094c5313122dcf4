package io.brguard.certs;

import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509TrustManager;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.security.GeneralSecurityException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/**
 * Asks each webhook replica which certificate it serves, by opening a TLS connection to it. Nothing is trusted or
 * sent: the handshake is only used to read the replica's leaf, which rotation compares with the current CA.
 */
public final class ServingProbe {

    private ServingProbe() {
    }

    /** The leaf each address serves; a replica that cannot be reached makes the whole answer unknown (null). */
    public static List<X509Certificate> leaves(List<InetSocketAddress> replicas, String serverName, int timeoutMs) {
        List<X509Certificate> out = new ArrayList<>();
        for (InetSocketAddress a : replicas) {
            X509Certificate leaf = leaf(a, serverName, timeoutMs);
            if (leaf == null) {
                return null;
            }
            out.add(leaf);
        }
        return out;
    }

    static X509Certificate leaf(InetSocketAddress address, String serverName, int timeoutMs) {
        try {
            SSLContext ctx = SSLContext.getInstance("TLS");
            ctx.init(null, new TrustManager[] {new ReadOnly()}, null);
            try (SSLSocket s = (SSLSocket) ctx.getSocketFactory().createSocket()) {
                s.connect(address, timeoutMs);
                s.setSoTimeout(timeoutMs);
                if (serverName != null) {
                    SSLParameters p = s.getSSLParameters();
                    p.setServerNames(List.of(new SNIHostName(serverName)));
                    s.setSSLParameters(p);
                }
                s.startHandshake();
                return (X509Certificate) s.getSession().getPeerCertificates()[0];
            }
        } catch (IOException | GeneralSecurityException e) {
            return null;
        }
    }

    /** Accepts any chain: the probe reads the certificate, it does not trust it or send anything over it. */
    private static final class ReadOnly implements X509TrustManager {
        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
