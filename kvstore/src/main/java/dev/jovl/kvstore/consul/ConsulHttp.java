package dev.jovl.kvstore.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreUrl;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.time.Duration;
import java.util.Map;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Consul's HTTP API as Consul's own tools reach it: {@code CONSUL_HTTP_TOKEN} sent as
 * {@code X-Consul-Token}, TLS verified against {@code CONSUL_CACERT} when given (else the JDK's
 * trust store). Every call has a deadline.
 */
final class ConsulHttp implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final Duration timeout;
    private final HttpClient http;

    /** One answer: status, body and the {@code X-Consul-Index} header (0 when absent). */
    record Answer(int status, byte[] body, long index) {
        JsonNode json() {
            try {
                return body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
            } catch (IOException e) {
                throw new StoreException.Unavailable("Consul answered with something that is not JSON", e);
            }
        }

        String text() {
            return new String(body, java.nio.charset.StandardCharsets.UTF_8).trim();
        }
    }

    ConsulHttp(StoreUrl url, Map<String, String> env) {
        StoreUrl.HostPort agent = url.endpoints().getFirst();
        this.base = URI.create((url.https() ? "https://" : "http://") + agent + "/");
        this.token = env.getOrDefault("CONSUL_HTTP_TOKEN", "");
        this.timeout = url.timeout();
        HttpClient.Builder builder = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout);
        String caCert = env.getOrDefault("CONSUL_CACERT", "");
        if (url.https() && !caCert.isBlank()) {
            builder.sslContext(trusting(Path.of(caCert)));
        }
        this.http = builder.build();
    }

    private static SSLContext trusting(Path pem) {
        try (InputStream in = Files.newInputStream(pem)) {
            KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
            trust.load(null, null);
            int n = 0;
            for (Certificate cert : CertificateFactory.getInstance("X.509").generateCertificates(in)) {
                trust.setCertificateEntry("consul-ca-" + n++, cert);
            }
            if (n == 0) {
                throw new StoreException.InvalidArgument("CONSUL_CACERT=" + pem + " holds no certificate");
            }
            TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
            tmf.init(trust);
            SSLContext ssl = SSLContext.getInstance("TLS");
            ssl.init(null, tmf.getTrustManagers(), null);
            return ssl;
        } catch (IOException | GeneralSecurityException e) {
            throw new StoreException.InvalidArgument("cannot use CONSUL_CACERT=" + pem + ": " + e.getMessage());
        }
    }

    URI base() {
        return base;
    }

    Duration timeout() {
        return timeout;
    }

    Answer get(String pathAndQuery) {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET(), timeout);
    }

    /** A blocking query: may take up to {@code wait} plus Consul's jitter before answering. */
    Answer getBlocking(String pathAndQuery, Duration wait) {
        return send(HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET(),
                wait.plus(wait.dividedBy(16)).plus(timeout));
    }

    Answer put(String path, byte[] body) {
        return send(HttpRequest.newBuilder(base.resolve(path)).PUT(HttpRequest.BodyPublishers.ofByteArray(body)),
                timeout);
    }

    Answer put(String path, JsonNode body) {
        try {
            return put(path, JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private Answer send(HttpRequest.Builder request, Duration deadline) {
        request.timeout(deadline).header("Content-Type", "application/json");
        if (!token.isBlank()) {
            request.header("X-Consul-Token", token);
        }
        HttpRequest built = request.build();
        try {
            HttpResponse<byte[]> r = http.send(built, HttpResponse.BodyHandlers.ofByteArray());
            long index = r.headers().firstValueAsLong("X-Consul-Index").orElse(0);
            Answer answer = new Answer(r.statusCode(), r.body(), index);
            if (r.statusCode() == 403) {
                throw new StoreException.Unavailable("Consul " + base + " denied " + built.uri().getPath()
                        + " (check CONSUL_HTTP_TOKEN): " + answer.text(), null);
            }
            if (r.statusCode() == 413) {
                throw new StoreException.InvalidArgument("Consul refused " + built.uri().getPath()
                        + " as too large: " + answer.text());
            }
            if (r.statusCode() >= 500) {
                throw new StoreException.Unavailable("Consul " + base + " failed " + built.uri().getPath()
                        + ": HTTP " + r.statusCode() + " " + answer.text(), null);
            }
            return answer;
        } catch (HttpConnectTimeoutException e) {
            throw new StoreException.Unavailable("cannot connect to Consul " + base + " within " + timeout, e);
        } catch (HttpTimeoutException e) {
            throw new StoreException.Unavailable("Consul " + base + " gave no answer within " + deadline, e);
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot reach Consul " + base + ": " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException.Unavailable("interrupted while calling Consul " + base, e);
        }
    }

    /** Consul's path for a key: each character outside the URL-safe set percent-encoded, '/' kept. */
    static String kvPath(String key) {
        StringBuilder path = new StringBuilder("v1/kv/");
        for (char c : key.toCharArray()) {
            if (Character.isLetterOrDigit(c) || "/-._~".indexOf(c) >= 0) {
                path.append(c);
            } else {
                path.append('%').append(String.format("%02X", (int) c));
            }
        }
        return path.toString();
    }

    @Override
    public void close() {
        http.close();
    }
}
