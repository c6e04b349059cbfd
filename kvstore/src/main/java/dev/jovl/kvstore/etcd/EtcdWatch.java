package dev.jovl.kvstore.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.kvstore.retry.Backoff;
import dev.jovl.kvstore.support.BackgroundWatch;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A watch on etcd: one streaming {@code POST /v3/watch} per connection, read line by line on a
 * virtual thread. When the stream breaks it is reopened (on the next endpoint, with back-off)
 * from the last delivered revision + 1, so nothing is lost or repeated; when etcd has compacted
 * those revisions away the listener is told to resync and the watch carries on from now.
 *
 * <p>A stream can also go quiet without breaking (a network partition): a liveness probe on the
 * same endpoint every call deadline closes the stream when the endpoint stops answering.
 */
final class EtcdWatch extends BackgroundWatch {
    private static final Logger LOG = LoggerFactory.getLogger(EtcdWatch.class);
    private static final Backoff BACKOFF = Backoff.doubling(Duration.ofMillis(50), Duration.ofSeconds(1));

    private final EtcdGateway gateway;
    private volatile InputStream stream;
    private volatile URI streamEndpoint;
    /** Only the reader thread uses it: whether the listener was last told "connected". */
    private boolean connected = true;

    private Thread prober;

    EtcdWatch(
            EtcdGateway gateway,
            String prefix,
            long afterRevision,
            WatchListener listener,
            Consumer<? super BackgroundWatch> onClose) {
        super("etcd", prefix, afterRevision, listener, onClose);
        this.gateway = gateway;
    }

    @Override
    public void start() {
        super.start();
        prober = Thread.ofVirtual().name("jovl-etcd-watch-probe-" + prefix).start(this::probe);
    }

    @Override
    protected void run() {
        Backoff.Waits waits = BACKOFF.waits();
        while (!isClosed()) {
            URI endpoint = gateway.preferred();
            try {
                if (readStream(endpoint)) {
                    waits.reset();
                    continue;
                }
            } catch (IOException | StoreException e) {
                if (isClosed()) {
                    return;
                }
                LOG.debug("etcd watch on '{}' lost {}: {}", prefix, endpoint, e.toString());
            } catch (InterruptedException e) {
                return;
            } finally {
                stream = null;
            }
            if (isClosed()) {
                return;
            }
            if (connected) {
                connected = false;
                delivery.connectionState(false);
            }
            gateway.failedOver(endpoint);
            if (!waits.pause()) {
                return;
            }
        }
    }

    /**
     * Reads one stream until it ends. Returns true when the stream ended in an orderly way that
     * calls for an immediate new one (compaction handled); throws when the connection broke.
     */
    private boolean readStream(URI endpoint) throws IOException, InterruptedException {
        ObjectNode create =
                EtcdJson.prefixRange(prefix).put("start_revision", Long.toString(delivery.lastRevision() + 1));
        ObjectNode body = EtcdJson.object();
        body.set("create_request", create);
        EtcdGateway.Opened response = gateway.stream(endpoint, "v3/watch", body);
        stream = response.body();
        streamEndpoint = endpoint;
        if (isClosed()) {
            stream.close();
            return false;
        }
        if (response.status() != 200) {
            String text = new String(response.body().readAllBytes(), StandardCharsets.UTF_8);
            gateway.watchRefused(text);
            throw new IOException("etcd " + endpoint + " refused the watch: HTTP " + response.status() + " " + text);
        }
        try (BufferedReader lines = new BufferedReader(new InputStreamReader(stream, StandardCharsets.UTF_8))) {
            String line;
            while ((line = lines.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                JsonNode message = EtcdGateway.JSON.readTree(line);
                if (message.has("error")) {
                    gateway.watchRefused(message.path("error").toString());
                    throw new IOException("etcd watch stream error: " + message.path("error"));
                }
                JsonNode result = message.path("result");
                if (result.path("created").asBoolean(false) && !connected) {
                    connected = true;
                    delivery.connectionState(true);
                }
                if (result.path("compact_revision").asLong(0) > 0) {
                    // the revisions after lastRevision are compacted away: resync, then watch from now
                    long now = EtcdJson.revision(gateway.call("v3/kv/range", revisionRead(), EtcdGateway.Call.READ));
                    LOG.warn(
                            "etcd watch on '{}': revisions after {} were compacted (compact revision {}); resync",
                            prefix,
                            delivery.lastRevision(),
                            result.path("compact_revision").asLong());
                    delivery.resync(now);
                    return true;
                }
                if (result.path("canceled").asBoolean(false)) {
                    gateway.watchRefused(result.path("cancel_reason").asText(""));
                    throw new IOException("etcd canceled the watch: "
                            + result.path("cancel_reason").asText("no reason"));
                }
                List<WatchEvent> events = new ArrayList<>();
                for (JsonNode e : result.path("events")) {
                    events.add(EtcdJson.event(e));
                }
                if (!events.isEmpty()) {
                    delivery.deliver(events);
                }
            }
        }
        if (isClosed()) {
            return false;
        }
        throw new IOException("etcd " + endpoint + " ended the watch stream");
    }

    /** Closes the stream when its endpoint stops answering, so the reader reconnects elsewhere. */
    private void probe() {
        Duration every = gateway.timeout();
        while (!isClosed()) {
            try {
                Thread.sleep(every);
            } catch (InterruptedException e) {
                return;
            }
            InputStream s = stream;
            URI endpoint = streamEndpoint;
            if (s == null || endpoint == null || isClosed()) {
                continue;
            }
            try {
                gateway.send(endpoint, "v3/kv/range", revisionRead(), every);
            } catch (IOException | StoreException e) {
                LOG.warn("etcd {} stopped answering; reopening the watch on '{}'", endpoint, prefix);
                closeQuietly(s);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /**
     * A cheap read for the store's revision: the watched prefix itself as one key, so a user whose
     * role covers only its own prefix (a key prefix in the URL) may read it.
     */
    private ObjectNode revisionRead() {
        return EtcdJson.object()
                .put("key", prefix.isEmpty() ? EtcdJson.b64(new byte[] {0}) : EtcdJson.b64(prefix))
                .put("count_only", true);
    }

    @Override
    protected void unblock() {
        InputStream s = stream;
        if (s != null) {
            closeQuietly(s);
        }
        if (prober != null) {
            prober.interrupt();
        }
    }

    private static void closeQuietly(InputStream s) {
        try {
            s.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }
}
