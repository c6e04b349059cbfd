package dev.jovl.overlay;

/** Docker's id of an endpoint (one container's interface on one network). */
public record EndpointId(String value) {
    public EndpointId {
        Inputs.requireId(value, "EndpointID");
    }

    @Override
    public String toString() {
        return value;
    }
}
