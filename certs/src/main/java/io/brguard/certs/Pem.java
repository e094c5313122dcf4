package io.brguard.certs;

import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;

import java.io.IOException;
import java.io.StringReader;
import java.io.StringWriter;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;

/** PEM encoding of certificates and keys. Every error names the source it came from. */
public final class Pem {

    private Pem() {
    }

    /** All certificates in a PEM text (a bundle may hold several). */
    public static List<X509Certificate> certificates(String source, String pem) {
        List<X509Certificate> out = new ArrayList<>();
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o;
            while ((o = parser.readObject()) != null) {
                if (!(o instanceof X509CertificateHolder holder)) {
                    throw new CertException(source + ": expected certificates, found " + describe(o));
                }
                out.add(new JcaX509CertificateConverter().getCertificate(holder));
            }
        } catch (IOException | CertificateException | RuntimeException e) {
            if (e instanceof CertException ce) {
                throw ce;
            }
            throw new CertException(source + ": not a readable PEM certificate (" + e.getMessage() + ")");
        }
        if (out.isEmpty()) {
            throw new CertException(source + ": no certificate in it");
        }
        return out;
    }

    /** The one private key in a PEM text (PKCS#8 or traditional EC). */
    public static PrivateKey privateKey(String source, String pem) {
        try (PEMParser parser = new PEMParser(new StringReader(pem))) {
            Object o = parser.readObject();
            JcaPEMKeyConverter conv = new JcaPEMKeyConverter();
            if (o instanceof PEMKeyPair pair) {
                return conv.getPrivateKey(pair.getPrivateKeyInfo());
            }
            if (o instanceof PrivateKeyInfo info) {
                return conv.getPrivateKey(info);
            }
            throw new CertException(source + ": expected a private key, found " + describe(o));
        } catch (IOException | RuntimeException e) {
            if (e instanceof CertException ce) {
                throw ce;
            }
            throw new CertException(source + ": not a readable PEM private key (" + e.getMessage() + ")");
        }
    }

    /** PEM of certificates and private keys; keys are written as PKCS#8 ("PRIVATE KEY"), curve included. */
    public static String encode(Object... objects) {
        StringWriter sw = new StringWriter();
        try (JcaPEMWriter w = new JcaPEMWriter(sw)) {
            for (Object o : objects) {
                if (o instanceof PrivateKey k) {
                    w.writeObject(new JcaPKCS8Generator(k, null));
                } else {
                    w.writeObject(o);
                }
            }
        } catch (IOException e) {
            throw new CertException("cannot encode PEM: " + e.getMessage());
        }
        return sw.toString();
    }

    public static String encode(List<X509Certificate> certs) {
        return encode(certs.toArray());
    }

    private static String describe(Object o) {
        return o == null ? "nothing" : o.getClass().getSimpleName().replace("Holder", "");
    }
}
