package dev.jovl.driver.http;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.driver.api.DriverApi;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The plugin socket's bounds against hostile clients (issue 14): idle and slow connections, too
 * many connections, too many body bytes at once, half-closed connections, transports Docker never
 * uses, and JSON that must not be coerced. A route that counts its calls stands for a state change.
 */
class PluginServerHardeningTest {
    private static final ConnectionGuard.Limits FAST =
            new ConnectionGuard.Limits(16, Duration.ofMillis(400), Duration.ofMillis(400), 4L << 20);

    private final AtomicInteger executed = new AtomicInteger();
    private final ExecutorService executor = Executors.newFixedThreadPool(4);
    private final List<SocketChannel> open = new ArrayList<>();
    private Path dir;
    private PluginServer server;
    private final RequestStats stats =
            new RequestStats(Set.of("/Test.Change", "/Test.Fail", "/Test.Discover")::contains);

    private void start(ConnectionGuard.Limits limits) throws IOException {
        dir = Files.createTempDirectory("jovl-guard");
        RouteTable routes = RouteTable.complete(Map.of(
                "/Test.Change",
                        Route.of(Map.class, (q, facts) -> {
                            executed.incrementAndGet();
                            return Map.of();
                        }),
                "/Test.Fail",
                        Route.of(Map.class, (q, facts) -> {
                            // as IPAM does: the error echoes the raw input
                            throw PluginException.badRequest("unknown AddressSpace \"" + q.get("AddressSpace") + "\"");
                        }),
                "/Test.Discover",
                        Route.of(DriverApi.DiscoveryRequest.class, (q, facts) -> {
                            executed.incrementAndGet();
                            return Map.of();
                        })));
        server = PluginServer.start(dir.resolve("p.sock"), routes, executor, stats, limits);
    }

    @AfterEach
    void stop() throws IOException {
        for (SocketChannel c : open) {
            c.close();
        }
        if (server != null) {
            server.close();
        }
        executor.shutdownNow();
        if (dir != null) {
            Files.deleteIfExists(dir.resolve("p.sock"));
            Files.deleteIfExists(dir);
        }
    }

    private SocketChannel connect() throws IOException {
        SocketChannel c = SocketChannel.open(StandardProtocolFamily.UNIX);
        c.connect(UnixDomainSocketAddress.of(server.socketPath()));
        open.add(c);
        return c;
    }

    private static void send(SocketChannel c, String text) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(text.getBytes(StandardCharsets.ISO_8859_1));
        while (b.hasRemaining()) {
            c.write(b);
        }
    }

    /** Everything the server sends until it closes (or 5 s pass). */
    private static String readAll(SocketChannel c) throws IOException {
        c.configureBlocking(true);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        ByteBuffer b = ByteBuffer.allocate(8192);
        long deadline = System.nanoTime() + 5_000_000_000L;
        Thread watchdog = Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
                c.close();
            } catch (InterruptedException | IOException ignored) {
                // done before the deadline
            }
        });
        try {
            while (c.read(b) >= 0) {
                out.write(b.array(), 0, b.position());
                b.clear();
            }
        } catch (IOException closedByWatchdog) {
            // the deadline passed: what came so far
        } finally {
            watchdog.interrupt();
        }
        return out.toString(StandardCharsets.ISO_8859_1);
    }

    private static String post(String path, String body, String extraHeaders) {
        return "POST " + path + " HTTP/1.1\r\nHost: plugin\r\nContent-Length: "
                + body.getBytes(StandardCharsets.UTF_8).length + "\r\n" + extraHeaders + "\r\n" + body;
    }

    private String exchange(String request) throws IOException {
        SocketChannel c = connect();
        send(c, request.replace("Host: plugin\r\n", "Host: plugin\r\nConnection: close\r\n"));
        return readAll(c);
    }

    @Test
    void idleConnectionsAreClosed() throws Exception {
        start(FAST);
        List<SocketChannel> idle = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            idle.add(connect());
        }
        long t0 = System.nanoTime();
        for (SocketChannel c : idle) {
            assertEquals("", readAll(c), "an idle connection is closed without an answer");
        }
        assertTrue(System.nanoTime() - t0 < 4_000_000_000L, "closed by the idle timeout, not the test's deadline");
    }

    @Test
    void connectionsBeyondTheCapAreAnswered503() throws Exception {
        start(new ConnectionGuard.Limits(8, Duration.ofSeconds(30), Duration.ofSeconds(30), 4L << 20));
        for (int i = 0; i < 8; i++) {
            connect();
        }
        String answer = readAll(connect());
        assertTrue(answer.startsWith("HTTP/1.1 503"), answer);
        assertTrue(answer.contains("\"Err\""), answer);
        open.getFirst().close();
        open.removeFirst();
        Thread.sleep(100);
        assertTrue(exchange(post("/Test.Change", "{}", "")).startsWith("HTTP/1.1 200"), "a slot is free again");
    }

    @Test
    void aRequestThatDoesNotArriveWholeInTimeIs408() throws Exception {
        start(FAST);
        SocketChannel headerOnly = connect();
        send(headerOnly, "POST /Test.Change HTTP/1.1\r\nHost: plugin\r\n");
        SocketChannel partialBody = connect();
        send(partialBody, "POST /Test.Change HTTP/1.1\r\nHost: plugin\r\nContent-Length: 100\r\n\r\n{\"a\":");
        for (SocketChannel c : List.of(headerOnly, partialBody)) {
            String answer = readAll(c);
            assertTrue(answer.startsWith("HTTP/1.1 408"), answer);
        }
        assertEquals(0, executed.get());
    }

    @Test
    void partialBodiesBeyondTheByteBudgetAre503AndNothingLeaks() throws Exception {
        start(new ConnectionGuard.Limits(64, Duration.ofSeconds(30), Duration.ofSeconds(30), 4L << 20));
        byte[] half = new byte[512 * 1024];
        java.util.Arrays.fill(half, (byte) ' ');
        List<SocketChannel> slow = new ArrayList<>();
        for (int i = 0; i < 20; i++) {
            SocketChannel c = connect();
            send(c, "POST /Test.Change HTTP/1.1\r\nHost: plugin\r\nContent-Length: " + (1 << 20) + "\r\n\r\n");
            try {
                c.write(ByteBuffer.wrap(half));
            } catch (IOException refused) {
                // already answered and closed
            }
            slow.add(c);
        }
        int refused = 0;
        for (SocketChannel c : slow) {
            c.shutdownOutput();
        }
        for (SocketChannel c : slow) {
            if (readAll(c).startsWith("HTTP/1.1 503")) {
                refused++;
            }
        }
        assertTrue(refused >= 12, "at most 8 half MiB bodies fit in 4 MiB; refused " + refused);
        Thread.sleep(100);
        assertTrue(
                exchange(post("/Test.Change", "{}", "")).startsWith("HTTP/1.1 200"),
                "the budget is given back when the connections close");
        assertEquals(1, executed.get(), "no partial body was executed");
    }

    @Test
    void aHalfClosedConnectionDoesNotExecuteItsRequest() throws Exception {
        start(FAST);
        for (int i = 0; i < 20; i++) {
            SocketChannel c = connect();
            // the request and the end of input arrive together: the I/O thread is held busy
            // while both are sent (else a FIN after the read is a client gone mid-request)
            java.util.concurrent.CountDownLatch held = new java.util.concurrent.CountDownLatch(1);
            java.util.concurrent.CountDownLatch sent = new java.util.concurrent.CountDownLatch(1);
            server.eventLoops().execute(() -> {
                held.countDown();
                try {
                    sent.await(5, java.util.concurrent.TimeUnit.SECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            });
            held.await();
            send(c, post("/Test.Change", "{}", ""));
            c.shutdownOutput();
            sent.countDown();
            readAll(c);
        }
        Thread.sleep(300);
        assertEquals(0, executed.get());
    }

    @Test
    void httpVersionsAndEncodingsDockerNeverSendsAreRefused() throws Exception {
        start(FAST);
        String v99 = exchange(post("/Test.Change", "{}", "").replace("HTTP/1.1", "HTTP/9.9"));
        assertTrue(v99.startsWith("HTTP/1.1 505"), v99);
        String gzip = exchange(post("/Test.Change", "{}", "Content-Encoding: gzip\r\n"));
        assertTrue(gzip.startsWith("HTTP/1.1 415"), gzip);
        assertTrue(gzip.contains("Content-Encoding"), gzip);
        assertEquals(0, executed.get());
    }

    @Test
    void aFractionIsNotAnIntegerAndDuplicateKeysAreNamed() throws Exception {
        start(FAST);
        String fraction = exchange(post("/Test.Discover", "{\"DiscoveryType\":1.5}", ""));
        assertTrue(fraction.startsWith("HTTP/1.1 400"), fraction);
        assertTrue(fraction.contains("DiscoveryType must be an integer"), fraction);
        String dup = exchange(post("/Test.Discover", "{\"DiscoveryType\":1,\"DiscoveryType\":2}", ""));
        assertTrue(dup.startsWith("HTTP/1.1 400"), dup);
        assertTrue(dup.contains("duplicate field \\\"DiscoveryType\\\""), dup);
        assertEquals(0, executed.get());
    }

    /** What {@code action} logs, as the logging back end receives it (slf4j -> java.util.logging). */
    private static String logOf(ThrowingRunnable action) throws Exception {
        StringBuilder captured = new StringBuilder();
        java.util.logging.Handler capture = new java.util.logging.Handler() {
            @Override
            public synchronized void publish(java.util.logging.LogRecord r) {
                captured.append(r.getMessage()).append('\n'); // slf4j has formatted it already
            }

            @Override
            public void flush() {}

            @Override
            public void close() {}
        };
        java.util.logging.Logger root = java.util.logging.Logger.getLogger("");
        root.addHandler(capture);
        try {
            action.run();
            Thread.sleep(200);
        } finally {
            root.removeHandler(capture);
        }
        synchronized (capture) {
            return captured.toString();
        }
    }

    private interface ThrowingRunnable {
        void run() throws Exception;
    }

    @Test
    void controlBytesFromTheRequestAreEscapedInTheLog() throws Exception {
        start(FAST);
        String log = logOf(() -> {
            exchange(post("/Test.Fail?q=\u001b[31mFORGED", "{}", ""));
            exchange(
                    post("/Test.Fail", "{\"AddressSpace\":\"x\\n2026-12-04T00:00:00.000Z INFO Daemon - FORGED\"}", ""));
        });
        assertTrue(log.contains("\\x1b[31mFORGED"), log);
        assertFalse(log.contains("\u001b"), log);
        assertTrue(log.contains("x\\n2026-12-04T00:00:00.000Z INFO Daemon - FORGED"), log);
        assertFalse(log.contains("\n2026-12-04T00:00:00.000Z INFO Daemon - FORGED"), log);
    }

    @Test
    void fiveThousandUniqueUnknownPathsDoNotGrowTheStatistics() throws Exception {
        start(new ConnectionGuard.Limits(16, Duration.ofSeconds(30), Duration.ofSeconds(30), 4L << 20));
        String log = logOf(() -> {
            try (UnixHttpClient c = UnixHttpClient.connect(server.socketPath())) {
                for (int i = 0; i < 5000; i++) {
                    assertEquals(404, c.post("/Nope." + i + "?q=" + i, "{}").status());
                }
                assertEquals(200, c.post("/Test.Change", "{}").status());
            }
        });
        long lines = log.lines().filter(l -> l.contains("/Nope.")).count();
        assertTrue(lines >= 1 && lines < 50, "unknown paths are logged at most once a second: " + lines + " lines");
        assertTrue(
                stats.snapshot().size() <= 2,
                "keyed by route: " + stats.snapshot().keySet());
        assertEquals(5000, stats.snapshot().get(RequestStats.UNKNOWN)[1]);
    }

    @Test
    void oversizedBodiesOnOneConnectionDoNotUseUpTheBudget() throws Exception {
        start(new ConnectionGuard.Limits(64, Duration.ofSeconds(30), Duration.ofSeconds(30), 4L << 20));
        SocketChannel c = connect();
        byte[] body = new byte[(1 << 20) + 1000];
        java.util.Arrays.fill(body, (byte) ' ');
        for (int i = 0; i < 8; i++) {
            try {
                send(c, "POST /Test.Change HTTP/1.1\r\nHost: plugin\r\nContent-Length: " + body.length + "\r\n\r\n");
                ByteBuffer b = ByteBuffer.wrap(body);
                while (b.hasRemaining()) {
                    c.write(b);
                }
            } catch (IOException closed) {
                break;
            }
        }
        Thread.sleep(200);
        assertTrue(
                exchange(post("/Test.Change", "{}", "")).startsWith("HTTP/1.1 200"),
                "the budget is not used up by bodies the server refused itself");
        c.configureBlocking(false);
        ByteBuffer in = ByteBuffer.allocate(1 << 16);
        StringBuilder answers = new StringBuilder();
        while (c.read(in) > 0) {
            answers.append(new String(in.array(), 0, in.position(), StandardCharsets.ISO_8859_1));
            in.clear();
        }
        assertTrue(answers.toString().startsWith("HTTP/1.1 413"), answers.toString());
        assertTrue(!answers.toString().contains(" 503 "), "the refused bodies held no budget: " + answers);
    }

    @Test
    void bodiesTrickledInSmallPiecesHoldNoMoreMemoryThanTheirBytes() throws Exception {
        // Each small read used to stay referenced by the aggregator as a slice of the buffer it was
        // read into, so a body sent 100 bytes at a time pinned kilobytes of direct memory per 100
        // bytes counted: 250 such connections within the byte budget ended in
        // OutOfDirectMemoryError. Held bodies now cost their bytes, not their reads' buffers.
        start(new ConnectionGuard.Limits(64, Duration.ofSeconds(30), Duration.ofSeconds(30), 4L << 20));
        List<SocketChannel> slow = new ArrayList<>();
        for (int i = 0; i < 32; i++) {
            SocketChannel c = connect();
            send(c, "POST /Test.Change HTTP/1.1\r\nHost: plugin\r\nContent-Length: " + (1 << 20) + "\r\n\r\n");
            slow.add(c);
        }
        long before = io.netty.util.internal.PlatformDependent.usedDirectMemory();
        String piece = " ".repeat(100);
        for (int round = 0; round < 800; round++) {
            for (SocketChannel c : slow) {
                send(c, piece);
            }
            Thread.sleep(1); // one read per piece, as a slow client's bytes arrive
        }
        Thread.sleep(300);
        long held = io.netty.util.internal.PlatformDependent.usedDirectMemory() - before;
        long sent = 32L * 800 * 100;
        assertTrue(held < sent + (2 << 20), "direct memory held for " + sent + " body bytes: " + held);
        assertEquals(0, executed.get());
    }

    @Test
    void directoriesMadeForTheSocketArePrivate() throws Exception {
        // the test JVM's umask (022) made them 0755 before; under umask 000 they were 0777, a
        // directory where anyone could plant a socket Docker would take for a plugin
        dir = Files.createTempDirectory("jovl-guard");
        Path socket = dir.resolve("a").resolve("plugins").resolve("p.sock");
        server = PluginServer.start(socket, RouteTable.complete(Map.of()), executor, stats, FAST);
        try {
            for (Path p : List.of(dir.resolve("a"), socket.getParent())) {
                assertEquals(
                        "rwx------",
                        java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)),
                        p.toString());
            }
            assertEquals(
                    "rw-------",
                    java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
        } finally {
            server.close();
            server = null;
            Files.deleteIfExists(socket.getParent());
            Files.deleteIfExists(dir.resolve("a"));
        }
    }

    @Test
    void theSocketIsBoundWhereOnlyItsOwnerCanReachItThenMovedIntoPlace() throws Exception {
        // bound in place it was 0777 minus the umask until the chmod: under umask 000 anyone could
        // connect in that window (the directory here is 0755, as Docker's plugin directory)
        dir = Files.createTempDirectory("jovl-guard");
        Files.setPosixFilePermissions(dir, java.nio.file.attribute.PosixFilePermissions.fromString("rwxr-xr-x"));
        Path socket = dir.resolve("p.sock");
        List<String> whereBound = new ArrayList<>();
        try (java.nio.channels.ServerSocketChannel listener = PluginServer.bindPrivately(
                socket,
                at -> {
                    whereBound.add(java.nio.file.attribute.PosixFilePermissions.toString(
                                    Files.getPosixFilePermissions(at.getParent()))
                            + (Files.exists(socket) ? " final path taken" : " final path free"));
                    return java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)
                            .bind(UnixDomainSocketAddress.of(at));
                },
                l -> {})) {
            assertEquals(List.of("rwx------ final path free"), whereBound);
            assertEquals(
                    "rw-------",
                    java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            try (java.util.stream.Stream<Path> left = Files.list(dir)) {
                assertEquals(List.of(socket), left.toList(), "no staging directory is left");
            }
            try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
                assertTrue(c.isConnected(), "the moved socket is the listening one");
            }
        } finally {
            Files.deleteIfExists(socket);
        }
    }
}
