package dev.jovl.driver.docker;

import java.io.BufferedInputStream;
import java.io.Closeable;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 GET requests over a Unix domain socket, one connection per request
 * ({@code Connection: close}): enough for Docker's Engine API, which is local and cheap to dial.
 * Bodies framed by Content-Length, chunked coding, or the end of the connection.
 *
 * <p>A blocking channel has no read timeout, so a watchdog closes the connection when the
 * deadline passes; the blocked read then fails with an I/O error.
 */
final class UnixHttpClient implements AutoCloseable {

    private final Path socket;
    private final ScheduledExecutorService watchdog = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("jovl-docker-watchdog").daemon().factory());

    UnixHttpClient(Path socket) {
        this.socket = socket;
    }

    Path socket() {
        return socket;
    }

    /** An HTTP response whose body is read from the live connection; close it when done. */
    static final class Response implements Closeable {
        final int status;
        final Map<String, String> headers;
        final InputStream body;
        private final SocketChannel channel;
        private volatile ScheduledFuture<?> deadline;

        private Response(int status, Map<String, String> headers, InputStream body, SocketChannel channel,
                         ScheduledFuture<?> deadline) {
            this.status = status;
            this.headers = headers;
            this.body = body;
            this.channel = channel;
            this.deadline = deadline;
        }

        /** Lets a stream run without deadline once its headers have come (the event stream). */
        void clearDeadline() {
            ScheduledFuture<?> d = deadline;
            if (d != null) {
                d.cancel(false);
            }
        }

        @Override
        public void close() throws IOException {
            clearDeadline();
            channel.close();
        }
    }

    /**
     * Sends {@code GET target} and reads the status line and headers.
     *
     * @param timeout the deadline for the whole exchange, body included, until
     *                {@link Response#clearDeadline()}
     */
    Response get(String target, Duration timeout) throws DockerApiException {
        SocketChannel channel = null;
        ScheduledFuture<?> deadline = null;
        try {
            channel = SocketChannel.open(StandardProtocolFamily.UNIX);
            SocketChannel toClose = channel;
            deadline = watchdog.schedule(() -> {
                try {
                    toClose.close();
                } catch (IOException ignored) {
                    // closing is all we wanted
                }
            }, timeout.toMillis(), TimeUnit.MILLISECONDS);
            channel.connect(UnixDomainSocketAddress.of(socket));
            String request = "GET " + target + " HTTP/1.1\r\nHost: docker\r\nUser-Agent: jovl\r\n"
                    + "Accept: application/json\r\nConnection: close\r\n\r\n";
            ByteBuffer out = ByteBuffer.wrap(HttpLines.ascii(request));
            while (out.hasRemaining()) {
                channel.write(out);
            }
            InputStream in = new BufferedInputStream(Channels.newInputStream(channel), 16 * 1024);
            String statusLine = HttpLines.readLine(in);
            if (statusLine == null || !statusLine.startsWith("HTTP/1.") || statusLine.length() < 12) {
                throw new IOException("not an HTTP response: " + statusLine);
            }
            int status = Integer.parseInt(statusLine.substring(9, 12));
            Map<String, String> headers = new HashMap<>();
            String line;
            while ((line = HttpLines.readLine(in)) != null && !line.isEmpty()) {
                int colon = line.indexOf(':');
                if (colon > 0) {
                    headers.put(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim());
                }
            }
            if (line == null) {
                throw new IOException("connection closed inside the HTTP headers");
            }
            return new Response(status, headers, body(in, headers), channel, deadline);
        } catch (IOException | RuntimeException e) {
            if (deadline != null) {
                deadline.cancel(false);
            }
            if (channel != null) {
                try {
                    channel.close();
                } catch (IOException ignored) {
                    // already failing
                }
            }
            throw new DockerApiException("GET " + target + " on " + socket + " failed: " + e.getMessage(), e);
        }
    }

    private static InputStream body(InputStream in, Map<String, String> headers) throws IOException {
        if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            return new ChunkedInputStream(in);
        }
        String length = headers.get("content-length");
        if (length != null) {
            long n;
            try {
                n = Long.parseLong(length);
            } catch (NumberFormatException e) {
                throw new IOException("bad Content-Length: " + length);
            }
            return new LimitedInputStream(in, n);
        }
        return in;
    }

    /** Exactly {@code limit} bytes of the underlying stream. */
    private static final class LimitedInputStream extends FilterInputStream {
        private long left;

        LimitedInputStream(InputStream in, long limit) {
            super(in);
            this.left = limit;
        }

        @Override
        public int read() throws IOException {
            if (left <= 0) {
                return -1;
            }
            int c = super.read();
            if (c >= 0) {
                left--;
            }
            return c;
        }

        @Override
        public int read(byte[] b, int off, int len) throws IOException {
            if (left <= 0) {
                return -1;
            }
            int n = super.read(b, off, (int) Math.min(len, left));
            if (n > 0) {
                left -= n;
            }
            return n;
        }
    }

    @Override
    public void close() {
        watchdog.shutdownNow();
    }
}
