package dev.jovl.driver.docker;

import dev.jovl.overlay.runtime.Supervisor;
import dev.jovl.unixhttp.UnixHttpClient;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker's event stream, one connection at a time: {@link #session} subscribes, tells the
 * listener it is connected (so it re-lists), delivers events until the stream breaks, and returns.
 * The daemon runs it as a supervised periodic loop ({@code docker-events}), which reconnects a
 * second after a break; anything else that escapes (an {@code Error} from a listener, say) is the
 * supervisor's to log and restart, so the stream never silently stops.
 */
public final class DockerEventStream implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DockerEventStream.class);
    /** How soon a broken stream is reconnected. */
    public static final Duration RECONNECT = Duration.ofSeconds(1);

    private final DockerEngineClient client;
    private final String target;
    private final DockerEventListener listener;
    private volatile boolean closed;
    private volatile boolean wasConnected;
    private volatile UnixHttpClient current;
    private Supervisor own;

    DockerEventStream(DockerEngineClient client, String target, DockerEventListener listener) {
        this.client = client;
        this.target = target;
        this.listener = listener;
    }

    /** Whether a session is connected to Docker's event stream now. */
    public boolean connected() {
        return wasConnected && current != null;
    }

    /** Runs the stream on a supervisor of its own, for users without one (tests, tools). */
    public synchronized DockerEventStream startAlone() {
        own = new Supervisor();
        own.every("docker-events", Duration.ZERO, RECONNECT, this::session);
        own.start();
        return this;
    }

    /** One connection: events until it breaks or {@link #close} is called; a failure to connect returns too. */
    public void session() throws java.io.IOException {
        if (closed) {
            return;
        }
        try (UnixHttpClient stream = client.openStream(target)) {
            current = stream;
            if (closed) {
                return;
            }
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
        } catch (java.io.IOException e) { // DockerApiException too: Docker said no
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
        Supervisor s;
        synchronized (this) {
            s = own;
        }
        if (s != null) {
            s.close();
        }
    }
}
