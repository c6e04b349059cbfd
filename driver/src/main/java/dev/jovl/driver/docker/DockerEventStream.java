package dev.jovl.driver.docker;

import dev.jovl.driver.http.UnixHttpClient;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker's event stream, kept open: subscribe, tell the listener it is connected (so it re-lists),
 * deliver events, and on any break reconnect after a back-off (100 ms doubling to 5 s).
 */
public final class DockerEventStream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DockerEventStream.class);
    private static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);

    private final DockerEngineClient client;
    private final String target;
    private final DockerEventListener listener;
    private final Thread thread;
    private volatile boolean closed;
    private volatile UnixHttpClient current;

    DockerEventStream(DockerEngineClient client, String target, DockerEventListener listener) {
        this.client = client;
        this.target = target;
        this.listener = listener;
        this.thread = Thread.ofPlatform().name("jovl-docker-events").daemon().unstarted(this::run);
    }

    void start() {
        thread.start();
    }

    private void run() {
        Duration backoff = FIRST_BACKOFF;
        boolean wasConnected = false;
        while (!closed) {
            try (UnixHttpClient stream = client.openStream(target)) {
                current = stream;
                if (closed) {
                    return;
                }
                backoff = FIRST_BACKOFF;
                if (!wasConnected) {
                    log.info("Docker event stream connected on {}", client.socket());
                }
                wasConnected = true;
                safely(listener::onConnected, "re-list after connect");
                // one JSON document a line, each at most UnixHttpClient.MAX_LINE_BYTES
                for (String line = stream.readLine(); !closed && line != null; line = stream.readLine()) {
                    if (line.isBlank()) {
                        continue;
                    }
                    DockerEvent event = DockerEngineClient.event(DockerEngineClient.JSON.readTree(line));
                    safely(() -> listener.onEvent(event), "event " + event.type() + " " + event.action());
                }
                if (!closed) {
                    throw new java.io.EOFException("Docker closed the event stream");
                }
            } catch (Exception e) {
                if (closed) {
                    return;
                }
                if (wasConnected) {
                    log.warn("Docker event stream on {} broke ({}); reconnecting", client.socket(), e.getMessage());
                } else {
                    log.debug("Docker event stream on {} not available: {}", client.socket(), e.getMessage());
                }
                wasConnected = false;
                safely(() -> listener.onDisconnected(e), "disconnect");
            } finally {
                current = null;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
    }

    /** A listener failure is logged and the stream goes on: one bad event must not stop names. */
    private static void safely(Runnable call, String what) {
        try {
            call.run();
        } catch (RuntimeException e) {
            log.warn("Docker event listener failed on {}: {}", what, e.toString(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        UnixHttpClient r = current;
        if (r != null) {
            r.close(); // wakes the reader
        }
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
