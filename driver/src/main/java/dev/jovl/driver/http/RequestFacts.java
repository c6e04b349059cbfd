package dev.jovl.driver.http;

/** What one request was about, filled in while it is handled, read by the request log. */
public final class RequestFacts {
    private volatile String network = "-";
    private volatile String endpoint = "-";
    private volatile String error;

    /** Records the ids a request names, shortened as Docker's own logs do. */
    public void about(String networkId, String endpointId) {
        if (networkId != null && !networkId.isEmpty()) {
            network = shortId(networkId);
        }
        if (endpointId != null && !endpointId.isEmpty()) {
            endpoint = shortId(endpointId);
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

    public static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
