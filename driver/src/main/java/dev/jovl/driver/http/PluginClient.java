package dev.jovl.driver.http;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Locale;

/**
 * A small HTTP/1.1 client over a Unix socket, speaking to the plugin as Docker does (POST, JSON,
 * keep-alive, {@code Host: plugin.moby.localhost}). Used by {@code jovl status}, the tests and the
 * benchmark; one request at a time.
 */
public final class PluginClient implements AutoCloseable {
    private final SocketChannel channel;
    private final InputStream in;
    private final OutputStream out;

    public record Response(int status, String body) {
    }

    private PluginClient(SocketChannel channel) {
        this.channel = channel;
        this.in = new BufferedInputStream(Channels.newInputStream(channel));
        this.out = Channels.newOutputStream(channel);
    }

    public static PluginClient connect(Path socket) throws IOException {
        SocketChannel ch = SocketChannel.open(StandardProtocolFamily.UNIX);
        try {
            ch.connect(UnixDomainSocketAddress.of(socket));
        } catch (IOException e) {
            ch.close();
            throw e;
        }
        return new PluginClient(ch);
    }

    /** POSTs {@code body} (may be empty) to {@code path}, e.g. {@code /NetworkDriver.Join}. */
    public Response post(String path, String body) throws IOException {
        byte[] content = body.getBytes(StandardCharsets.UTF_8);
        String head = "POST " + path + " HTTP/1.1\r\n"
                + "Host: plugin.moby.localhost\r\n"
                + "Accept: application/vnd.docker.plugins.v1.2+json\r\n"
                + "Content-Length: " + content.length + "\r\n\r\n";
        ByteArrayOutputStream request = new ByteArrayOutputStream();
        request.write(head.getBytes(StandardCharsets.US_ASCII));
        request.write(content);
        return send(request.toByteArray());
    }

    /** Sends raw bytes (malformed requests included) and reads one response. */
    public Response send(byte[] rawRequest) throws IOException {
        out.write(rawRequest);
        out.flush();
        return readResponse();
    }

    private Response readResponse() throws IOException {
        String statusLine = readLine();
        String[] parts = statusLine.split(" ", 3);
        if (parts.length < 2 || !parts[0].startsWith("HTTP/1.")) {
            throw new IOException("not an HTTP response: " + statusLine);
        }
        int status = Integer.parseInt(parts[1]);
        int length = -1;
        for (String line = readLine(); !line.isEmpty(); line = readLine()) {
            int colon = line.indexOf(':');
            if (colon > 0 && line.substring(0, colon).trim().toLowerCase(Locale.ROOT).equals("content-length")) {
                length = Integer.parseInt(line.substring(colon + 1).trim());
            }
        }
        byte[] body = length >= 0 ? in.readNBytes(length) : in.readAllBytes();
        if (length >= 0 && body.length < length) {
            throw new EOFException("connection closed in the middle of the body");
        }
        return new Response(status, new String(body, StandardCharsets.UTF_8));
    }

    private String readLine() throws IOException {
        StringBuilder b = new StringBuilder();
        while (true) {
            int c = in.read();
            if (c < 0) {
                throw new EOFException("connection closed");
            }
            if (c == '\n') {
                int n = b.length();
                return n > 0 && b.charAt(n - 1) == '\r' ? b.substring(0, n - 1) : b.toString();
            }
            b.append((char) c);
        }
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
