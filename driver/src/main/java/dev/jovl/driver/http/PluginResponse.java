package dev.jovl.driver.http;

import io.netty.buffer.ByteBuf;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * A response that also carries what the request log line needs to say about it: the network and
 * endpoint the request was about and, for failures, the error text.
 */
public final class PluginResponse extends DefaultFullHttpResponse {
    private final RequestFacts facts;

    PluginResponse(HttpResponseStatus status, ByteBuf content, RequestFacts facts) {
        super(HttpVersion.HTTP_1_1, status, content);
        this.facts = facts;
    }

    public RequestFacts facts() {
        return facts;
    }
}
