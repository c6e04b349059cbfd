package dev.jovl.kvstore.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreUrl;
import dev.jovl.kvstore.retry.Backoff;
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

/**
 * etcd's v3 JSON gateway ({@code POST /v3/...}, served by etcd 3.4 and later on the client
 * port) over the JDK's HTTP client: one JSON request, one JSON answer, within a deadline, trying
 * the endpoints in turn. A request that may not have reached etcd (connection refused, connect
 * timeout) is retried on the next endpoint until the deadline; one that may have been applied is
 * retried only if it is {@link Call#READ a read}, so a write is never applied twice.
 */
final class EtcdGateway implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** The wait after every endpoint failed once, before the next round. */
    private static final Backoff BACKOFF = Backoff.doubling(Duration.ofMillis(50), Duration.ofMillis(500));

    enum Call { READ, WRITE }

    private final List<URI> endpoints;
    private final Duration timeout;
    private final HttpClient http;
    private final AtomicInteger current = new AtomicInteger();

    EtcdGateway(List<StoreUrl.HostPort> endpoints, Duration timeout) {
        this.endpoints = endpoints.stream().map(e -> URI.create("http://" + e + "/")).toList();
        this.timeout = timeout;
        this.http = HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(timeout.compareTo(Duration.ofSeconds(2)) < 0 ? timeout : Duration.ofSeconds(2))
                .build();
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
        while (true) {
            URI endpoint = preferred();
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                throw unavailable("no etcd endpoint answered " + path + " within " + timeout, last);
            }
            try {
                return send(endpoint, path, body, Duration.ofNanos(left));
            } catch (HttpConnectTimeoutException | ConnectException e) {
                last = e;
            } catch (HttpTimeoutException e) {
                throw unavailable("etcd " + endpoint + " gave no answer to " + path + " within " + timeout, e);
            } catch (IOException e) {
                if (kind == Call.WRITE) {
                    throw unavailable("connection to etcd " + endpoint + " broke during " + path
                            + "; the write may or may not have been applied", e);
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
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(path))
                .timeout(deadline)
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        JsonNode answer = parse(response.body(), endpoint, path);
        if (response.statusCode() != 200) {
            throw error(answer, response.statusCode(), endpoint, path);
        }
        return answer;
    }

    /** Opens a streaming call (watch): the answer's body as it comes. */
    HttpResponse<InputStream> stream(URI endpoint, String path, ObjectNode body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(endpoint.resolve(path))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(JSON.writeValueAsBytes(body)))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofInputStream());
    }

    private static JsonNode parse(byte[] body, URI endpoint, String path) {
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw unavailable("etcd " + endpoint + " answered " + path + " with something that is not JSON", e);
        }
    }

    /** etcd's gRPC status codes, as the gateway reports them, mapped onto the store's errors. */
    static StoreException error(JsonNode answer, int status, URI endpoint, String path) {
        int code = answer.path("code").asInt(-1);
        String message = answer.path("message").asText(answer.path("error").asText("HTTP " + status));
        return switch (code) {
            case 3, 11 -> new StoreException.InvalidArgument("etcd refused " + path + ": " + message);
            // RESOURCE_EXHAUSTED: a transaction of many large values exceeds etcd's request limit
            case 8 -> message.contains("larger than max") || message.contains("too large")
                    ? new StoreException.InvalidArgument("etcd refused " + path + " as too large: " + message)
                    : unavailable("etcd " + endpoint + " is out of resources for " + path + ": " + message, null);
            case 5 -> message.contains("lease")
                    ? new StoreException.NotFound("lease (" + message + ")")
                    : new StoreException.NotFound(message);
            default -> unavailable("etcd " + endpoint + " failed " + path + ": " + message
                    + (code >= 0 ? " (code " + code + ")" : ""), null);
        };
    }

    static StoreException.Unavailable unavailable(String message, Throwable cause) {
        return new StoreException.Unavailable(cause == null || cause.getMessage() == null ? message
                : message + ": " + cause.getMessage(), cause);
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
        http.close();
    }
}
