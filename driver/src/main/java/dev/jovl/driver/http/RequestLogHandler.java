package dev.jovl.driver.http;

import dev.jovl.net.LogText;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import java.util.ArrayDeque;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per request: method, network, endpoint, duration and result; at debug level for a
 * request that succeeded (off by default: {@code --log-level debug} shows them), at warning level
 * for one that failed. Every request is counted in {@link RequestStats}. Requests on one
 * connection are answered in order, so the oldest pending start time belongs to the response
 * being written. One instance per connection.
 */
public final class RequestLogHandler extends ChannelDuplexHandler {
    private static final Logger log = LoggerFactory.getLogger("dev.jovl.driver.requests");
    /** Docker never asks for a path no route serves: whoever does can repeat it, so it is throttled. */
    private static final ThrottledWarning UNKNOWN_PATHS = new ThrottledWarning();

    private record Pending(String uri, long startNanos) {}

    private final ArrayDeque<Pending> pending = new ArrayDeque<>();
    private final RequestStats stats;

    public RequestLogHandler(RequestStats stats) {
        this.stats = stats;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpRequest request) {
            pending.addLast(new Pending(request.uri(), System.nanoTime()));
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            Pending p = pending.pollFirst();
            long nanos = p == null ? 0 : System.nanoTime() - p.startNanos();
            String uri = p == null ? "-" : p.uri();
            RequestFacts facts = msg instanceof PluginResponse pr ? pr.facts() : null;
            int code = response.status().code();
            stats.record(uri, code, nanos);
            if (code == 200) {
                if (log.isDebugEnabled()) {
                    log.debug("{} net={} ep={} {} {}", LogText.escape(uri), net(facts), ep(facts), ms(nanos), code);
                }
            } else if (RequestStats.UNKNOWN.equals(stats.routeOf(uri))) {
                if (UNKNOWN_PATHS.tryLog()) {
                    log.warn(
                            "{} {} {} ({} more requests for unknown paths since the last such line)",
                            LogText.escape(uri),
                            ms(nanos),
                            code,
                            UNKNOWN_PATHS.suppressed());
                }
            } else {
                log.warn(
                        "{} net={} ep={} {} {} Err={}",
                        LogText.escape(uri),
                        net(facts),
                        ep(facts),
                        ms(nanos),
                        code,
                        LogText.escape(facts == null ? response.status().reasonPhrase() : facts.error()));
            }
        }
        ctx.write(msg, promise);
    }

    private static String ms(long nanos) {
        return String.format(Locale.ROOT, "%.2fms", nanos / 1e6);
    }

    private static String net(RequestFacts f) {
        return f == null ? "-" : f.network();
    }

    private static String ep(RequestFacts f) {
        return f == null ? "-" : f.endpoint();
    }
}
