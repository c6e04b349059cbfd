package dev.jovl.kvstore;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * How to reach a secured etcd or Consul, the same for every backend (the daemon's
 * {@code --store-cacert}, {@code --store-cert}, {@code --store-key}, {@code --store-user},
 * {@code --store-password-file}, {@code --store-tls-server-name}). Every field may be null.
 *
 * <p>TLS is on when {@link #caCert} is given or the URL says {@code +https}. The password is read
 * from its file when the store is opened and is never part of {@link #toString()}, logs or
 * {@link Store#describe()}.
 *
 * @param caCert PEM file of the CA(s) the server's certificate must chain to (else the JDK's trust store)
 * @param clientCert PEM client certificate (chain) for mutual TLS; needs {@code clientKey}
 * @param clientKey its PEM private key: PKCS#8, PKCS#1 (RSA) or SEC1 (EC, as {@code consul tls cert create} writes)
 * @param user the user to authenticate as (etcd: {@code /v3/auth/authenticate}); needs {@code passwordFile}
 * @param passwordFile a file holding the user's password (a trailing newline is ignored); for
 *     Consul, a file holding the ACL token (as {@code CONSUL_HTTP_TOKEN_FILE})
 * @param tlsServerName the name the server's certificate must carry, when it is not the URL's host
 */
public record StoreSecurity(
        Path caCert, Path clientCert, Path clientKey, String user, Path passwordFile, String tlsServerName) {

    public static final StoreSecurity NONE = new StoreSecurity(null, null, null, null, null, null);

    public StoreSecurity {
        user = blankToNull(user);
        tlsServerName = blankToNull(tlsServerName);
        if ((clientCert == null) != (clientKey == null)) {
            throw new StoreException.InvalidArgument("a client certificate needs its key and a key its certificate"
                    + " (--store-cert and --store-key go together)");
        }
        if (user != null && passwordFile == null) {
            throw new StoreException.InvalidArgument("--store-user " + user + " needs --store-password-file");
        }
    }

    /** Reads the secret of {@link #passwordFile} (null when there is none). */
    public String readSecret() {
        if (passwordFile == null) {
            return null;
        }
        try {
            String secret = Files.readString(passwordFile, StandardCharsets.UTF_8);
            secret = secret.endsWith("\r\n")
                    ? secret.substring(0, secret.length() - 2)
                    : secret.endsWith("\n") ? secret.substring(0, secret.length() - 1) : secret;
            if (secret.isEmpty()) {
                throw new StoreException.InvalidArgument("the password file " + passwordFile + " is empty");
            }
            return secret;
        } catch (IOException e) {
            throw new StoreException.InvalidArgument("cannot read the password file " + passwordFile + ": " + e);
        }
    }

    /** Says what is configured, never the secret: for logs and {@link Store#describe()}. */
    @Override
    public String toString() {
        StringBuilder b = new StringBuilder();
        if (caCert != null) {
            b.append("CA ").append(caCert);
        }
        if (clientCert != null) {
            b.append(b.isEmpty() ? "" : ", ").append("client certificate ").append(clientCert);
        }
        if (tlsServerName != null) {
            b.append(b.isEmpty() ? "" : ", ").append("server name ").append(tlsServerName);
        }
        if (user != null) {
            b.append(b.isEmpty() ? "" : ", ").append("user ").append(user);
        }
        return b.toString();
    }

    private static String blankToNull(String s) {
        return s == null || s.isBlank() ? null : s.trim();
    }
}
