package dev.jovl.kvstore.consul;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.net.http.HttpTimeoutException;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * HTTP/1.1 to Consul's agent on a unix socket ({@code CONSUL_HTTP_ADDR=unix:///path}, which the
 * JDK's HTTP client cannot dial): one connection per request ({@code Connection: close}), the
 * answer read to its {@code Content-Length}, its last chunk, or the end of the connection.
 * The deadline closes the connection.
 */
final class UnixHttp {
    private static final ScheduledExecutorService DEADLINES = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().daemon().name("jovl-consul-unix-deadline").factory());

    private final Path socket;

    UnixHttp(Path socket) {
        this.socket = socket;
    }

    ConsulHttp.Answer exchange(
            String method, String target, byte[] body, Map<String, String> headers, Duration deadline)
            throws IOException {
        try (SocketChannel channel = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            java.util.concurrent.atomic.AtomicBoolean expired = new java.util.concurrent.atomic.AtomicBoolean();
            ScheduledFuture<?> timer = DEADLINES.schedule(
                    () -> {
                        expired.set(true);
                        try {
                            channel.close();
                        } catch (IOException ignored) {
                            // closing is all we wanted
                        }
                    },
                    deadline.toMillis(),
                    TimeUnit.MILLISECONDS);
            try {
                channel.connect(UnixDomainSocketAddress.of(socket));
                StringBuilder head = new StringBuilder();
                head.append(method)
                        .append(' ')
                        .append(target)
                        .append(" HTTP/1.1\r\n")
                        .append("Host: localhost\r\nConnection: close\r\n");
                headers.forEach((k, v) -> head.append(k).append(": ").append(v).append("\r\n"));
                byte[] payload = body == null ? new byte[0] : body;
                head.append("Content-Length: ").append(payload.length).append("\r\n\r\n");
                var out = Channels.newOutputStream(channel);
                out.write(head.toString().getBytes(StandardCharsets.ISO_8859_1));
                out.write(payload);
                out.flush();
                return read(Channels.newInputStream(channel));
            } catch (IOException e) {
                if (expired.get()) {
                    throw new HttpTimeoutException("no answer from " + socket + " within " + deadline);
                }
                throw e;
            } finally {
                timer.cancel(false);
            }
        }
    }

    private static ConsulHttp.Answer read(InputStream in) throws IOException {
        String status = line(in);
        String[] parts = status.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP answer: " + status);
        }
        int code = Integer.parseInt(parts[1]);
        long length = -1;
        boolean chunked = false;
        long index = 0;
        boolean filtered = false;
        for (String h = line(in); !h.isEmpty(); h = line(in)) {
            int colon = h.indexOf(':');
            if (colon < 0) {
                continue;
            }
            String name = h.substring(0, colon).trim().toLowerCase(Locale.ROOT);
            String value = h.substring(colon + 1).trim();
            switch (name) {
                case "content-length" -> length = Long.parseLong(value);
                case "transfer-encoding" ->
                    chunked = value.toLowerCase(Locale.ROOT).contains("chunked");
                case "x-consul-index" -> index = Long.parseLong(value);
                case "x-consul-results-filtered-by-acls" -> filtered = value.equals("true");
                default -> {}
            }
        }
        byte[] body;
        if (chunked) {
            ByteArrayOutputStream b = new ByteArrayOutputStream();
            while (true) {
                String size = line(in);
                int semi = size.indexOf(';');
                int n = Integer.parseInt((semi < 0 ? size : size.substring(0, semi)).trim(), 16);
                if (n == 0) {
                    break;
                }
                b.write(in.readNBytes(n));
                line(in);
            }
            body = b.toByteArray();
        } else if (length >= 0) {
            body = in.readNBytes((int) length);
            if (body.length < length) {
                throw new EOFException("the answer ended early");
            }
        } else {
            body = in.readAllBytes();
        }
        return new ConsulHttp.Answer(code, body, index, filtered);
    }

    private static String line(InputStream in) throws IOException {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        int c;
        while ((c = in.read()) != '\n') {
            if (c < 0) {
                throw new EOFException("the connection ended mid-answer");
            }
            if (c != '\r') {
                b.write(c);
            }
        }
        return b.toString(StandardCharsets.ISO_8859_1);
    }
}
