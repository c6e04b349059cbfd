package dev.jovl.ipam;

import dev.jovl.net.Cidr;

/**
 * The PoolID handed to Docker: {@code <address space>/<subnet>}, for example
 * {@code jovl-global/10.10.0.0/24}. It is also the pool's name in the store, so any host can
 * resolve a PoolID it never issued (cluster-store mode), and a subnet maps to exactly one pool per
 * address space (standalone mode: every host asking for the subnet gets the same pool).
 */
public record PoolId(String addressSpace, Cidr subnet) {

    public static PoolId parse(String text) {
        if (text == null || text.isEmpty()) {
            throw IpamException.invalid("empty PoolID");
        }
        int slash = text.indexOf('/');
        if (slash <= 0 || !IpamConfig.isValidSpaceName(text.substring(0, slash))) {
            throw IpamException.invalid("malformed PoolID '" + text + "' (expected <address space>/<subnet>)");
        }
        try {
            return new PoolId(text.substring(0, slash), Cidr.parse(text.substring(slash + 1)));
        } catch (IllegalArgumentException e) {
            throw IpamException.invalid("malformed PoolID '" + text + "': " + e.getMessage());
        }
    }

    @Override
    public String toString() {
        return addressSpace + "/" + subnet;
    }
}
