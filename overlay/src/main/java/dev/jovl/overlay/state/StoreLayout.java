package dev.jovl.overlay.state;

import dev.jovl.kvstore.RecordJson;

/**
 * jovl's keys in the store, all under one versioned prefix (architecture.md, "State in the store"):
 * <pre>
 * jovl/v1/networks/&lt;network&gt;          network record (VNI, subnets, options, MTU)
 * jovl/v1/vni/&lt;vni&gt;                   claim of a VNI: the network id
 * jovl/v1/endpoints/&lt;network&gt;/&lt;ep&gt;    endpoint record (IPs, MAC, VTEP, owning host)
 * jovl/v1/hosts/&lt;host&gt;                host record, bound to the host's lease
 * jovl/v1/ipam/...                    the IPAM module's pools and addresses (its own layout below)
 * jovl/v1/names/&lt;overlay&gt;/&lt;ep&gt;       standalone mode: a container's names, bound to the host's lease
 * jovl/v1/overlays/&lt;name&gt;             standalone mode: an overlay joined by name, and its members
 * jovl/v1/local-networks/&lt;host&gt;/&lt;id&gt; standalone mode: one host's Docker network and its overlay
 * </pre>
 * Every key jovl writes is named here; records are JSON through {@link RecordJson}.
 */
public final class StoreLayout {
    public static final String ROOT = "jovl/v1/";
    public static final String NETWORKS = ROOT + "networks/";
    public static final String VNIS = ROOT + "vni/";
    public static final String ENDPOINTS = ROOT + "endpoints/";
    public static final String HOSTS = ROOT + "hosts/";
    /** The IPAM module's key prefix (it is given this; it knows nothing of the rest). */
    public static final String IPAM = ROOT + "ipam";

    public static final String NAMES = ROOT + "names/";
    public static final String OVERLAYS = ROOT + "overlays/";
    public static final String LOCAL_NETWORKS = ROOT + "local-networks/";

    private StoreLayout() {}

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

    public static String name(String overlay, String endpointId) {
        return NAMES + overlay + "/" + endpointId;
    }

    public static String overlay(String name) {
        return OVERLAYS + name;
    }

    public static String localNetworksOf(String hostId) {
        return LOCAL_NETWORKS + hostId + "/";
    }

    public static String localNetwork(String hostId, String networkId) {
        return localNetworksOf(hostId) + networkId;
    }
}
