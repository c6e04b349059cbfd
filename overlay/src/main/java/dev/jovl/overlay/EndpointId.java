package dev.jovl.overlay;

/** Docker's id of an endpoint (one container's interface on one network). */
public record EndpointId(String value) {
    public EndpointId {
        Inputs.requireId(value, "EndpointID");
    }

    /** @param field how the request names it, for the error message */
    public static EndpointId of(String value, String field) {
        return new EndpointId(Inputs.requireId(value, field));
    }

    public String shortForm() {
        return Ids.shortId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
