package dev.jovl.driver.http;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import dev.jovl.net.LogText;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.PrematureChannelClosureException;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.AttributeKey;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Dispatches {@code POST /<Subsystem>.<Method>} to its {@link Route}. The handler runs on the
 * given executor, never on the event loop (it talks to the store and the kernel); requests of one
 * connection are answered one after the other, in order, as HTTP/1.1 requires.
 */
@ChannelHandler.Sharable
public final class PluginRouter extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger log = LoggerFactory.getLogger(PluginRouter.class);
    /** Docker accepts any content type; this is what the official Go SDK answers with. */
    static final String CONTENT_TYPE = "application/vnd.docker.plugins.v1.2+json";

    private static final AttributeKey<CompletableFuture<Void>> TAIL = AttributeKey.valueOf("jovl.tail");
    private static final byte[] EMPTY_OBJECT = {'{', '}'};

    private final RouteTable routes;
    private final Executor executor;

    public PluginRouter(RouteTable routes, Executor executor) {
        this.routes = routes;
        this.executor = executor;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        boolean keepAlive =
                HttpUtil.isKeepAlive(request) && request.decoderResult().isSuccess();
        RequestFacts facts = new RequestFacts();
        if (request.decoderResult().isFailure()) {
            respondError(
                    ctx,
                    facts,
                    PluginException.badRequest("malformed HTTP request: "
                            + request.decoderResult().cause().getMessage()),
                    false);
            return;
        }
        PluginException refused = refusedTransport(request);
        if (refused != null) {
            respondError(ctx, facts, refused, false);
            return;
        }
        String path = pathOf(request.uri());
        boolean isPost = HttpMethod.POST.equals(request.method());
        String method = request.method().name();
        // the request buffer is released when this method returns: copy the body out first
        byte[] body = ByteBufUtil.getBytes(request.content());
        ConnectionGuard.admitted(ctx.channel());
        CompletableFuture<Void> previous = ctx.channel().attr(TAIL).get();
        CompletableFuture<Void> done = new CompletableFuture<>();
        ctx.channel().attr(TAIL).set(done);
        Runnable work = () -> {
            if (!ctx.channel().isActive()) {
                // the asker closed (or half-closed) the connection: nobody would see the answer,
                // so the request is not executed
                ConnectionGuard.answered(ctx.channel(), body.length);
                done.complete(null);
                return;
            }
            ChannelFuture written = serve(ctx, path, isPost, method, body, facts, keepAlive);
            written.addListener(f -> {
                ConnectionGuard.answered(ctx.channel(), body.length);
                done.complete(null);
            });
        };
        // dispatched after the event loop has handled the rest of what it read with the request,
        // so a close (end of input) that came with it is seen before the request runs
        ctx.channel().eventLoop().execute(() -> {
            if (previous == null || previous.isDone()) {
                executor.execute(work);
            } else {
                previous.whenComplete((v, e) -> executor.execute(work));
            }
        });
    }

    /** HTTP/1.0 and 1.1 only, and bodies as they are: Docker never compresses a request. */
    private static PluginException refusedTransport(FullHttpRequest request) {
        HttpVersion v = request.protocolVersion();
        if (!HttpVersion.HTTP_1_1.equals(v) && !HttpVersion.HTTP_1_0.equals(v)) {
            return new PluginException(
                    HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED,
                    "HTTP version not supported: " + LogText.escape(v.text()));
        }
        String encoding = request.headers().get(HttpHeaderNames.CONTENT_ENCODING);
        if (encoding != null && !encoding.isBlank() && !"identity".equalsIgnoreCase(encoding.strip())) {
            return new PluginException(
                    HttpResponseStatus.UNSUPPORTED_MEDIA_TYPE,
                    "Content-Encoding not supported: " + LogText.escape(encoding));
        }
        return null;
    }

    private ChannelFuture serve(
            ChannelHandlerContext ctx,
            String path,
            boolean isPost,
            String method,
            byte[] body,
            RequestFacts facts,
            boolean keepAlive) {
        try {
            Route<?> route = routes.immediate(path);
            if (route == null && !routes.isReady()) {
                route = routes.await(path);
            }
            if (route == null) {
                throw new PluginException(HttpResponseStatus.NOT_FOUND, "no such plugin method: " + path);
            }
            if (!isPost) {
                throw new PluginException(HttpResponseStatus.METHOD_NOT_ALLOWED, path + " takes POST, not " + method);
            }
            Object request = Json.MAPPER.readValue(isBlank(body) ? EMPTY_OBJECT : body, route.requestType());
            if (request == null) {
                throw PluginException.badRequest("request body is JSON null; expected an object");
            }
            Object answer = route.invoke(request, facts);
            byte[] json = Json.MAPPER.writeValueAsBytes(answer == null ? Map.of() : answer);
            return respond(ctx, HttpResponseStatus.OK, json, facts, keepAlive);
        } catch (MismatchedInputException e) {
            // a well-formed document with a value of the wrong type: name the field, not Java types
            String field = e.getPath().stream()
                    .map(r -> r.getFieldName() != null ? r.getFieldName() : "[" + r.getIndex() + "]")
                    .reduce((a, b) -> b.startsWith("[") ? a + b : a + "." + b)
                    .orElse("the body");
            return respondError(
                    ctx,
                    facts,
                    PluginException.badRequest("malformed request: " + field + " must be " + kindOf(e.getTargetType())),
                    keepAlive);
        } catch (JsonProcessingException e) {
            String why = String.valueOf(e.getOriginalMessage());
            if (why.startsWith("Duplicate field '") && why.endsWith("'")) {
                // STRICT_DUPLICATE_DETECTION: say which key, in the user's terms
                why = "duplicate field \"" + why.substring("Duplicate field '".length(), why.length() - 1) + "\"";
            }
            return respondError(ctx, facts, PluginException.badRequest("malformed request body: " + why), keepAlive);
        } catch (PluginException e) {
            if (e.getCause() != null) {
                log.warn("request failed: {}", LogText.escape(e.getMessage()), e.getCause());
            }
            return respondError(ctx, facts, e, keepAlive);
        } catch (Throwable e) {
            // the process never dies of a request: anything unexpected is a 500 with its cause
            log.error("request failed unexpectedly", e);
            return respondError(ctx, facts, PluginException.failed("internal error: " + e), keepAlive);
        }
    }

    private static ChannelFuture respondError(
            ChannelHandlerContext ctx, RequestFacts facts, PluginException e, boolean keepAlive) {
        facts.failed(e.getMessage());
        byte[] json;
        try {
            json = Json.MAPPER.writeValueAsBytes(Map.of("Err", String.valueOf(e.getMessage())));
        } catch (JsonProcessingException impossible) {
            json = "{\"Err\":\"error\"}".getBytes(java.nio.charset.StandardCharsets.UTF_8);
        }
        return respond(ctx, e.status(), json, facts, keepAlive);
    }

    private static ChannelFuture respond(
            ChannelHandlerContext ctx, HttpResponseStatus status, byte[] json, RequestFacts facts, boolean keepAlive) {
        ByteBuf content = Unpooled.wrappedBuffer(json);
        PluginResponse response = new PluginResponse(status, content, facts);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE);
        response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, content.readableBytes());
        if (keepAlive) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.KEEP_ALIVE);
        } else {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        ChannelFuture f = ctx.writeAndFlush(response);
        if (!keepAlive) {
            f.addListener(ChannelFutureListener.CLOSE);
        }
        return f;
    }

    /** What a JSON value of this Java type looks like, in the user's terms. */
    private static String kindOf(Class<?> type) {
        if (type == null) {
            return "of another type";
        }
        if (CharSequence.class.isAssignableFrom(type)) {
            return "a string";
        }
        if (type == int.class
                || type == long.class
                || type == short.class
                || type == byte.class
                || type == Integer.class
                || type == Long.class
                || type == Short.class
                || type == Byte.class
                || type == java.math.BigInteger.class) {
            return "an integer"; // 1.5 is a number, and refused here: say why
        }
        if (Number.class.isAssignableFrom(type) || (type.isPrimitive() && type != boolean.class)) {
            return "a number";
        }
        if (type == Boolean.class || type == boolean.class) {
            return "true or false";
        }
        if (java.util.Collection.class.isAssignableFrom(type) || type.isArray()) {
            return "a list";
        }
        return "an object";
    }

    private static String pathOf(String uri) {
        int q = uri.indexOf('?');
        return q < 0 ? uri : uri.substring(0, q);
    }

    private static boolean isBlank(byte[] body) {
        for (byte b : body) {
            if (b != ' ' && b != '\n' && b != '\r' && b != '\t') {
                return false;
            }
        }
        return true;
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof PrematureChannelClosureException) {
            // the asker went away mid-request (or ConnectionGuard closed it): nothing to report
            log.debug("connection closed mid-request: {}", cause.toString());
            ctx.close();
            return;
        }
        log.warn("connection error, closing: {}", cause.toString());
        ctx.close();
    }
}
