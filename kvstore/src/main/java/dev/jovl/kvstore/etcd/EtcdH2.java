package dev.jovl.kvstore.etcd;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import io.netty.handler.codec.http2.DefaultHttp2DataFrame;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersFrame;
import io.netty.handler.codec.http2.Http2DataFrame;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2Headers;
import io.netty.handler.codec.http2.Http2HeadersFrame;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamChannelBootstrap;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpTimeoutException;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;

/**
 * HTTP/2 over TLS (ALPN {@code h2}) on Netty, for etcd's gRPC API: one connection per endpoint,
 * one stream per call. Unlike the JDK's client it shows a response's trailers, where etcd (its
 * gRPC server behind {@code net/http}, as etcd serves it on a TLS client port) puts
 * {@code grpc-status} and {@code grpc-message} of every answer, the errors included.
 *
 * <p>Failures are {@link IOException}s the gateway code already classifies: a refused or timed
 * out connection is a {@link java.net.ConnectException} (Netty's {@code ConnectTimeoutException}
 * is one), a TLS failure carries the {@link javax.net.ssl.SSLException} as its cause, a deadline
 * is an {@link HttpTimeoutException}.
 */
final class EtcdH2 implements AutoCloseable {
    private static final AttributeKey<Throwable> FAILURE = AttributeKey.valueOf("jovl-etcd-h2-failure");
    private static final byte[] END = new byte[0];

    /** A finished call: response headers, body, trailers (empty for a trailers-only answer). */
    record Result(Http2Headers headers, byte[] body, Http2Headers trailers) {
        /** A header of the trailers, else of the headers (a trailers-only answer). */
        String status(String name) {
            CharSequence v = trailers.get(name);
            if (v == null) {
                v = headers.get(name);
            }
            return v == null ? null : v.toString();
        }
    }

    private final EventLoopGroup group;
    private final SslContext ssl;
    private final boolean verifyHostname;
    private final Duration connectTimeout;
    private final Map<URI, Channel> connections = new ConcurrentHashMap<>();

    /**
     * @param verifyHostname whether the JDK checks the URL's host against the certificate (false
     *     when the context's trust manager checks an overriding server name itself)
     */
    EtcdH2(SSLContext context, boolean verifyHostname, Duration connectTimeout) {
        this.ssl = new JdkSslContext(
                context,
                true,
                null,
                IdentityCipherSuiteFilter.INSTANCE,
                new ApplicationProtocolConfig(
                        ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2),
                ClientAuth.NONE,
                null,
                false);
        this.verifyHostname = verifyHostname;
        this.connectTimeout = connectTimeout;
        this.group = new MultiThreadIoEventLoopGroup(
                1, Thread.ofPlatform().daemon().name("jovl-etcd-h2-", 0).factory(), NioIoHandler.newFactory());
    }

    /** One request (headers + one DATA frame), the whole answer, within {@code deadline}. */
    Result call(URI endpoint, String path, Map<String, String> headers, byte[] body, Duration deadline)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + deadline.toNanos();
        Collector collector = new Collector(null);
        Http2StreamChannel stream = open(endpoint, path, headers, body, collector, end);
        try {
            return collector.done.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            stream.close();
            throw new HttpTimeoutException("etcd " + endpoint + " gave no answer to " + path + " within " + deadline);
        } catch (ExecutionException e) {
            throw asIo(e.getCause());
        }
    }

    /** An opened stream: its response headers and its body as it comes (trailers end it). */
    record Streaming(Http2Headers headers, InputStream body) {}

    /** Sends one request and waits (up to {@code openWithin}) for the answer to start. */
    Streaming stream(URI endpoint, String path, Map<String, String> headers, byte[] body, Duration openWithin)
            throws IOException, InterruptedException {
        long end = System.nanoTime() + openWithin.toNanos();
        QueueStream data = new QueueStream();
        Collector collector = new Collector(data);
        Http2StreamChannel stream = open(endpoint, path, headers, body, collector, end);
        data.channel = stream;
        try {
            Http2Headers h = collector.started.get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
            return new Streaming(h, data);
        } catch (TimeoutException e) {
            stream.close();
            throw new HttpTimeoutException("etcd " + endpoint + " did not open " + path + " within " + openWithin);
        } catch (ExecutionException e) {
            throw asIo(e.getCause());
        }
    }

    private Http2StreamChannel open(
            URI endpoint, String path, Map<String, String> headers, byte[] body, Collector collector, long end)
            throws IOException, InterruptedException {
        Channel parent = connection(endpoint, end);
        Http2StreamChannel stream;
        try {
            stream = new Http2StreamChannelBootstrap(parent)
                    .handler(collector)
                    .open()
                    .get(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS);
        } catch (TimeoutException e) {
            throw new HttpTimeoutException("no HTTP/2 stream to etcd " + endpoint + " in time");
        } catch (ExecutionException e) {
            throw asIo(e.getCause() == null ? e : e.getCause(), parent);
        }
        Http2Headers h = new DefaultHttp2Headers()
                .method("POST")
                .scheme("https")
                .authority(endpoint.getHost() + ":" + endpoint.getPort())
                .path("/" + path);
        headers.forEach((k, v) -> h.add(k.toLowerCase(java.util.Locale.ROOT), v));
        stream.write(new DefaultHttp2HeadersFrame(h, false));
        stream.writeAndFlush(new DefaultHttp2DataFrame(Unpooled.wrappedBuffer(body), true));
        return stream;
    }

    private Channel connection(URI endpoint, long end) throws IOException, InterruptedException {
        Channel ch = connections.get(endpoint);
        if (ch != null && ch.isActive()) {
            return ch;
        }
        synchronized (this) {
            ch = connections.get(endpoint);
            if (ch != null && ch.isActive()) {
                return ch;
            }
            String host = endpoint.getHost().startsWith("[")
                    ? endpoint.getHost().substring(1, endpoint.getHost().length() - 1)
                    : endpoint.getHost();
            int port = endpoint.getPort();
            long left = Math.max(1, Math.min(end - System.nanoTime(), connectTimeout.toNanos()));
            SslHandler[] tls = new SslHandler[1];
            Bootstrap b = new Bootstrap()
                    .group(group)
                    .channel(NioSocketChannel.class)
                    .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) Math.max(1, left / 1_000_000))
                    .handler(new ChannelInitializer<SocketChannel>() {
                        @Override
                        protected void initChannel(SocketChannel c) {
                            SslHandler handler = ssl.newHandler(c.alloc(), host, port);
                            if (verifyHostname) {
                                SSLEngine engine = handler.engine();
                                SSLParameters params = engine.getSSLParameters();
                                params.setEndpointIdentificationAlgorithm("HTTPS");
                                engine.setSSLParameters(params);
                            }
                            tls[0] = handler;
                            c.pipeline()
                                    .addLast(
                                            handler,
                                            Http2FrameCodecBuilder.forClient().build(),
                                            new Http2MultiplexHandler(new ChannelInboundHandlerAdapter()),
                                            new ChannelInboundHandlerAdapter() {
                                                @Override
                                                public void exceptionCaught(
                                                        ChannelHandlerContext ctx, Throwable cause) {
                                                    ctx.channel().attr(FAILURE).setIfAbsent(cause);
                                                    ctx.close();
                                                }
                                            });
                        }
                    });
            ChannelFuture connect = b.connect(host, port);
            if (!connect.await(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                connect.cancel(true);
                throw new io.netty.channel.ConnectTimeoutException("cannot connect to etcd " + endpoint + " in time");
            }
            if (!connect.isSuccess()) {
                throw asIo(connect.cause());
            }
            Channel c = connect.channel();
            var handshake = tls[0].handshakeFuture();
            if (!handshake.await(Math.max(1, end - System.nanoTime()), TimeUnit.NANOSECONDS)) {
                c.close();
                throw new HttpTimeoutException("no TLS handshake with etcd " + endpoint + " in time");
            }
            if (!handshake.isSuccess()) {
                c.close();
                Throwable failure = c.attr(FAILURE).get();
                if (handshake.cause() instanceof java.nio.channels.ClosedChannelException
                        || failure instanceof io.netty.handler.ssl.NotSslRecordException) {
                    // etcd's plain client port (cmux) closes a connection that opens with a TLS
                    // ClientHello without a word; a plain HTTP server answers in plain text.
                    // A ConnectException: nothing was sent, so even a write is retried on the
                    // other endpoints until the deadline.
                    java.net.ConnectException e = new java.net.ConnectException(
                            "etcd " + endpoint + " ended the TLS handshake, as a port that does not speak TLS does"
                                    + " (if it serves plain http, write etcd:// without +https and give no --store-cacert)");
                    e.initCause(failure != null ? failure : handshake.cause());
                    throw e;
                }
                throw asIo(handshake.cause(), c);
            }
            if (!ApplicationProtocolNames.HTTP_2.equals(tls[0].applicationProtocol())) {
                c.close();
                throw new IOException("etcd " + endpoint + " did not agree to HTTP/2 (ALPN h2) for its gRPC API");
            }
            Channel old = connections.put(endpoint, c);
            if (old != null) {
                old.close();
            }
            return c;
        }
    }

    private static IOException asIo(Throwable t) {
        return t instanceof IOException io ? io : new IOException(String.valueOf(t.getMessage()), t);
    }

    private static IOException asIo(Throwable t, Channel parent) {
        Throwable failure = parent.attr(FAILURE).get();
        return asIo(failure != null ? failure : t);
    }

    /** Collects one stream's answer; for a streaming call, passes its body on as it comes. */
    private static final class Collector extends ChannelInboundHandlerAdapter {
        final CompletableFuture<Result> done = new CompletableFuture<>();
        final CompletableFuture<Http2Headers> started = new CompletableFuture<>();
        private final QueueStream sink;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private Http2Headers headers;
        private Http2Headers trailers = new DefaultHttp2Headers();

        Collector(QueueStream sink) {
            this.sink = sink;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                boolean endStream = false;
                if (msg instanceof Http2HeadersFrame frame) {
                    if (headers == null) {
                        headers = frame.headers();
                        started.complete(headers);
                    } else {
                        trailers = frame.headers();
                    }
                    endStream = frame.isEndStream();
                } else if (msg instanceof Http2DataFrame frame) {
                    ByteBuf content = frame.content();
                    byte[] bytes = new byte[content.readableBytes()];
                    content.readBytes(bytes);
                    if (sink != null) {
                        sink.offer(bytes);
                    } else {
                        body.writeBytes(bytes);
                    }
                    endStream = frame.isEndStream();
                }
                if (endStream) {
                    finish(null);
                    ctx.close();
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void finish(Throwable failure) {
            if (failure != null) {
                started.completeExceptionally(failure);
                done.completeExceptionally(failure);
                if (sink != null) {
                    sink.fail(failure instanceof IOException io ? io : new IOException(failure));
                }
                return;
            }
            if (headers == null) {
                headers = new DefaultHttp2Headers();
                started.complete(headers);
            }
            Result result = new Result(headers, body.toByteArray(), trailers);
            done.complete(result);
            if (sink != null) {
                sink.end(result);
            }
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            if (!done.isDone()) {
                Throwable parentFailure = ctx.channel().parent() == null
                        ? null
                        : ctx.channel().parent().attr(FAILURE).get();
                finish(new IOException(
                        "etcd closed the HTTP/2 stream"
                                + (parentFailure == null ? "" : ": " + parentFailure.getMessage()),
                        parentFailure));
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (!done.isDone()) {
                finish(cause);
            }
            ctx.close();
        }
    }

    /**
     * A streaming answer's body as an InputStream. At its end, a {@code grpc-status} other than
     * 0 in the trailers is an IOException carrying {@code grpc-message}. Closing it resets the stream.
     */
    static final class QueueStream extends ChunkStream {
        private final BlockingQueue<byte[]> chunks = new LinkedBlockingQueue<>();
        private volatile IOException failure;
        private volatile Result result;
        volatile Channel channel;
        private boolean ended;

        void offer(byte[] bytes) {
            chunks.add(bytes);
        }

        void end(Result r) {
            result = r;
            chunks.add(END);
        }

        void fail(IOException e) {
            failure = e;
            chunks.add(END);
        }

        @Override
        protected byte[] nextChunk() throws IOException {
            if (ended) {
                return null;
            }
            byte[] next;
            try {
                next = chunks.take();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted reading etcd's stream");
            }
            if (next != END) {
                return next;
            }
            ended = true;
            if (failure != null) {
                throw failure;
            }
            Result r = result;
            String status = r == null ? null : r.status("grpc-status");
            if (status != null && !status.equals("0")) {
                throw new IOException(
                        "etcd ended the stream: " + EtcdGrpc.percentDecode(String.valueOf(r.status("grpc-message")))
                                + " (gRPC status " + status + ")");
            }
            return null;
        }

        @Override
        public void close() {
            Channel c = channel;
            if (c != null) {
                c.close();
            }
            fail(new IOException("closed"));
        }
    }

    @Override
    public void close() {
        // let each channel finish closing (its close listeners run on its event loop) before the
        // loops stop: else Netty logs an ERROR "Failed to submit a listener notification task"
        // at every daemon shutdown
        connections.values().stream().map(Channel::close).toList().forEach(f -> f.awaitUninterruptibly(1000));
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
    }
}
