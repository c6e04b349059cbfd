package dev.jovl.driver.http;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.AttributeKey;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The plugin socket's bounds, per connection and for the whole server: at most
 * {@link Limits#maxConnections()} connections (one more is answered 503 and closed), a request must
 * arrive whole (header and body) within {@link Limits#requestTimeout()} of its first byte (else
 * 408 and close), a connection with nothing to do is closed after {@link Limits#idleTimeout()},
 * and the request bytes held by all connections (bodies being received or waiting for their
 * handler) stay under {@link Limits#maxInFlightBytes()} (else 503 and close). The answers are
 * written as raw bytes, below the HTTP codec, since the request may be half read.
 */
public final class ConnectionGuard extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger(ConnectionGuard.class);
    private static final AttributeKey<ConnectionGuard> KEY = AttributeKey.valueOf("jovl.guard");
    private static final ThrottledWarning REFUSALS = new ThrottledWarning();

    /**
     * @param maxConnections   open connections at once
     * @param idleTimeout      a connection with no request in progress is closed after this
     * @param requestTimeout   from a request's first byte to its last
     * @param maxInFlightBytes body bytes held at once by all connections
     */
    public record Limits(int maxConnections, Duration idleTimeout, Duration requestTimeout, long maxInFlightBytes) {
        /** Docker's client keeps idle connections 90 s: the server waits longer, so the client closes first. */
        public static final Limits DEFAULT =
                new Limits(256, Duration.ofSeconds(120), Duration.ofSeconds(30), 64L << 20);
    }

    /** What all connections of one server share. */
    static final class Shared {
        final Limits limits;
        final AtomicInteger connections = new AtomicInteger();
        final AtomicLong inFlightBytes = new AtomicLong();

        Shared(Limits limits) {
            this.limits = limits;
        }
    }

    private final Shared shared;
    private final AtomicLong reserved = new AtomicLong();
    /** Bytes of the request just completed, until the router takes it (or it never reaches it). */
    private long unadmitted;

    private boolean admittedNow;
    private boolean counted;
    private boolean receiving;
    private int busy;
    private ScheduledFuture<?> requestTimer;
    private ChannelHandlerContext ctx;

    ConnectionGuard(Shared shared) {
        this.shared = shared;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    /** The handler that counts body bytes; it sits between the HTTP decoder and the aggregator. */
    ChannelInboundHandlerAdapter bodyMeter() {
        return new ChannelInboundHandlerAdapter() {
            @Override
            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                if (msg instanceof HttpContent content) {
                    long n = content.content().readableBytes();
                    reserved.addAndGet(n);
                    unadmitted += n;
                    if (shared.inFlightBytes.addAndGet(n) > shared.limits.maxInFlightBytes()) {
                        ReferenceCountUtil.release(msg);
                        refuse(
                                503,
                                "Service Unavailable",
                                "jovl is receiving too many request bytes at once; try again");
                        return;
                    }
                    if (msg instanceof LastHttpContent) {
                        requestDone();
                        busy++;
                    }
                    msg = onHeap(content);
                }
                boolean last = msg instanceof LastHttpContent;
                admittedNow = false;
                ctx.fireChannelRead(msg);
                if (last) {
                    // the aggregator and the router ran synchronously: a request the router did not
                    // take (answered 413 by the aggregator, say) holds nothing any more
                    if (!admittedNow) {
                        answered(ctx.channel(), unadmitted);
                    }
                    unadmitted = 0;
                }
            }
        };
    }

    /**
     * The content copied to a heap buffer of its own size. A piece of body is a slice of the buffer
     * its read went into, and the aggregator keeps it until the request is whole: a body trickled in
     * small reads pinned a pooled direct chunk per read, several times the bytes counted against
     * {@link Limits#maxInFlightBytes()} (250 slow bodies within the budget exhausted direct memory).
     * A copy costs what is counted, on the heap, and frees the read buffer at once.
     */
    private static HttpContent onHeap(HttpContent content) {
        HttpContent copy = content.replace(Unpooled.copiedBuffer(content.content()));
        copy.setDecoderResult(content.decoderResult()); // a framing error must still reach the router
        content.release();
        return copy;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().attr(KEY).set(this);
        counted = true;
        if (shared.connections.incrementAndGet() > shared.limits.maxConnections()) {
            refuse(503, "Service Unavailable", "jovl has too many open connections; try again");
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        if (counted) {
            counted = false;
            shared.connections.decrementAndGet();
        }
        shared.inFlightBytes.addAndGet(-reserved.getAndSet(0));
        requestDone();
        super.channelInactive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!ctx.channel().isActive()) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!receiving && msg instanceof ByteBuf) {
            receiving = true;
            long ms = shared.limits.requestTimeout().toMillis();
            requestTimer = ctx.executor()
                    .schedule(
                            () -> refuse(
                                    408, "Request Timeout", "the request did not arrive whole within " + ms + " ms"),
                            ms,
                            TimeUnit.MILLISECONDS);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof IdleStateEvent && busy == 0 && !receiving) {
            log.debug("closing idle plugin connection");
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, evt);
    }

    private void requestDone() {
        receiving = false;
        if (requestTimer != null) {
            requestTimer.cancel(false);
            requestTimer = null;
        }
    }

    /** Called by the router (on the event loop) when it takes a request: its bytes stay held until answered. */
    static void admitted(Channel channel) {
        ConnectionGuard g = channel.attr(KEY).get();
        if (g != null) {
            g.unadmitted = 0;
            g.admittedNow = true;
        }
    }

    /** Called by the router when a request's answer is written: its bytes are free again. */
    static void answered(Channel channel, long bodyBytes) {
        ConnectionGuard g = channel.attr(KEY).get();
        if (g == null) {
            return;
        }
        channel.eventLoop().execute(() -> g.busy = Math.max(0, g.busy - 1));
        long prev;
        long next;
        do {
            prev = g.reserved.get();
            next = Math.max(0, prev - bodyBytes);
        } while (!g.reserved.compareAndSet(prev, next));
        g.shared.inFlightBytes.addAndGet(-(prev - next));
    }

    /** A raw HTTP answer with Docker's {@code {"Err"}} body, then close. */
    private void refuse(int code, String reason, String message) {
        Channel channel = ctx.channel();
        if (!channel.isActive()) {
            return;
        }
        byte[] body = ("{\"Err\":\"" + message + "\"}").getBytes(StandardCharsets.UTF_8);
        byte[] head = ("HTTP/1.1 " + code + " " + reason + "\r\nContent-Type: " + PluginRouter.CONTENT_TYPE
                        + "\r\nContent-Length: " + body.length + "\r\nConnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        if (REFUSALS.tryLog()) {
            log.warn(
                    "plugin connection answered {}: {} ({} more refused since the last such line)",
                    code,
                    message,
                    REFUSALS.suppressed());
        }
        channel.config().setAutoRead(false);
        ctx.writeAndFlush(Unpooled.wrappedBuffer(head, body)).addListener(ChannelFutureListener.CLOSE);
    }
}
