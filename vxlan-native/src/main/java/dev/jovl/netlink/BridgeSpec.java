package dev.jovl.netlink;

/** A Linux bridge. {@code BridgeSpec.builder("br0").mtu(1450).up().build()}. */
public record BridgeSpec(LinkOptions options) implements LinkSpec {
    public static Builder builder(String name) {
        return new Builder(name);
    }

    @Override
    public String kind() {
        return "bridge";
    }

    public static final class Builder extends LinkOptions.Builder<Builder> {
        Builder(String name) {
            super(name);
        }

        public BridgeSpec build() {
            return new BridgeSpec(options());
        }
    }
}
