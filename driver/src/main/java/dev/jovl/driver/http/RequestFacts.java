package dev.jovl.driver.http;

import dev.jovl.net.LogText;
import dev.jovl.overlay.Ids;

/** What one request was about, filled in while it is handled, read by the request log. */
public final class RequestFacts {
    private volatile String network = "-";
    private volatile String endpoint = "-";
    private volatile String error;

    /** Records the ids a request names, shortened as Docker's own logs do. */
    public void about(String networkId, String endpointId) {
        if (networkId != null && !networkId.isEmpty()) {
            network = LogText.escape(Ids.shortId(networkId));
        }
        if (endpointId != null && !endpointId.isEmpty()) {
            endpoint = LogText.escape(Ids.shortId(endpointId));
        }
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
