package dev.jovl.driver.http;

import dev.jovl.net.LogText;
import dev.jovl.overlay.Ids;

/** What one request was about, filled in while it is handled, read by the request log. */
public final class RequestFacts {
    private volatile String network = "-";
    private volatile String endpoint = "-";
    private volatile String error;
    private volatile String route = "(no such method)";

    /** Records the ids a request names, shortened as Docker's own logs do. */
    public void about(String networkId, String endpointId) {
        if (networkId != null && !networkId.isEmpty()) {
            network = LogText.escape(Ids.shortId(networkId));
        }
        if (endpointId != null && !endpointId.isEmpty()) {
            endpoint = LogText.escape(Ids.shortId(endpointId));
        }
    }

    /** The request named a known method: statistics are kept per method, never per raw URI. */
    void route(String path) {
        route = path;
    }

    String route() {
        return route;
    }

    void failed(String message) {
        error = message;
    }

    public String network() {
        return network;
    }

    public String endpoint() {
        return endpoint;
    }

    public String error() {
        return error;
    }
}
