package dev.jovl.kvstore.consul;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consul over {@code CONSUL_HTTP_ADDR=unix:///...} (the shared Netty-codec client): what goes on the wire and how
 * answers are framed (Content-Length, chunked as Go's net/http writes larger bodies, until the
 * end), with canned bytes on a unix socket. Consul's semantics are not simulated here.
 */
class ConsulUnixSocketTest {
    @TempDir
    Path dir;

    private String serveOnce(Path socket, String answer, AtomicReference<String> request) throws IOException {
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            try (server;
                    SocketChannel c = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(8192);
                StringBuilder got = new StringBuilder();
                while (!got.toString().contains("\r\n\r\n")
                        || !got.toString().endsWith("hello")
                                && got.toString().toLowerCase(Locale.ROOT).contains("content-length: 5")) {
                    in.clear();
                    if (c.read(in) < 0) {
                        break;
                    }
                    got.append(new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1));
                }
                request.set(got.toString());
                if (answer != null) {
                    c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.ISO_8859_1)));
                } else {
                    Thread.sleep(5000);
                }
            } catch (IOException | InterruptedException ignored) {
                // the test sees what it needs
            }
        });
        return socket.toString();
    }

    @Test
    void aChunkedAnswerWithConsulsHeaders() throws Exception {
        AtomicReference<String> request = new AtomicReference<>();
        Path socket = dir.resolve("c.sock");
        serveOnce(
                socket,
                "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Consul-Index: 42\r\n"
                        + "Transfer-Encoding: chunked\r\n\r\n5\r\n[{\"a\"\r\n3;x=y\r\n:1}\r\n1\r\n]\r\n0\r\n\r\n",
                request);
        ConsulHttp.Answer a = ConsulHttp.overUnixSocket(
                socket,
                "PUT",
                "/v1/txn?ns=team",
                "hello".getBytes(),
                Map.of("X-Consul-Token", "t0ken"),
                Duration.ofSeconds(5));
        assertEquals(200, a.status());
        assertEquals(42, a.index());
        assertArrayEquals("[{\"a\":1}]".getBytes(), a.body());
        String sent = request.get();
        assertTrue(sent.startsWith("PUT /v1/txn?ns=team HTTP/1.1\r\n"), sent);
        // header names are case-insensitive (RFC 9110); Netty writes its own in lower case
        String lower = sent.toLowerCase(Locale.ROOT);
        assertTrue(lower.contains("x-consul-token: t0ken\r\n") && lower.contains("content-length: 5\r\n"), sent);
        assertTrue(lower.contains("connection: close\r\n") && sent.endsWith("hello"), sent);
    }

    @Test
    void aContentLengthAnswerAndTheAclFilterHeader() throws Exception {
        Path socket = dir.resolve("d.sock");
        serveOnce(
                socket,
                "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\nX-Consul-Results-Filtered-By-ACLs: true\r\n" + "\r\n[]",
                new AtomicReference<>());
        ConsulHttp.Answer a =
                ConsulHttp.overUnixSocket(socket, "GET", "/v1/kv/x", null, Map.of(), Duration.ofSeconds(5));
        assertEquals(404, a.status());
        assertTrue(a.filteredByAcls());
        assertEquals("[]", a.text());
    }

    @Test
    void noAnswerWithinTheDeadlineIsATimeout() throws Exception {
        Path socket = dir.resolve("e.sock");
        serveOnce(socket, null, new AtomicReference<>());
        assertThrows(
                HttpTimeoutException.class,
                () -> ConsulHttp.overUnixSocket(socket, "GET", "/v1/kv/x", null, Map.of(), Duration.ofMillis(300)));
    }
}
