package dev.jovl.overlay;

/** Docker's id of a network (64 hex digits from Docker; any id a store key and a log line carry safely). */
public record NetworkId(String value) {
    public NetworkId {
        Inputs.requireId(value, "NetworkID");
    }

    /** @param field how the request names it, for the error message */
    public static NetworkId of(String value, String field) {
        return new NetworkId(Inputs.requireId(value, field));
    }

    public String shortForm() {
        return Ids.shortId(value);
    }

    @Override
    public String toString() {
        return value;
    }
}
