package io.brguard.certs;

import java.security.GeneralSecurityException;
import java.security.PrivateKey;
import java.security.Signature;
import java.security.cert.CertPathValidator;
import java.security.cert.CertificateFactory;
import java.security.cert.PKIXParameters;
import java.security.cert.TrustAnchor;
import java.security.cert.X509Certificate;
import java.security.interfaces.ECKey;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * The webhook's TLS material as stored: the CA with its key, the previous CA while a CA rotation overlaps (kept
 * in the caBundle so replicas still serving the old leaf keep working), and the serving certificate and key.
 */
public record CertState(Issuer.Issued ca, X509Certificate previousCa, Issuer.Issued leaf) {

    /** The caBundle the API server must trust: the current CA, then the previous one during an overlap. */
    public List<X509Certificate> bundle() {
        List<X509Certificate> out = new ArrayList<>();
        out.add(ca.certificate());
        if (previousCa != null) {
            out.add(previousCa);
        }
        return out;
    }

    /** Refuses a CA that cannot issue: wrong key type, key not matching, not a CA, expired. Names the source. */
    public static void checkCa(String source, Issuer.Issued ca, Instant now) {
        X509Certificate c = ca.certificate();
        if (c.getBasicConstraints() < 0) {
            throw new CertException(source + ": the certificate is not a CA (no basicConstraints CA:true)");
        }
        checkKey(source, ca);
        if (now.isAfter(c.getNotAfter().toInstant())) {
            throw new CertException(source + ": the CA expired on " + c.getNotAfter().toInstant()
                    + "; nothing was changed. Start over with `brguard certs rotate --force-new-ca`");
        }
    }

    /** The key is EC P-256 and belongs to the certificate. */
    public static void checkKey(String source, Issuer.Issued pair) {
        PrivateKey key = pair.key();
        if (!(key instanceof ECKey ec) || ec.getParams().getCurve().getField().getFieldSize() != 256) {
            throw new CertException(source + ": the key is " + key.getAlgorithm()
                    + (key instanceof ECKey e ? " " + e.getParams().getCurve().getField().getFieldSize() + "-bit" : "")
                    + ", brguard uses ECDSA P-256 keys");
        }
        if (!matches(pair)) {
            throw new CertException(source + ": the private key does not belong to the certificate "
                    + pair.certificate().getSubjectX500Principal().getName());
        }
    }

    static boolean matches(Issuer.Issued pair) {
        try {
            byte[] probe = "brguard-key-check".getBytes(java.nio.charset.StandardCharsets.UTF_8);
            Signature s = Signature.getInstance("SHA256withECDSA");
            s.initSign(pair.key());
            s.update(probe);
            byte[] sig = s.sign();
            s.initVerify(pair.certificate().getPublicKey());
            s.update(probe);
            return s.verify(sig);
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Whether {@code leaf} chains to one of {@code cas} at {@code now}, checked by the JDK's PKIX validator. */
    public static boolean chainsTo(X509Certificate leaf, List<X509Certificate> cas, Instant now) {
        try {
            Set<TrustAnchor> anchors = new HashSet<>();
            cas.forEach(c -> anchors.add(new TrustAnchor(c, null)));
            PKIXParameters params = new PKIXParameters(anchors);
            params.setRevocationEnabled(false);
            params.setDate(Date.from(now));
            CertPathValidator.getInstance("PKIX").validate(
                    CertificateFactory.getInstance("X.509").generateCertPath(List.of(leaf)), params);
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }

    /** Whether {@code cert} was signed by {@code ca}'s key. */
    public static boolean signedBy(X509Certificate cert, X509Certificate ca) {
        try {
            cert.verify(ca.getPublicKey());
            return true;
        } catch (GeneralSecurityException e) {
            return false;
        }
    }
}
