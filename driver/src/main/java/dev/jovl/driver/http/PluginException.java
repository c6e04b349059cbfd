package dev.jovl.driver.http;

import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * A request that fails with a status and a message for Docker. Docker shows the message to the
 * user as {@code "<Method>: <message>"}, so it must make sense on its own.
 */
public class PluginException extends RuntimeException {
    private final HttpResponseStatus status;

    public PluginException(HttpResponseStatus status, String message) {
        this(status, message, null);
    }

    public PluginException(HttpResponseStatus status, String message, Throwable cause) {
        super(message, cause);
        this.status = status;
    }

    public HttpResponseStatus status() {
        return status;
    }

    /** The request itself is wrong (malformed, missing or absurd field): nothing was changed. */
    public static PluginException badRequest(String message) {
        return new PluginException(HttpResponseStatus.BAD_REQUEST, message);
    }

    /** The request is well-formed but cannot be served now (store down, kernel refused, ...). */
    public static PluginException failed(String message, Throwable cause) {
        return new PluginException(HttpResponseStatus.INTERNAL_SERVER_ERROR, message, cause);
    }

    public static PluginException failed(String message) {
        return failed(message, null);
    }
}
