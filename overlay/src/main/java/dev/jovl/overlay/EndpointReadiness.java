package dev.jovl.overlay;

/**
 * Publishing this host's endpoints to the other hosts, as the request handlers see it. CreateEndpoint
 * stores an endpoint as pending; it becomes ready (other hosts program it) only once its
 * container can receive, which is after Join returns.
 */
public interface EndpointReadiness {

    /** After Join: mark the endpoint ready as soon as its container's interface is up. */
    void publishWhenUp(String networkId, String endpointId);
}
