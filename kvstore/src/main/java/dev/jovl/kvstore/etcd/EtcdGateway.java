package dev.jovl.kvstore.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.StoreUrl;
import dev.jovl.kvstore.retry.Backoff;
import dev.jovl.kvstore.support.Tls;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpConnectTimeoutException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * etcd's v3 JSON gateway ({@code POST /v3/...}, served by etcd 3.4 and later on the client
 * port) over the JDK's HTTP client: one JSON request, one JSON answer, within a deadline, trying
 * the endpoints in turn. A request that may not have reached etcd (connection refused, connect
 * timeout) is retried on the next endpoint until the deadline; one that may have been applied is
 * retried only if it is {@link Call#READ a read}, so a write is never applied twice.
 *
 * <p><b>TLS</b> ({@code etcd+https://} or a CA given): the server is verified against the CA, a
 * client certificate is presented when given. A TLS failure is not retried: every endpoint shares
 * the settings, so it fails at once with a message naming the setting to check. Over TLS the
 * calls go to etcd's gRPC API instead of the gateway ({@link EtcdGrpc}: HTTP/2, the same JSON
 * shapes here), because the gateway refuses client certificates with a Common Name once
 * authentication is on.
 *
 * <p><b>Authentication</b> ({@code --store-user}): the gateway's {@code POST /v3/auth/authenticate}
 * gives a token, sent as {@code Authorization} (the gateway passes that header on as the gRPC
 * metadata etcd reads the token from); when etcd answers "invalid auth token" (a simple token
 * expires after {@code --auth-token-ttl}, 5 min idle) or "revision of auth store is old", the
 * client authenticates again and repeats the call once: etcd refused it, so nothing was applied.
 * etcd's TLS Common-Name authentication (the client certificate's CN as the user, no password)
 * works over gRPC, so over TLS a client certificate alone can be the user; the JSON gateway (plain
 * http) never could.
 */
final class EtcdGateway implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The wait after every endpoint failed once, before the next round. */
    private static final Backoff BACKOFF = Backoff.doubling(Duration.ofMillis(50), Duration.ofMillis(500));

    private static final Logger LOG = LoggerFactory.getLogger(EtcdGateway.class);

    enum Call {
        READ,
        WRITE
    }

    private final List<URI> endpoints;
    private final Duration timeout;
    private final HttpClient http;
    private final AtomicInteger current = new AtomicInteger();
    private final String user;
    private final String password;
    /** The current auth token, null before the first authentication (or without a user). */
    private volatile String token;
    /** Over TLS: etcd's gRPC API; else null (the JSON gateway). */
    private final EtcdGrpc grpc;

    /** One answer in the gateway's JSON shape. */
    record Reply(int status, JsonNode json) {}

    /** An opened stream: its status and its body as the gateway's JSON lines. */
    record Opened(int status, InputStream body) {}

    EtcdGateway(StoreUrl url, StoreSecurity security) {
        boolean tls = url.https() || security.caCert() != null;
        if (!tls && (security.clientCert() != null || security.tlsServerName() != null)) {
            throw new StoreException.InvalidArgument("a client certificate or TLS server name needs TLS:"
                    + " write etcd+https:// or give --store-cacert");
        }
        this.endpoints = url.endpoints().stream()
                .map(e -> URI.create((tls ? "https://" : "http://") + e + "/"))
                .toList();
        this.timeout = url.timeout();
        this.user = security.user();
        this.password = security.readSecret();
        Duration connect = timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2);
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(connect)
                .build();
        if (security.clientCert() != null && user != null) {
            LOG.info(
                    "etcd: authenticating as user {}; its token, not the client certificate's Common Name, is"
                            + " what etcd's permissions are checked against",
                    user);
        }
        this.grpc = tls
                ? new EtcdGrpc(new EtcdH2(
                        Tls.context(
                                security.caCert(),
                                null,
                                security.clientCert(),
                                security.clientKey(),
                                security.tlsServerName(),
                                true),
                        security.tlsServerName() == null,
                        connect))
                : null;
    }

    Duration timeout() {
        return timeout;
    }

    List<URI> endpoints() {
        return endpoints;
    }

    /** The endpoint the last successful call went to; streams start there. */
    URI preferred() {
        return endpoints.get(Math.floorMod(current.get(), endpoints.size()));
    }

    /** Moves the preference on after {@code failed} failed (unless someone moved it already). */
    void failedOver(URI failed) {
        int i = current.get();
        if (endpoints.get(Math.floorMod(i, endpoints.size())).equals(failed)) {
            current.compareAndSet(i, i + 1);
        }
    }

    /** POSTs {@code body} to {@code path} (e.g. {@code v3/kv/range}) and returns etcd's answer. */
    JsonNode call(String path, ObjectNode body, Call kind) {
        long deadline = System.nanoTime() + timeout.toNanos();
        Backoff.Waits waits = BACKOFF.waits();
        Exception last = null;
        String hint = "";
        int silentCloses = 0;
        while (true) {
            URI endpoint = preferred();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw unavailable("no etcd endpoint answered " + path + " within " + timeout + hint, last);
            }
            try {
                return send(endpoint, path, body, Duration.ofNanos(left));
            } catch (TokenRejected e) {
                reauthenticate(e.token);
                continue;
            } catch (HttpConnectTimeoutException | ConnectException e) {
                // a connect cut short by the deadline says less than the failure before it
                boolean cutShort = e instanceof HttpConnectTimeoutException
                        || e instanceof io.netty.channel.ConnectTimeoutException;
                if (last == null || !cutShort) {
                    last = e;
                }
            } catch (HttpTimeoutException e) {
                throw unavailable("etcd " + endpoint + " gave no answer to " + path + " within " + timeout, e);
            } catch (IOException e) {
                String tlsProblem = Tls.explain(e);
                if (tlsProblem != null) {
                    // the server refused the connection before any request was read: nothing applied
                    throw new StoreException.Unavailable("etcd " + endpoint + ": " + tlsProblem, e);
                }
                if (grpc == null && String.valueOf(e.getMessage()).contains("received no bytes")) {
                    // what a TLS port does with a plain-http request: close without a word
                    hint = " (an endpoint closed the connection without a word, as a TLS port does to plain http:"
                            + " if etcd serves TLS, write etcd+https:// or give --store-cacert)";
                    e = new IOException(e.getMessage() + hint, e);
                    // once may be a pooled connection the server had just closed; every endpoint,
                    // and then one of them again on a fresh connection, is a TLS port: say so now
                    // rather than at the deadline
                    if (kind == Call.READ && ++silentCloses > endpoints.size()) {
                        throw unavailable(
                                "every etcd endpoint closed the connection without answering " + path
                                        + ", as a TLS port does to plain http: if etcd serves TLS, write etcd+https://"
                                        + " or give --store-cacert",
                                null);
                    }
                }
                if (kind == Call.WRITE) {
                    throw unavailable(
                            "connection to etcd " + endpoint + " broke during " + path
                                    + "; the write may or may not have been applied",
                            e);
                }
                last = e;
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable("interrupted while calling etcd " + path, e);
            }
            failedOver(endpoint);
            if (current.get() % endpoints.size() == 0) {
                // every endpoint failed once: wait a little before the next round
                sleep(Math.min(waits.next().toMillis(), Math.max(0, (deadline - System.nanoTime()) / 1_000_000)));
            }
        }
    }

    /** One attempt on one endpoint, without failover; errors as IOException. */
    JsonNode send(URI endpoint, String path, ObjectNode body, Duration deadline)
            throws IOException, InterruptedException {
        String sentToken = authToken();
        Reply reply = exchange(endpoint, path, body, deadline, sentToken);
        if (reply.status() != 200) {
            if (sentToken != null && tokenRejected(reply.json())) {
                throw new TokenRejected(sentToken);
            }
            throw error(reply.json(), reply.status(), endpoint, path);
        }
        return reply.json();
    }

    /** One request and its answer, over gRPC (TLS) or the gateway. */
    private Reply exchange(URI endpoint, String path, ObjectNode body, Duration deadline, String sentToken)
            throws IOException, InterruptedException {
        if (grpc != null) {
            return grpc.unary(endpoint, path, body, deadline, sentToken);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(path))
                .timeout(deadline)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (sentToken != null) {
            request.header("Authorization", sentToken);
        }
        HttpResponse<byte[]> response = http.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
        return new Reply(response.statusCode(), parse(response, endpoint, path));
    }

    /**
     * Opens a streaming call (watch): the answer's body as it comes. The deadline covers the
     * opening (until etcd's answer starts); a quiet stream afterwards is the prober's business.
     * {@code Grpc-Metadata-hasleader: true} is etcd's require-leader metadata (clientv3's
     * {@code WithRequireLeader}): a member that loses its leader ends the stream instead of
     * keeping a partitioned watcher quiet forever.
     */
    Opened stream(URI endpoint, String path, ObjectNode body) throws IOException, InterruptedException {
        String sentToken = authToken();
        if (grpc != null) {
            return grpc.stream(endpoint, path, body, timeout, sentToken, true);
        }
        HttpRequest.Builder request = HttpRequest.newBuilder(endpoint.resolve(path))
                .timeout(timeout)
                .header("Content-Type", "application/json")
                .header("Grpc-Metadata-hasleader", "true")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)));
        if (sentToken != null) {
            request.header("Authorization", sentToken);
        }
        HttpResponse<InputStream> response = http.send(request.build(), HttpResponse.BodyHandlers.ofInputStream());
        return new Opened(response.statusCode(), response.body());
    }

    /** A watch stream was refused for its token: authenticate again before the next one. */
    void watchRefused(String reason) {
        String t = token;
        if (t != null && reason.contains("auth token")) {
            reauthenticate(t);
        }
    }

    /** The token to send (authenticating first if there is none yet), or null without a user. */
    private String authToken() {
        if (user == null) {
            return null;
        }
        String t = token;
        if (t == null) {
            synchronized (this) {
                if (token == null) {
                    token = authenticate();
                }
                t = token;
            }
        }
        return t.isEmpty() ? null : t;
    }

    private synchronized void reauthenticate(String rejected) {
        if (rejected.equals(token)) {
            token = null;
        }
    }

    /**
     * {@code POST /v3/auth/authenticate} on the endpoints in turn. Returns the token, or "" when
     * etcd has authentication off (then the user is not needed; said once in the log).
     */
    private String authenticate() {
        long deadline = System.nanoTime() + timeout.toNanos();
        Exception last = null;
        for (int attempt = 0; System.nanoTime() < deadline; attempt++) {
            URI endpoint = preferred();
            try {
                ObjectNode body = JSON.createObjectNode().put("name", user).put("password", password);
                Reply reply = exchange(
                        endpoint,
                        "v3/auth/authenticate",
                        body,
                        Duration.ofNanos(Math.max(1, deadline - System.nanoTime())),
                        null);
                JsonNode answer = reply.json();
                if (reply.status() == 200 && !answer.path("token").asText("").isEmpty()) {
                    return answer.path("token").asText();
                }
                String message =
                        answer.path("message").asText(answer.path("error").asText(""));
                if (message.contains("authentication is not enabled")) {
                    LOG.warn("etcd has authentication off: user {} is not needed", user);
                    return "";
                }
                throw new StoreException.Unavailable(
                        "etcd authentication failed for user '" + user + "' at " + endpoint
                                + " (check --store-user and --store-password-file): " + message,
                        null);
            } catch (IOException e) {
                String tlsProblem = Tls.explain(e);
                if (tlsProblem != null) {
                    throw new StoreException.Unavailable("etcd " + endpoint + ": " + tlsProblem, e);
                }
                last = e;
                failedOver(endpoint);
                sleep(BACKOFF.delay(attempt + 1).toMillis());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw unavailable("interrupted while authenticating to etcd", e);
            }
        }
        throw unavailable(
                "no etcd endpoint answered the authentication of user '" + user + "' within " + timeout, last);
    }

    /** etcd's answers to an expired or outdated token: authenticate again and repeat. */
    private static boolean tokenRejected(JsonNode answer) {
        String message = answer.path("message").asText(answer.path("error").asText(""));
        return message.contains("invalid auth token") || message.contains("revision of auth store is old");
    }

    /** The token etcd refused; the call was not applied. */
    private static final class TokenRejected extends IOException {
        private static final long serialVersionUID = 1L;
        private final transient String token;

        TokenRejected(String token) {
            super("etcd refused the auth token");
            this.token = token;
        }
    }

    private static JsonNode parse(HttpResponse<byte[]> response, URI endpoint, String path) {
        try {
            return JSON.readTree(response.body());
        } catch (IOException e) {
            String text = new String(response.body(), java.nio.charset.StandardCharsets.UTF_8).trim();
            if (text.contains("HTTP request to an HTTPS server")) {
                // Go's TLS server answers plain HTTP with a 400 and this text
                throw new StoreException.Unavailable(
                        "etcd " + endpoint + " speaks TLS and was called over plain"
                                + " http: write etcd+https:// or give --store-cacert",
                        null);
            }
            throw unavailable(
                    "etcd " + endpoint + " answered " + path + " with something that is not JSON (HTTP "
                            + response.statusCode() + (text.length() > 100 ? "" : ": " + text) + ")",
                    e);
        }
    }

    /** etcd's gRPC status codes, as the gateway reports them, mapped onto the store's errors. */
    static StoreException error(JsonNode answer, int status, URI endpoint, String path) {
        int code = answer.path("code").asInt(-1);
        String message = answer.path("message").asText(answer.path("error").asText("HTTP " + status));
        // etcd's auth errors (rpctypes): refuse clearly, never as "invalid argument"
        if (message.contains("authentication failed") || message.contains("invalid auth token") || code == 16) {
            return new StoreException.Unavailable(
                    "etcd authentication failed for " + path + " (check --store-user" + " and --store-password-file): "
                            + message,
                    null);
        }
        if (message.contains("user name is empty")) {
            return new StoreException.Unavailable(
                    "etcd authentication failed: etcd has authentication on and no"
                            + " user was given (--store-user and --store-password-file, or over TLS a client certificate"
                            + " whose Common Name is the user; plain http cannot carry one): " + message,
                    null);
        }
        if (message.contains("permission denied") || code == 7) {
            return new StoreException.Unavailable(
                    "etcd permission denied for " + path + " (the user, --store-user,"
                            + " or over TLS without one the client certificate's Common Name, needs roles granting readwrite"
                            + " on jovl's keys): " + message,
                    null);
        }
        return switch (code) {
            case 3, 11 -> new StoreException.InvalidArgument("etcd refused " + path + ": " + message);
            // RESOURCE_EXHAUSTED: a transaction of many large values exceeds etcd's request limit
            case 8 ->
                message.contains("larger than max") || message.contains("too large")
                        ? new StoreException.InvalidArgument("etcd refused " + path + " as too large: " + message)
                        : unavailable("etcd " + endpoint + " is out of resources for " + path + ": " + message, null);
            case 5 ->
                message.contains("lease")
                        ? new StoreException.NotFound("lease (" + message + ")")
                        : new StoreException.NotFound(message);
            default ->
                unavailable(
                        "etcd " + endpoint + " failed " + path + ": " + message
                                + (code >= 0 ? " (code " + code + ")" : ""),
                        null);
        };
    }

    static StoreException.Unavailable unavailable(String message, Throwable cause) {
        return new StoreException.Unavailable(
                cause == null || cause.getMessage() == null ? message : message + ": " + cause.getMessage(), cause);
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw unavailable("interrupted while waiting for etcd", e);
        }
    }

    @Override
    public void close() {
        if (grpc != null) {
            grpc.close();
        }
        http.close();
    }
}
