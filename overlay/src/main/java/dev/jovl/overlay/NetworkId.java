package dev.jovl.overlay;

/** Docker's id of a network (64 hex digits from Docker; any id a store key and a log line carry safely). */
public record NetworkId(String value) {
    public NetworkId {
        Inputs.requireId(value, "NetworkID");
    }

    @Override
    public String toString() {
        return value;
    }
}
