package dev.jovl.kvstore.etcd;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.EventRecorder;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Watch;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * An endpoint that accepts connections and never says a word (a hung etcd, a half-open
 * firewall): every call ends within the deadline, and so does opening a watch stream, which
 * reports the outage to its listener instead of waiting forever for the first byte. Over
 * {@code etcd+https://} the silence starts at the TLS handshake.
 */
class EtcdSilentEndpointTest {
    private ServerSocket silent;
    private final List<Socket> accepted = new CopyOnWriteArrayList<>();
    private Thread acceptor;

    @BeforeEach
    void listenAndSayNothing() throws IOException {
        silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        acceptor = Thread.ofVirtual().start(() -> {
            while (!silent.isClosed()) {
                try {
                    Socket s = silent.accept();
                    accepted.add(s);
                    // read and drop what comes, answer nothing
                    Thread.ofVirtual().start(() -> drain(s));
                } catch (IOException e) {
                    return;
                }
            }
        });
    }

    private static void drain(Socket s) {
        try (InputStream in = s.getInputStream()) {
            in.transferTo(java.io.OutputStream.nullOutputStream());
        } catch (IOException ignored) {
            // the test closed it
        }
    }

    @AfterEach
    void close() throws Exception {
        silent.close();
        acceptor.join();
        for (Socket s : accepted) {
            s.close();
        }
    }

    @ParameterizedTest
    @ValueSource(strings = {"etcd", "etcd+https"})
    void callsAndWatchOpeningsEndWithinTheDeadline(String scheme) throws Exception {
        String url = scheme + "://127.0.0.1:" + silent.getLocalPort() + "?timeout=1s";
        try (Store s = Stores.open(url)) {
            long t0 = System.nanoTime();
            assertThrows(StoreException.Unavailable.class, () -> s.get("k"));
            long ms = (System.nanoTime() - t0) / 1_000_000;
            assertTrue(ms < 3000, "get took " + ms + " ms");

            EventRecorder seen = new EventRecorder();
            try (Watch w = s.watch("k/", 1, seen)) {
                long deadline = System.nanoTime() + 6_000_000_000L;
                while (!seen.connectionStates().contains(false) && System.nanoTime() < deadline) {
                    Thread.sleep(50);
                }
                assertTrue(
                        seen.connectionStates().contains(false),
                        "the watch never said it is disconnected: its stream is still opening");
            }
        }
    }
}
