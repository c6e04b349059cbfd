package dev.jovl.unixhttp;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The HTTP client against canned answers on a Unix socket: chunked framing (extensions,
 * trailers) decoded by the codec, broken framing refused, streamed lines, and the bounds on what
 * it reads (body length, line length, a server that never answers).
 */
class UnixHttpClientTest {
    private Path dir;
    private Path socket;
    private ServerSocketChannel server;
    private Thread serving;

    @BeforeEach
    void listen() throws IOException {
        dir = Files.createTempDirectory("jovl-http");
        socket = dir.resolve("s.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
    }

    @AfterEach
    void stop() throws Exception {
        server.close();
        if (serving != null) {
            serving.interrupt();
            serving.join(5000);
        }
        Files.deleteIfExists(socket);
        Files.deleteIfExists(dir);
    }

    /** Answers the first request on the first connection with {@code answer}, then closes (unless hold). */
    private void answer(String answer, boolean hold) {
        serving = Thread.ofPlatform().daemon().start(() -> {
            try (SocketChannel c = server.accept()) {
                ByteBuffer in = ByteBuffer.allocate(64 * 1024);
                while (!new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1).contains("\r\n\r\n")) {
                    if (c.read(in) < 0) {
                        return;
                    }
                }
                ByteBuffer out = ByteBuffer.wrap(answer.getBytes(StandardCharsets.ISO_8859_1));
                while (out.hasRemaining()) {
                    c.write(out);
                }
                if (hold) {
                    Thread.sleep(60_000);
                }
            } catch (IOException | InterruptedException ignored) {
                // the test is over
            }
        });
    }

    private UnixHttpClient.Response get(String answer) throws IOException {
        answer(answer, false);
        try (UnixHttpClient c = UnixHttpClient.connect(socket, Duration.ofSeconds(10))) {
            return c.get("/x");
        }
    }

    private static String chunked(String chunks) {
        return "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunks;
    }

    @Test
    void decodesChunksExtensionsAndTrailers() throws IOException {
        assertEquals(
                "{\"a\":1}\n{\"b\":2}\n",
                get(chunked("8\r\n{\"a\":1}\n\r\n8;ext=1\r\n{\"b\":2}\n\r\n0\r\nX-Trailer: y\r\n\r\n"))
                        .body());
    }

    @Test
    void emptyChunkedBody() throws IOException {
        assertEquals("", get(chunked("0\r\n\r\n")).body());
    }

    @Test
    void lengthFramedBodyStopsAtItsLength() throws IOException {
        UnixHttpClient.Response r = get("HTTP/1.1 404 Not Found\r\nContent-Length: 16\r\n\r\n0123456789abcdefIGNORED");
        assertEquals(404, r.status());
        assertEquals("0123456789abcdef", r.body());
    }

    @Test
    void bodyUntilCloseWithoutLength() throws IOException {
        assertEquals(
                "to the end",
                get("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\nto the end").body());
    }

    @Test
    void refusesBrokenFraming() {
        assertThrows(IOException.class, () -> get(chunked("8\r\n{\"a\"")), "closed inside a chunk");
        assertThrows(IOException.class, () -> get(chunked("zz\r\nabc\r\n")), "bad size");
        assertThrows(IOException.class, () -> get(chunked("3\r\nabcX\r\n0\r\n\r\n")), "no CRLF after the chunk");
        assertThrows(IOException.class, () -> get(chunked("3\r\nabc\r\n")), "closed before the last chunk");
        assertThrows(IOException.class, () -> get("SSH-2.0-OpenSSH\r\n\r\n"), "not HTTP");
        assertThrows(
                IOException.class,
                () -> get("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort"),
                "closed in the body");
    }

    @Test
    void bodiesAndHeadersAreBounded() {
        int tooLong = UnixHttpClient.MAX_BODY_BYTES + 1;
        IOException e = assertThrows(
                IOException.class,
                () -> get("HTTP/1.1 200 OK\r\nContent-Length: " + tooLong + "\r\n\r\n" + "x".repeat(tooLong)));
        assertTrue(e.getMessage().contains("longer than"), e.getMessage());
        assertThrows(IOException.class, () -> get("HTTP/1.1 200 OK\r\nX-Big: " + "y".repeat(64 * 1024) + "\r\n\r\n"));
    }

    @Test
    void aServerThatNeverAnswersTimesOut() throws IOException {
        answer("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nab", true);
        try (UnixHttpClient c = UnixHttpClient.connect(socket, Duration.ofMillis(300))) {
            assertThrows(java.net.SocketTimeoutException.class, () -> c.get("/x"));
        }
    }

    @Test
    void streamsLinesAsTheyComeAndBoundsTheirLength() throws Exception {
        answer(chunked("5\r\n{\"a\":\r\n3\r\n1}\n\r\n2\r\n\n{\r\n") + "4\r\n\"b\"}\r\n0\r\n\r\n", false);
        try (UnixHttpClient c = UnixHttpClient.connect(socket, Duration.ofSeconds(10))) {
            assertEquals(200, c.stream("/events"));
            assertEquals("{\"a\":1}", c.readLine());
            assertEquals("", c.readLine());
            assertEquals("{\"b\"}", c.readLine(), "a last line without its line end");
            assertNull(c.readLine());
        }
        stop();
        listen();
        String big = Integer.toHexString(UnixHttpClient.MAX_LINE_BYTES + 1);
        answer(chunked(big + "\r\n" + "z".repeat(UnixHttpClient.MAX_LINE_BYTES + 1) + "\r\n0\r\n\r\n"), false);
        try (UnixHttpClient c = UnixHttpClient.connect(socket, Duration.ofSeconds(10))) {
            assertEquals(200, c.stream("/events"));
            IOException e = assertThrows(IOException.class, c::readLine);
            assertTrue(e.getMessage().contains("longer than"), e.getMessage());
        }
    }

    @Test
    void missingSocketNamesIt() {
        IOException e = assertThrows(
                IOException.class, () -> UnixHttpClient.connect(dir.resolve("absent.sock"), Duration.ofSeconds(2)));
        assertTrue(e.getMessage().contains("absent.sock"), e.getMessage());
    }
}
