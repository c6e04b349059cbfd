package dev.jovl.unixhttp;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollDomainSocketChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * jovl's one HTTP/1.1 client: Netty's HTTP codec on a Unix domain socket (native epoll), with a
 * blocking face. One connection per instance, one request at a time, kept alive between requests
 * unless the server closes it. Used for Docker's Engine API ({@link #get}, {@link #stream} for
 * {@code /events}) and for jovl's own plugin socket ({@link #post}, {@link #send}; {@code jovl
 * status}, the tests, the benchmark).
 *
 * <p>Reads are bounded: a response body of more than {@link #MAX_BODY_BYTES}, a streamed line of
 * more than {@link #MAX_LINE_BYTES}, or a status line or headers beyond the codec's limits fail
 * with an {@link IOException}, and the connection reads only when its reader asks for more (no
 * auto-read), so a peer that floods cannot fill memory. Every wait has the client's timeout,
 * except a stream after its headers, which waits until data comes or {@link #close()}.
 */
public final class UnixHttpClient implements AutoCloseable {
    public static final int MAX_BODY_BYTES = 4 << 20;
    public static final int MAX_LINE_BYTES = 1 << 20;
    private static final int MAX_INITIAL_LINE = 4096;
    private static final int MAX_HEADER_BYTES = 16 * 1024;
    private static final int MAX_CHUNK_BYTES = 64 * 1024;
    private static final Object CLOSED = new Object();

    /** One I/O thread for every client in the process, made on first use; daemon, so it never holds up exit. */
    private static EventLoopGroup group;

    private final Path socket;
    private final Duration timeout;
    private final Channel channel;
    /** What the event loop decoded: HttpResponse heads, byte[] content, LastHttpContent.EMPTY_LAST_CONTENT, Throwable, CLOSED. */
    private final BlockingQueue<Object> inbox;

    /**
     * A whole response: its status, its body as UTF-8 text, and its headers (names in lower case,
     * the first value of each).
     */
    public record Response(int status, String body, Map<String, String> headers) {
        public Response {
            headers = Map.copyOf(headers);
        }

        /** The first value of header {@code name} (any case), or null. */
        public String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }
    }

    private UnixHttpClient(Path socket, Duration timeout, Channel channel, BlockingQueue<Object> inbox) {
        this.socket = socket;
        this.timeout = timeout;
        this.channel = channel;
        this.inbox = inbox;
    }

    private static synchronized EventLoopGroup group() {
        if (group == null) {
            group = new MultiThreadIoEventLoopGroup(
                    1, new DefaultThreadFactory("jovl-http-client", true), EpollIoHandler.newFactory());
        }
        return group;
    }

    /** Connects to {@code socket} with a two-minute timeout (a plugin call waits at most that long for its answer). */
    public static UnixHttpClient connect(Path socket) throws IOException {
        return connect(socket, Duration.ofMinutes(2));
    }

    /** Connects to {@code socket}; {@code timeout} bounds the connect and each later wait for a response. */
    public static UnixHttpClient connect(Path socket, Duration timeout) throws IOException {
        BlockingQueue<Object> inbox = new LinkedBlockingQueue<>();
        Bootstrap b = new Bootstrap()
                .group(group())
                .channel(EpollDomainSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.min(Integer.MAX_VALUE, timeout.toMillis()))
                .handler(new io.netty.channel.ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        ch.pipeline()
                                .addLast(
                                        "http",
                                        new HttpClientCodec(MAX_INITIAL_LINE, MAX_HEADER_BYTES, MAX_CHUNK_BYTES))
                                .addLast("inbox", new Inbox(inbox));
                    }
                });
        var connect = b.connect(new DomainSocketAddress(socket.toFile()));
        try {
            if (!connect.await(timeout.toMillis() + 1000)) {
                connect.channel().close();
                throw new SocketTimeoutException("connect to " + socket + " timed out");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            connect.channel().close();
            throw new InterruptedIOException("interrupted connecting to " + socket);
        }
        if (!connect.isSuccess()) {
            Throwable cause = connect.cause();
            // Netty's native connect failure may carry no message: say what is most likely wrong
            String why = cause.getMessage() != null
                    ? cause.getMessage()
                    : java.nio.file.Files.exists(socket) ? cause.toString() : "no such socket file";
            throw new IOException("cannot connect to " + socket + ": " + why, cause);
        }
        return new UnixHttpClient(socket, timeout, connect.channel(), inbox);
    }

    public Path socket() {
        return socket;
    }

    /** POSTs {@code body} (may be empty) as Docker posts to a plugin, e.g. to {@code /NetworkDriver.Join}. */
    public Response post(String path, String body) throws IOException {
        FullHttpRequest request = request(
                HttpMethod.POST,
                path,
                "application/vnd.docker.plugins.v1.2+json",
                body.getBytes(StandardCharsets.UTF_8));
        request.headers().set(HttpHeaderNames.HOST, "plugin.moby.localhost");
        return exchange(request);
    }

    /** {@code GET target} as a Docker Engine API client. */
    public Response get(String target) throws IOException {
        return exchange(request(HttpMethod.GET, target, "application/json", new byte[0]));
    }

    /**
     * Any request: {@code method target} with {@code headers} and {@code body} (null for none),
     * read to its end. Host, User-Agent and Content-Length are set unless {@code headers} names them.
     */
    public Response exchange(String method, String target, Map<String, String> headers, byte[] body)
            throws IOException {
        FullHttpRequest request =
                request(HttpMethod.valueOf(method), target, "application/json", body == null ? new byte[0] : body);
        headers.forEach((name, value) -> request.headers().set(name, value));
        return exchange(request);
    }

    /** Sends raw bytes (malformed requests included), past the encoder, and reads one response. */
    public Response send(byte[] rawRequest) throws IOException {
        // written from the codec's context outwards, so the bytes go to the socket as they are
        write(() -> channel.pipeline().context("http").writeAndFlush(Unpooled.wrappedBuffer(rawRequest)));
        return readWhole();
    }

    /**
     * {@code GET target} whose body is read a line at a time as it arrives ({@code /events}:
     * one JSON document a line). Returns the status once the headers came; read the body with
     * {@link #readLine()}, and close the client to end the stream.
     */
    public int stream(String target) throws IOException {
        FullHttpRequest request = request(HttpMethod.GET, target, "application/json", new byte[0]);
        write(() -> channel.writeAndFlush(request));
        return head(deadline()).status().code();
    }

    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private byte[] pending = new byte[0];
    private int pendingAt;
    private boolean ended;

    /**
     * The next line of a {@link #stream} body without its line end (a last line without one
     * counts too), or null at its end. Waits without deadline; {@link #close()} ends the wait.
     */
    public String readLine() throws IOException {
        while (true) {
            for (; pendingAt < pending.length; pendingAt++) {
                byte c = pending[pendingAt];
                if (c == '\n') {
                    pendingAt++;
                    return takeLine();
                }
                if (line.size() >= MAX_LINE_BYTES) {
                    channel.close();
                    throw new IOException("streamed line longer than " + MAX_LINE_BYTES + " bytes from " + socket);
                }
                line.write(c);
            }
            if (ended) {
                return line.size() > 0 ? takeLine() : null;
            }
            Object next = take(Long.MAX_VALUE);
            if (next instanceof byte[] bytes) {
                pending = bytes;
                pendingAt = 0;
            } else if (next instanceof LastHttpContent) {
                ended = true;
            } else {
                throw unexpected(next);
            }
        }
    }

    private String takeLine() {
        String s = line.toString(StandardCharsets.UTF_8);
        line.reset();
        return s.endsWith("\r") ? s.substring(0, s.length() - 1) : s;
    }

    private static FullHttpRequest request(HttpMethod method, String target, String accept, byte[] body) {
        FullHttpRequest r =
                new DefaultFullHttpRequest(HttpVersion.HTTP_1_1, method, target, Unpooled.wrappedBuffer(body));
        r.headers()
                .set(HttpHeaderNames.HOST, "docker")
                .set(HttpHeaderNames.USER_AGENT, "jovl")
                .set(HttpHeaderNames.ACCEPT, accept)
                .setInt(HttpHeaderNames.CONTENT_LENGTH, body.length);
        return r;
    }

    private Response exchange(FullHttpRequest request) throws IOException {
        write(() -> channel.writeAndFlush(request));
        return readWhole();
    }

    private void write(java.util.function.Supplier<io.netty.channel.ChannelFuture> send) throws IOException {
        if (!channel.isActive()) {
            throw new EOFException("connection to " + socket + " is closed");
        }
        var written = send.get();
        try {
            if (!written.await(timeout.toMillis()) || !written.isSuccess()) {
                throw new IOException(
                        "cannot send to " + socket + ": "
                                + (written.cause() == null
                                        ? "timed out"
                                        : written.cause().getMessage()),
                        written.cause());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted sending to " + socket);
        }
    }

    private Response readWhole() throws IOException {
        long deadline = deadline();
        HttpResponse head = head(deadline);
        int status = head.status().code();
        Map<String, String> headers = new HashMap<>();
        head.headers().forEach(h -> headers.putIfAbsent(h.getKey().toLowerCase(Locale.ROOT), h.getValue()));
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            Object next = take(deadline);
            if (next instanceof byte[] bytes) {
                if (body.size() + bytes.length > MAX_BODY_BYTES) {
                    channel.close();
                    throw new IOException("response body from " + socket + " longer than " + MAX_BODY_BYTES + " bytes");
                }
                body.writeBytes(bytes);
            } else if (next instanceof LastHttpContent) {
                return new Response(status, body.toString(StandardCharsets.UTF_8), headers);
            } else {
                throw unexpected(next);
            }
        }
    }

    private HttpResponse head(long deadline) throws IOException {
        Object next = take(deadline);
        if (next instanceof HttpResponse response) {
            return response;
        }
        throw unexpected(next);
    }

    private long deadline() {
        return System.nanoTime() + timeout.toNanos();
    }

    /** The next decoded item, asking the connection for more bytes when none is waiting. */
    private Object take(long deadline) throws IOException {
        Object next = inbox.poll();
        if (next == null) {
            channel.read();
            try {
                while (next == null) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        channel.close();
                        throw new SocketTimeoutException("no response from " + socket + " within " + timeout);
                    }
                    next = inbox.poll(Math.min(left, TimeUnit.SECONDS.toNanos(1)), TimeUnit.NANOSECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                channel.close();
                throw new InterruptedIOException("interrupted waiting for " + socket);
            }
        }
        if (next == CLOSED) {
            inbox.add(CLOSED); // every later read sees it too
        }
        return next;
    }

    private IOException unexpected(Object item) {
        channel.close();
        if (item == CLOSED) {
            return new EOFException("connection to " + socket + " closed before the response ended");
        }
        if (item instanceof Throwable t) {
            return t instanceof IOException io
                    ? io
                    : new IOException("bad HTTP response from " + socket + ": " + t.getMessage(), t);
        }
        return new IOException("unexpected HTTP response part from " + socket + ": " + item);
    }

    @Override
    public void close() {
        channel.close().awaitUninterruptibly(timeout.toMillis());
    }

    /** Runs on the event loop: hands what the codec decoded to the reading thread, copied out of Netty's buffers. */
    private static final class Inbox extends ChannelInboundHandlerAdapter {
        private final BlockingQueue<Object> inbox;

        Inbox(BlockingQueue<Object> inbox) {
            this.inbox = inbox;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpObject o && o.decoderResult().isFailure()) {
                    inbox.add(o.decoderResult().cause());
                    ctx.close();
                    return;
                }
                if (msg instanceof HttpResponse response) {
                    inbox.add(response);
                }
                if (msg instanceof HttpContent content) {
                    ByteBuf data = content.content();
                    if (data.isReadable()) {
                        byte[] bytes = new byte[data.readableBytes()];
                        data.readBytes(bytes);
                        inbox.add(bytes);
                    }
                    if (msg instanceof LastHttpContent) {
                        inbox.add(LastHttpContent.EMPTY_LAST_CONTENT);
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            inbox.add(cause);
            ctx.close();
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            inbox.add(CLOSED);
        }
    }
}
