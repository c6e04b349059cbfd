package dev.jovl.driver.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
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
    private volatile UnixHttpClient.Response current;

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
            try (UnixHttpClient.Response response = client.openStream(target)) {
                current = response;
                if (closed) {
                    return;
                }
                backoff = FIRST_BACKOFF;
                if (!wasConnected) {
                    log.info("Docker event stream connected on {}", client.socket());
                }
                wasConnected = true;
                safely(listener::onConnected, "re-list after connect");
                MappingIterator<JsonNode> events = DockerEngineClient.JSON.readerFor(JsonNode.class).readValues(response.body);
                while (!closed && events.hasNextValue()) {
                    DockerEvent event = DockerEngineClient.event(events.nextValue());
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
        UnixHttpClient.Response r = current;
        if (r != null) {
            try {
                r.close();
            } catch (java.io.IOException ignored) {
                // closing to wake the reader is all we want
            }
        }
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
