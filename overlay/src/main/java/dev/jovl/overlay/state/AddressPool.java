package dev.jovl.overlay.state;

import com.fasterxml.jackson.annotation.JsonAlias;
import java.util.Map;

/**
 * One address pool of a network: the subnet, its gateway and the addresses kept out of
 * allocation, as the network's IPAM driver chose them.
 *
 * @param addressSpace the IPAM address space the pool belongs to (jovl's IPAM names pools
 *                     {@code <space>/<subnet>})
 * @param pool         the subnet, e.g. {@code 10.10.0.0/24}
 * @param gateway      the gateway address with prefix length, or {@code null}
 * @param auxAddresses named addresses reserved in the pool (Docker's {@code --aux-address}); read
 *                     as {@code aux} too, the name standalone mode's overlay records used
 */
public record AddressPool(
        String addressSpace,
        String pool,
        String gateway,
        @JsonAlias("aux") Map<String, String> auxAddresses) {
    public AddressPool {
        auxAddresses = auxAddresses == null ? Map.of() : Map.copyOf(auxAddresses);
    }
}
