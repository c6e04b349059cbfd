package dev.jovl.ipam;

/**
 * One allocated address of a pool, as listed for {@code jovl status}.
 *
 * @param address     the plain address
 * @param host        the host that allocated it (for a shared gateway: the first holder)
 * @param gateway     whether it is the pool's gateway
 * @param mac         the endpoint MAC Docker sent with the request, or null
 * @param allocatedAt ISO-8601 instant
 * @param swarm       held by the swarm's allocator (a VIP or task address), not by {@code host}:
 *                    it survives that host's death and is answered again to a new swarm leader
 */
public record Allocation(String address, String host, boolean gateway, String mac, String allocatedAt, boolean swarm) {}
