package dev.jovl.kvstore.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.StoreUrl;
import dev.jovl.kvstore.support.Tls;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;

/**
 * Consul's HTTP API as Consul's own Go client ({@code hashicorp/consul/api}, {@code api.go}
 * {@code defaultConfig} and {@code NewClient}) reaches it, with the same environment variables:
 * <ul>
 *   <li>{@code CONSUL_HTTP_ADDR}: {@code host:port}, {@code http://}, {@code https://} or
 *       {@code unix:///path} (parsed by {@link StoreUrl}); {@code CONSUL_HTTP_SSL=true};</li>
 *   <li>{@code CONSUL_HTTP_TOKEN_FILE} (wins over {@code CONSUL_HTTP_TOKEN}, as in {@code NewClient}),
 *       sent as {@code X-Consul-Token}; {@code CONSUL_HTTP_AUTH=user:password} as HTTP basic auth;</li>
 *   <li>{@code CONSUL_CACERT}, {@code CONSUL_CAPATH}, {@code CONSUL_CLIENT_CERT}/{@code _KEY},
 *       {@code CONSUL_TLS_SERVER_NAME}, {@code CONSUL_HTTP_SSL_VERIFY=false};</li>
 *   <li>{@code CONSUL_NAMESPACE}, {@code CONSUL_PARTITION} and the URL's {@code ?dc=} as the
 *       {@code ns}, {@code partition} and {@code dc} query parameters of every request (as
 *       {@code newRequest} sets them).</li>
 * </ul>
 * jovl's own settings ({@link StoreSecurity}: {@code --store-cacert} ...) win over the variables:
 * the CA, client certificate and key, TLS server name; {@code --store-password-file} is the
 * token file, or with {@code --store-user} the basic-auth password. Every call has a deadline;
 * the token and password are never logged.
 */
final class ConsulHttp implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();

    private final URI base;
    private final String token;
    private final String basicAuth;
    private final Duration timeout;
    private final HttpClient http;
    /** The agent's Unix socket ({@code CONSUL_HTTP_ADDR=unix:///path}), or null over TCP. */
    private final Path unix;
    /** ns, partition, dc: appended to every request. */
    private final String commonQuery;

    private final String namespace;
    private final String partition;

    /** One answer: status, body, {@code X-Consul-Index} (0 when absent) and whether ACLs filtered it. */
    record Answer(int status, byte[] body, long index, boolean filteredByAcls) {
        JsonNode json() {
            try {
                return body.length == 0 ? JSON.nullNode() : JSON.readTree(body);
            } catch (IOException e) {
                throw new StoreException.Unavailable("Consul answered with something that is not JSON", e);
            }
        }

        String text() {
            return new String(body, StandardCharsets.UTF_8).trim();
        }
    }

    ConsulHttp(StoreUrl url, StoreSecurity security, Map<String, String> env) {
        Path caFile = security.caCert() != null ? security.caCert() : path(env, "CONSUL_CACERT");
        Path caDir = security.caCert() != null ? null : path(env, "CONSUL_CAPATH");
        Path cert = security.clientCert() != null ? security.clientCert() : path(env, "CONSUL_CLIENT_CERT");
        Path key = security.clientKey() != null ? security.clientKey() : path(env, "CONSUL_CLIENT_KEY");
        if ((cert == null) != (key == null)) {
            // api.SetupTLSConfig: "both client cert and client key must be provided"
            throw new StoreException.InvalidArgument("Consul: both a client certificate and its key must be given"
                    + " (CONSUL_CLIENT_CERT and CONSUL_CLIENT_KEY, or --store-cert and --store-key)");
        }
        String serverName = security.tlsServerName() != null
                ? security.tlsServerName()
                : env.getOrDefault("CONSUL_TLS_SERVER_NAME", "").trim();
        boolean verify = !isFalse(env.getOrDefault("CONSUL_HTTP_SSL_VERIFY", ""));
        boolean https = url.https() || security.caCert() != null;
        if (!https && (security.clientCert() != null || security.tlsServerName() != null)) {
            throw new StoreException.InvalidArgument("a client certificate or TLS server name needs TLS:"
                    + " write consul+https:// or give --store-cacert");
        }
        this.timeout = url.timeout();
        if (url.unixSocket() != null) {
            this.base = URI.create("http://unix/");
            this.unix = url.unixSocket();
            this.http = null;
        } else {
            this.base = URI.create(
                    (https ? "https://" : "http://") + url.endpoints().getFirst() + "/");
            this.unix = null;
            HttpClient.Builder builder =
                    HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(timeout);
            if (https) {
                // api.SetupTLSConfig strips a port from CONSUL_TLS_SERVER_NAME
                String name = serverName.isEmpty() ? null : serverName.replaceFirst(":[0-9]+$", "");
                builder.sslContext(Tls.context(caFile, caDir, cert, key, name, verify));
            }
            this.http = builder.build();
        }
        if (security.user() != null) {
            this.basicAuth = basic(security.user(), security.readSecret());
            this.token = tokenFromEnv(env);
        } else if (security.passwordFile() != null) {
            this.basicAuth = basicFromEnv(env);
            this.token = security.readSecret().trim();
        } else {
            this.basicAuth = basicFromEnv(env);
            this.token = tokenFromEnv(env);
        }
        this.namespace = env.getOrDefault("CONSUL_NAMESPACE", "").trim();
        this.partition = env.getOrDefault("CONSUL_PARTITION", "").trim();
        Map<String, String> common = new LinkedHashMap<>();
        if (!url.datacenter().isEmpty()) {
            common.put("dc", url.datacenter());
        }
        if (!namespace.isEmpty()) {
            common.put("ns", namespace);
        }
        if (!partition.isEmpty()) {
            common.put("partition", partition);
        }
        StringBuilder q = new StringBuilder();
        common.forEach(
                (k, v) -> q.append('&').append(k).append('=').append(URLEncoder.encode(v, StandardCharsets.UTF_8)));
        this.commonQuery = q.toString();
    }

    private static Path path(Map<String, String> env, String name) {
        String v = env.getOrDefault(name, "").trim();
        return v.isEmpty() ? null : Path.of(v);
    }

    /** Go's strconv.ParseBool spellings of false. */
    private static boolean isFalse(String v) {
        return switch (v.trim().toLowerCase(Locale.ROOT)) {
            case "0", "f", "false" -> true;
            default -> false;
        };
    }

    private static String tokenFromEnv(Map<String, String> env) {
        Path file = path(env, "CONSUL_HTTP_TOKEN_FILE");
        if (file != null) {
            try {
                String t = Files.readString(file, StandardCharsets.UTF_8).trim();
                if (!t.isEmpty()) {
                    return t;
                }
            } catch (IOException e) {
                throw new StoreException.InvalidArgument("cannot read CONSUL_HTTP_TOKEN_FILE=" + file + ": " + e);
            }
        }
        return env.getOrDefault("CONSUL_HTTP_TOKEN", "").trim();
    }

    private static String basicFromEnv(Map<String, String> env) {
        String auth = env.getOrDefault("CONSUL_HTTP_AUTH", "");
        if (auth.isEmpty()) {
            return null;
        }
        int colon = auth.indexOf(':');
        return colon < 0 ? basic(auth, "") : basic(auth.substring(0, colon), auth.substring(colon + 1));
    }

    private static String basic(String user, String password) {
        return "Basic " + Base64.getEncoder().encodeToString((user + ":" + password).getBytes(StandardCharsets.UTF_8));
    }

    URI base() {
        return base;
    }

    Duration timeout() {
        return timeout;
    }

    /** Enterprise namespace (empty: none), also named in each transaction operation. */
    String namespace() {
        return namespace;
    }

    String partition() {
        return partition;
    }

    Answer get(String pathAndQuery) {
        return send("GET", pathAndQuery, null, timeout);
    }

    /** A blocking query: may take up to {@code wait} plus Consul's jitter (wait / 16) before answering. */
    Answer getBlocking(String pathAndQuery, Duration wait) {
        return send("GET", pathAndQuery, null, wait.plus(wait.dividedBy(16)).plus(timeout));
    }

    Answer put(String path, byte[] body) {
        return send("PUT", path, body, timeout);
    }

    Answer put(String path, JsonNode body) {
        try {
            return put(path, JSON.writeValueAsBytes(body));
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    private String withCommonQuery(String pathAndQuery) {
        if (commonQuery.isEmpty()) {
            return pathAndQuery;
        }
        return pathAndQuery + (pathAndQuery.contains("?") ? commonQuery : "?" + commonQuery.substring(1));
    }

    private Answer send(String method, String pathAndQuery, byte[] body, Duration deadline) {
        String target = withCommonQuery(pathAndQuery);
        String path = target.contains("?") ? target.substring(0, target.indexOf('?')) : target;
        Map<String, String> headers = new LinkedHashMap<>();
        headers.put("Content-Type", "application/json");
        if (!token.isBlank()) {
            headers.put("X-Consul-Token", token);
        }
        if (basicAuth != null) {
            headers.put("Authorization", basicAuth);
        }
        Answer answer;
        try {
            if (unix != null) {
                answer = overUnixSocket(unix, method, "/" + target, body, headers, deadline);
            } else {
                HttpRequest.Builder request = HttpRequest.newBuilder(base.resolve(target))
                        .timeout(deadline)
                        .method(
                                method,
                                body == null
                                        ? HttpRequest.BodyPublishers.noBody()
                                        : HttpRequest.BodyPublishers.ofByteArray(body));
                headers.forEach(request::header);
                HttpResponse<byte[]> r = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
                answer = new Answer(
                        r.statusCode(),
                        r.body(),
                        r.headers().firstValueAsLong("X-Consul-Index").orElse(0),
                        r.headers()
                                .firstValue("X-Consul-Results-Filtered-By-ACLs")
                                .orElse("")
                                .equals("true"));
            }
        } catch (HttpConnectTimeoutException e) {
            throw new StoreException.Unavailable("cannot connect to Consul " + base + " within " + timeout, e);
        } catch (HttpTimeoutException e) {
            throw new StoreException.Unavailable("Consul " + base + " gave no answer within " + deadline, e);
        } catch (IOException e) {
            String tlsProblem = Tls.explain(e);
            throw new StoreException.Unavailable(
                    "cannot reach Consul " + base + ": " + (tlsProblem != null ? tlsProblem : e.toString()), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new StoreException.Unavailable("interrupted while calling Consul " + base, e);
        }
        if (answer.status() == 401 || answer.status() == 403) {
            // Consul answers "ACL not found" (token unknown) or "Permission denied" (no rule for it)
            String text = answer.text();
            throw new StoreException.Unavailable(
                    "Consul " + base
                            + (text.contains("ACL not found") ? " authentication failed" : " permission denied")
                            + " for " + path
                            + " (check the ACL token: CONSUL_HTTP_TOKEN[_FILE] or --store-password-file): " + text,
                    null);
        }
        if (answer.filteredByAcls()) {
            // a listing the token may not read all of would look like deleted keys
            throw new StoreException.Unavailable(
                    "Consul " + base + " permission denied: the ACL token cannot read" + " every key under " + path
                            + " (X-Consul-Results-Filtered-By-ACLs)",
                    null);
        }
        if (answer.status() == 413) {
            throw new StoreException.InvalidArgument("Consul refused " + path + " as too large: " + answer.text());
        }
        if (answer.status() >= 500) {
            throw new StoreException.Unavailable(
                    "Consul " + base + " failed " + path + ": HTTP " + answer.status() + " " + answer.text(), null);
        }
        return answer;
    }

    /**
     * One request on a fresh connection to the agent's Unix socket (Netty's codec, as every jovl
     * HTTP/1.1 client), closed after the answer; {@code deadline} bounds the connect and the wait.
     */
    static Answer overUnixSocket(
            Path unix, String method, String target, byte[] body, Map<String, String> headers, Duration deadline)
            throws IOException {
        Map<String, String> all = new LinkedHashMap<>(headers);
        all.put("Host", "localhost");
        all.put("Connection", "close");
        try (UnixHttpClient http = UnixHttpClient.connect(unix, deadline)) {
            UnixHttpClient.Response r = http.exchange(method, target, all, body);
            String index = r.header("X-Consul-Index");
            return new Answer(
                    r.status(),
                    r.body().getBytes(StandardCharsets.UTF_8),
                    index == null ? 0 : Long.parseLong(index.trim()),
                    "true".equals(r.header("X-Consul-Results-Filtered-By-ACLs")));
        } catch (SocketTimeoutException e) {
            throw new HttpTimeoutException("no answer from " + unix + " within " + deadline);
        } catch (NumberFormatException e) {
            throw new IOException("Consul sent a bad X-Consul-Index header", e);
        }
    }

    /**
     * Consul's path for a key: each character outside the URL-safe set percent-encoded, '/' kept.
     * Segments that an HTTP path would collapse ({@code .}, {@code ..}, an empty one from
     * {@code //}) are refused (see {@link #checkKey}), so reads by path and writes in a
     * transaction body always name the same key.
     */
    static String kvPath(String key) {
        checkKey(key);
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

    /**
     * Refuses keys (and prefixes) with a {@code .} or {@code ..} segment or an empty segment
     * ({@code a//b}): Go's HTTP server cleans such paths (redirecting the request), so the key
     * read by {@code GET /v1/kv/a/../b} would not be the key written by a transaction. A prefix
     * may end in '/'.
     */
    static void checkKey(String key) {
        String[] segments = key.split("/", -1);
        for (int i = 0; i < segments.length; i++) {
            String s = segments[i];
            boolean last = i == segments.length - 1;
            if (s.equals(".") || s.equals("..") || (s.isEmpty() && !last && key.length() > 0)) {
                throw new StoreException.InvalidArgument(
                        "Consul cannot address the key '" + key + "': it has an empty, '.' or '..' segment");
            }
        }
    }

    @Override
    public void close() {
        if (http != null) {
            http.close();
        }
    }
}
