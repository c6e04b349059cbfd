package dev.jovl.driver.status;

import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.List;
import java.util.Map;

/** jovl's own diagnostic calls on the plugin socket (Docker never sends these). */
public final class StatusApi {
    private StatusApi() {}

    public record NetworkStatus(
            @JsonProperty("NetworkID") String networkId,
            @JsonProperty("VNI") int vni,
            @JsonProperty("MTU") int mtu,
            @JsonProperty("Internal") boolean internal,
            @JsonProperty("Sandbox") boolean sandbox,
            @JsonProperty("LocalEndpoints") int localEndpoints,
            @JsonProperty("RemoteEndpoints") int remoteEndpoints,
            @JsonProperty("StoreEntries") int storeEntries,
            @JsonProperty("KernelEntries") int kernelEntries,
            @JsonProperty("Differences") long differences) {}

    public record HostStatus(
            @JsonProperty("Host") String host,
            @JsonProperty("VTEP") String vtep,
            @JsonProperty("Self") boolean self) {}

    public record StatusResponse(
            @JsonProperty("Host") String host,
            @JsonProperty("VTEP") String vtep,
            @JsonProperty("UnderlayMTU") int underlayMtu,
            @JsonProperty("VxlanPort") int vxlanPort,
            @JsonProperty("Scope") String scope,
            @JsonProperty("Store") String store,
            @JsonProperty("Registered") boolean registered,
            @JsonProperty("PeerSyncLoaded") boolean peerSyncLoaded,
            @JsonProperty("Reconciles") long reconciles,
            @JsonProperty("DriftFixes") long driftFixes,
            @JsonProperty("Hosts") List<HostStatus> hosts,
            @JsonProperty("Networks") List<NetworkStatus> networks,
            @JsonProperty("Requests") Map<String, long[]> requests,
            @JsonProperty("Loops") List<LoopStatus> loops,
            @JsonProperty("Health") List<HealthCheck.Verdict> health) {}

    /** One background loop: RUNNING, WAITING, RESTARTING, DONE or STOPPED, and its failures. */
    public record LoopStatus(
            @JsonProperty("Name") String name,
            @JsonProperty("State") String state,
            @JsonProperty("Restarts") long restarts,
            @JsonProperty("LastFailure") String lastFailure) {}

    public record PeersRequest(@JsonProperty("Network") String network) {}

    public record PeersResponse(
            @JsonProperty("NetworkID") String networkId,
            @JsonProperty("VNI") int vni,
            @JsonProperty("Sandbox") boolean sandbox,
            @JsonProperty("Rows") List<PeerComparison.Row> rows,
            @JsonProperty("Differences") long differences) {}
}
