package dev.jovl.ipam;

import dev.jovl.ipam.IpamException.Kind;
import dev.jovl.ipam.protocol.IpamProtocol;
import dev.jovl.ipam.protocol.IpamProtocol.AddressSpacesResponse;
import dev.jovl.ipam.protocol.IpamProtocol.CapabilitiesResponse;
import dev.jovl.ipam.protocol.IpamProtocol.EmptyResponse;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.ReleasePoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressResponse;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolResponse;
import dev.jovl.ipam.store.IpamKeys;
import dev.jovl.kvstore.Store;
import dev.jovl.net.IpAddress;
import dev.jovl.net.MacAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * jovl's Docker IPAM driver: one method per {@code /IpamDriver.*} endpoint, over the shared
 * {@link Store}. Thread-safe; one instance per host process.
 *
 * <p>Every failure is an {@link IpamException} whose message is meant for the user; a request that
 * fails has changed nothing. See {@code ipam/README.md} for the semantics of each call.
 */
public final class IpamDriver {

    private final IpamConfig config;
    private final String hostId;
    private final PoolManager pools;
    private final AddressAllocator addresses;

    public IpamDriver(Store store, IpamConfig config, String hostId) {
        Objects.requireNonNull(store, "store");
        this.config = Objects.requireNonNull(config, "config");
        if (hostId == null || hostId.isBlank()) {
            throw new IllegalArgumentException("host id must not be blank");
        }
        this.hostId = hostId;
        IpamKeys keys = new IpamKeys(config.keyPrefix());
        StoreSteps retry = new StoreSteps(store, config.maxAttempts());
        this.pools = new PoolManager(store, config, keys, retry, hostId);
        this.addresses = new AddressAllocator(store, keys, retry, hostId, pools);
    }

    public String hostId() {
        return hostId;
    }

    /** {@code /IpamDriver.GetCapabilities}. No request replay: jovl keeps its own state in the store. */
    public CapabilitiesResponse getCapabilities() {
        return capabilities(config);
    }

    /** The capabilities a driver with {@code config} has: configuration only, no store. */
    public static CapabilitiesResponse capabilities(IpamConfig config) {
        return new CapabilitiesResponse(config.requiresMacAddress(), false);
    }

    /** {@code /IpamDriver.GetDefaultAddressSpaces}. */
    public AddressSpacesResponse getDefaultAddressSpaces() {
        return defaultAddressSpaces(config);
    }

    /** The default address spaces of a driver with {@code config}: configuration only, no store. */
    public static AddressSpacesResponse defaultAddressSpaces(IpamConfig config) {
        return new AddressSpacesResponse(config.localAddressSpace(), config.globalAddressSpace());
    }

    /** {@code /IpamDriver.RequestPool}. */
    public RequestPoolResponse requestPool(RequestPoolRequest request) {
        Objects.requireNonNull(request, "request");
        PoolManager.ResolvedPool pool =
                pools.requestPool(request.addressSpace(), request.pool(), request.subPool(), request.v6());
        return new RequestPoolResponse(pool.key(), pool.id().subnet().toString(), Map.of());
    }

    /** {@code /IpamDriver.ReleasePool}: this host lets go; the pool goes with its last holder. */
    public EmptyResponse releasePool(ReleasePoolRequest request) {
        Objects.requireNonNull(request, "request");
        PoolId id = PoolId.parse(request.poolId());
        pools.releasePool(id);
        addresses.forget(id);
        return EmptyResponse.INSTANCE;
    }

    /**
     * {@code /IpamDriver.RequestAddress}: any, a specific address, or the gateway; answered in CIDR
     * form. A request from swarmkit's allocator (the serial option) that asks again for what the
     * swarm holds from an earlier leader is answered with it (see README, "Swarm mode").
     */
    public RequestAddressResponse requestAddress(RequestAddressRequest request) {
        Objects.requireNonNull(request, "request");
        PoolId id = PoolId.parse(request.poolId());
        IpAddress address = request.address().isEmpty() ? null : parseAddress(request.address());
        boolean swarm = request.isSwarmAllocation();
        String cidr;
        if (request.isGateway()) {
            cidr = addresses.requestGateway(id, address, swarm);
        } else {
            String mac = mac(request.options().get(IpamProtocol.MAC_ADDRESS_OPTION));
            cidr = address == null
                    ? addresses.requestAny(id, mac, swarm)
                    : addresses.requestSpecific(id, address, mac, swarm);
        }
        return new RequestAddressResponse(cidr, Map.of());
    }

    /** Pools whose address cache this host holds (tests: bounded, none for unknown pools). */
    int cachedPools() {
        return addresses.cachedPools();
    }

    /** {@code /IpamDriver.ReleaseAddress}; releasing what is already free is fine. */
    public EmptyResponse releaseAddress(ReleaseAddressRequest request) {
        Objects.requireNonNull(request, "request");
        PoolId id = PoolId.parse(request.poolId());
        if (request.address().isEmpty()) {
            throw new IpamException(Kind.INVALID_REQUEST, "ReleaseAddress without an address (pool " + id + ")");
        }
        addresses.release(id, parseAddress(request.address()));
        return EmptyResponse.INSTANCE;
    }

    /**
     * Releases every address a dead host allocated (not the gateways: they belong to the networks).
     * Called by the driver when a host's lease expired for good.
     *
     * @return how many addresses were released
     */
    public int releaseAddressesOwnedBy(String deadHostId) {
        return addresses.releaseOwnedBy(deadHostId);
    }

    /** Every allocated address of a pool, in address order. */
    public List<Allocation> allocations(String poolId) {
        return addresses.list(PoolId.parse(poolId));
    }

    /** Every pool in the store. */
    public List<PoolInfo> pools() {
        List<PoolInfo> out = new ArrayList<>();
        for (PoolId id : pools.listPools()) {
            pools.find(id)
                    .ifPresent(pool -> pools.state(id)
                            .ifPresent(state -> out.add(new PoolInfo(
                                    id.toString(),
                                    id.subnet().toString(),
                                    pool.definition().subRange(),
                                    state.gateway(),
                                    state.holders(),
                                    state.gatewayHolders(),
                                    pool.definition().createdBy(),
                                    pool.definition().createdAt()))));
        }
        return out;
    }

    /** A plain address; a CIDR form is tolerated (its prefix is ignored). */
    private static IpAddress parseAddress(String text) {
        int slash = text.indexOf('/');
        try {
            return IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
        } catch (IllegalArgumentException e) {
            throw new IpamException(Kind.INVALID_REQUEST, "invalid address: " + e.getMessage());
        }
    }

    private static String mac(String option) {
        if (option == null || option.isEmpty()) {
            return null;
        }
        try {
            return MacAddress.parse(option).toString();
        } catch (IllegalArgumentException e) {
            throw new IpamException(Kind.INVALID_REQUEST, "invalid MAC address option '" + option + "'");
        }
    }
}
