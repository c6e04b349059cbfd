package dev.jovl.overlay.state;

/**
 * jovl's keys in the store, all under one versioned prefix (architecture.md, "State in the store"):
 * <pre>
 * jovl/v1/networks/&lt;network&gt;          network record (VNI, subnets, options, MTU)
 * jovl/v1/vni/&lt;vni&gt;                   claim of a VNI: the network id
 * jovl/v1/endpoints/&lt;network&gt;/&lt;ep&gt;    endpoint record (IPs, MAC, VTEP, owning host)
 * jovl/v1/hosts/&lt;host&gt;                host record, bound to the host's lease
 * </pre>
 * The IPAM module keeps its own keys under {@code jovl/v1/ipam/}.
 */
public final class StoreLayout {
    public static final String ROOT = "jovl/v1/";
    public static final String NETWORKS = ROOT + "networks/";
    public static final String VNIS = ROOT + "vni/";
    public static final String ENDPOINTS = ROOT + "endpoints/";
    public static final String HOSTS = ROOT + "hosts/";

    private StoreLayout() {
    }

    public static String network(String networkId) {
        return NETWORKS + networkId;
    }

    public static String vni(int vni) {
        return VNIS + vni;
    }

    public static String endpointsOf(String networkId) {
        return ENDPOINTS + networkId + "/";
    }

    public static String endpoint(String networkId, String endpointId) {
        return endpointsOf(networkId) + endpointId;
    }

    public static String host(String hostId) {
        return HOSTS + hostId;
    }
}
