package dev.jovl.kvstore.support;

import dev.jovl.kvstore.StoreException;
import java.io.IOException;
import java.io.InputStream;
import java.io.Reader;
import java.net.InetAddress;
import java.net.Socket;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateException;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.stream.Stream;
import javax.net.ssl.KeyManager;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLException;
import javax.net.ssl.SSLHandshakeException;
import javax.net.ssl.TrustManager;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.openssl.PEMEncryptedKeyPair;
import org.bouncycastle.openssl.PEMKeyPair;
import org.bouncycastle.openssl.PEMParser;
import org.bouncycastle.openssl.jcajce.JcaPEMKeyConverter;
import org.bouncycastle.pkcs.PKCS8EncryptedPrivateKeyInfo;

/**
 * TLS client contexts from PEM files, as etcd's and Consul's own clients take them: CA
 * certificates (a file, or a directory of them as {@code CONSUL_CAPATH}), a client certificate and
 * its private key in any of the PEM forms {@code openssl}, {@code etcd} and {@code consul tls cert
 * create} write (PKCS#8, PKCS#1 RSA, SEC1 EC: read with bouncycastle, since the JDK reads only
 * PKCS#8), an override of the name the server's certificate must carry, and (Consul's
 * {@code CONSUL_HTTP_SSL_VERIFY=false}) no verification at all.
 *
 * <p>Every file problem is an {@link StoreException.InvalidArgument} naming the file, raised when
 * the store is opened, before anything is sent.
 */
public final class Tls {
    private static final char[] IN_MEMORY = "jovl".toCharArray();

    private Tls() {}

    /**
     * @param caFile PEM CA certificate(s), or null
     * @param caDir a directory of PEM CA certificates, or null (both null: the JDK's trust store)
     * @param cert PEM client certificate chain, or null
     * @param key its PEM private key (with {@code cert})
     * @param serverName the name to verify the server's certificate against instead of the URL's host, or null
     * @param verify false: accept any server certificate (only for Consul's {@code CONSUL_HTTP_SSL_VERIFY=false})
     */
    public static SSLContext context(Path caFile, Path caDir, Path cert, Path key, String serverName, boolean verify) {
        try {
            KeyManager[] keys = null;
            if (cert != null) {
                KeyStore ks = KeyStore.getInstance("PKCS12");
                ks.load(null, null);
                List<X509Certificate> chain = certificates(cert, "client certificate");
                ks.setKeyEntry("client", privateKey(key), IN_MEMORY, chain.toArray(new X509Certificate[0]));
                KeyManagerFactory kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
                kmf.init(ks, IN_MEMORY);
                keys = kmf.getKeyManagers();
            }
            TrustManager[] trust;
            if (!verify) {
                trust = new TrustManager[] {new AnyServer()};
            } else {
                X509TrustManager chains = trustManager(caFile, caDir);
                trust = new TrustManager[] {serverName == null ? chains : new NamedServer(chains, serverName)};
            }
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(keys, trust, null);
            return ssl;
        } catch (GeneralSecurityException | IOException e) {
            throw new StoreException.InvalidArgument("cannot set up TLS: " + e.getMessage());
        }
    }

    private static X509TrustManager trustManager(Path caFile, Path caDir) throws GeneralSecurityException, IOException {
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        if (caFile == null && caDir == null) {
            tmf.init((KeyStore) null);
        } else {
            KeyStore ks = KeyStore.getInstance("PKCS12");
            ks.load(null, null);
            List<X509Certificate> cas = new ArrayList<>();
            if (caFile != null) {
                cas.addAll(certificates(caFile, "CA certificate"));
            }
            if (caDir != null) {
                try (Stream<Path> files = Files.list(caDir)) {
                    for (Path f : files.filter(Files::isRegularFile).sorted().toList()) {
                        cas.addAll(certificates(f, "CA certificate"));
                    }
                } catch (IOException e) {
                    throw new StoreException.InvalidArgument("cannot read the CA directory " + caDir + ": " + e);
                }
                if (cas.isEmpty()) {
                    throw new StoreException.InvalidArgument("the CA directory " + caDir + " holds no certificate");
                }
            }
            for (int i = 0; i < cas.size(); i++) {
                ks.setCertificateEntry("ca-" + i, cas.get(i));
            }
            tmf.init(ks);
        }
        for (TrustManager tm : tmf.getTrustManagers()) {
            if (tm instanceof X509TrustManager x) {
                return x;
            }
        }
        throw new GeneralSecurityException("no X.509 trust manager");
    }

    /** The certificates of a PEM file, in order; none is an error naming the file. */
    static List<X509Certificate> certificates(Path pem, String what) {
        try (InputStream in = Files.newInputStream(pem)) {
            List<X509Certificate> certs = new ArrayList<>();
            for (var c : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                certs.add((X509Certificate) c);
            }
            if (certs.isEmpty()) {
                throw new StoreException.InvalidArgument("the " + what + " file " + pem + " holds no certificate");
            }
            return certs;
        } catch (IOException | CertificateException e) {
            throw new StoreException.InvalidArgument(
                    "cannot read the " + what + " file " + pem + ": " + e.getMessage());
        }
    }

    /** A PEM private key: PKCS#8 ("PRIVATE KEY"), PKCS#1 ("RSA PRIVATE KEY") or SEC1 ("EC PRIVATE KEY"). */
    static PrivateKey privateKey(Path pem) {
        try (Reader reader = Files.newBufferedReader(pem);
                PEMParser parser = new PEMParser(reader)) {
            JcaPEMKeyConverter converter = new JcaPEMKeyConverter();
            Object o;
            while ((o = parser.readObject()) != null) {
                if (o instanceof PEMKeyPair pair) {
                    return converter.getPrivateKey(pair.getPrivateKeyInfo());
                }
                if (o instanceof PrivateKeyInfo info) {
                    return converter.getPrivateKey(info);
                }
                if (o instanceof PEMEncryptedKeyPair || o instanceof PKCS8EncryptedPrivateKeyInfo) {
                    throw new StoreException.InvalidArgument(
                            "the client key " + pem + " is encrypted; give an unencrypted key (readable by root only)");
                }
                // other blocks ("EC PARAMETERS" before a SEC1 key, certificates): skip
            }
            throw new StoreException.InvalidArgument("the client key file " + pem + " holds no private key");
        } catch (IOException e) {
            throw new StoreException.InvalidArgument("cannot read the client key file " + pem + ": " + e.getMessage());
        }
    }

    /**
     * Why a TLS connection failed, for a message that names the setting to check: the cause
     * chain's first SSL exception, or null if it is no TLS failure.
     */
    public static String explain(Throwable failure) {
        for (Throwable t = failure; t != null; t = t.getCause()) {
            if (t instanceof SSLException ssl) {
                String m = String.valueOf(ssl.getMessage());
                String lower = m.toLowerCase(Locale.ROOT);
                String hint;
                if (lower.contains("pkix")
                        || lower.contains("certification path")
                        || lower.contains("unable to find valid")) {
                    hint = "the server's certificate is not signed by the configured CA (--store-cacert)";
                } else if (lower.contains("no subject alternative")
                        || lower.contains("does not match")
                        || lower.contains("no name matching")) {
                    hint = "the server's certificate does not carry the host's name (--store-tls-server-name)";
                } else if (lower.contains("certificate_required")
                        || lower.contains("bad_certificate")
                        || lower.contains("unknown_ca")
                        || lower.contains("certificate_unknown")) {
                    hint = "the server refused our client certificate or its absence (--store-cert, --store-key)";
                } else if (lower.contains("unrecognized ssl message") || lower.contains("plaintext")) {
                    hint = "the server does not speak TLS there (use etcd:// / consul:// without +https or a CA)";
                } else {
                    hint = ssl instanceof SSLHandshakeException ? "the TLS handshake failed" : "TLS failed";
                }
                return "TLS certificate problem: " + hint + " (" + m + ")";
            }
        }
        return null;
    }

    /** Verifies the chain with {@code delegate}, then the server's name against {@code name} (SANs only). */
    private static final class NamedServer extends X509ExtendedTrustManager {
        private final X509TrustManager delegate;
        private final String name;

        NamedServer(X509TrustManager delegate, String name) {
            this.delegate = delegate;
            this.name = name;
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkServerTrusted(chain, authType);
            checkName(chain[0]);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            checkServerTrusted(chain, authType);
        }

        private void checkName(X509Certificate cert) throws CertificateException {
            var sans = cert.getSubjectAlternativeNames();
            InetAddress ip = literal(name);
            if (sans != null) {
                for (List<?> san : sans) {
                    int type = (Integer) san.get(0);
                    String value = String.valueOf(san.get(1));
                    if (type == 2 && ip == null && dnsMatches(value, name)) {
                        return;
                    }
                    if (type == 7 && ip != null && ip.equals(literal(value))) {
                        return;
                    }
                }
            }
            throw new CertificateException("no subject alternative name of the server's certificate matches " + name
                    + " (the TLS server name)");
        }

        private static boolean dnsMatches(String pattern, String host) {
            String p = pattern.toLowerCase(Locale.ROOT);
            String h = host.toLowerCase(Locale.ROOT);
            if (p.startsWith("*.")) {
                int dot = h.indexOf('.');
                return dot > 0 && h.substring(dot).equals(p.substring(1));
            }
            return p.equals(h);
        }

        private static InetAddress literal(String s) {
            if (!s.matches("[0-9.]+|.*:.*")) {
                return null;
            }
            try {
                return InetAddress.getByName(s); // a literal: no lookup
            } catch (UnknownHostException e) {
                return null;
            }
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            delegate.checkClientTrusted(chain, authType);
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return delegate.getAcceptedIssuers();
        }
    }

    /** {@code CONSUL_HTTP_SSL_VERIFY=false}: any certificate, any name (Consul's InsecureSkipVerify). */
    private static final class AnyServer extends X509ExtendedTrustManager {
        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}

        @Override
        public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType) throws CertificateException {
            throw new CertificateException("a client trusts no clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket)
                throws CertificateException {
            throw new CertificateException("a client trusts no clients");
        }

        @Override
        public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine)
                throws CertificateException {
            throw new CertificateException("a client trusts no clients");
        }

        @Override
        public X509Certificate[] getAcceptedIssuers() {
            return new X509Certificate[0];
        }
    }
}
