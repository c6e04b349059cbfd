package dev.jovl.overlay.state;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Txn;
import dev.jovl.net.LogText;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Typed access to jovl's records in the {@link Store}. Records are JSON; every method is one
 * store round trip or one transaction, so nothing is ever half-written.
 *
 * <p>A listing leaves out a record it cannot read (damaged, or written by an incompatible
 * version), logs it once per key and version, and counts it ({@link #unreadableRecords}): one bad
 * record must not stop every loop that reads a list (the sandbox sweep, the dead-host reaper,
 * status). A single-record read ({@link #network}, {@link #endpoint}) still fails on it, because a
 * decision about that very record cannot be made without it.
 */
public final class ClusterState {
    private static final Logger log = LoggerFactory.getLogger(ClusterState.class);
    /** How many unreadable key@version pairs are remembered so as to log each once; then forgotten. */
    private static final int UNREADABLE_REMEMBERED = 1024;

    private final Store store;
    private final Set<String> unreadableLogged = ConcurrentHashMap.newKeySet();
    private final AtomicLong unreadable = new AtomicLong();

    public ClusterState(Store store) {
        this.store = store;
    }

    public Store store() {
        return store;
    }

    public Optional<Versioned<NetworkRecord>> network(String networkId) {
        return store.get(StoreLayout.network(networkId)).map(kv -> versioned(kv, NetworkRecord.class));
    }

    public List<Versioned<NetworkRecord>> networks() {
        return listOf(StoreLayout.NETWORKS, NetworkRecord.class);
    }

    public Optional<Versioned<EndpointRecord>> endpoint(String networkId, String endpointId) {
        return store.get(StoreLayout.endpoint(networkId, endpointId)).map(kv -> versioned(kv, EndpointRecord.class));
    }

    public List<Versioned<EndpointRecord>> endpoints(String networkId) {
        return listOf(StoreLayout.endpointsOf(networkId), EndpointRecord.class);
    }

    public List<Versioned<EndpointRecord>> allEndpoints() {
        return listOf(StoreLayout.ENDPOINTS, EndpointRecord.class);
    }

    public List<Versioned<HostRecord>> hosts() {
        return listOf(StoreLayout.HOSTS, HostRecord.class);
    }

    /**
     * The ids of the hosts whose registration is live, from the keys alone: a host is alive while
     * its lease-bound key exists, whatever its record says, so a record nobody can read never
     * makes its host look dead.
     */
    public Set<String> liveHostIds() {
        Set<String> out = new HashSet<>();
        for (KeyValue kv : store.list(StoreLayout.HOSTS).entries()) {
            String id = kv.key().substring(StoreLayout.HOSTS.length());
            if (!id.isEmpty() && id.indexOf('/') < 0) {
                out.add(id);
            }
        }
        return out;
    }

    /** Records left out of listings because they could not be read, since start. */
    public long unreadableRecords() {
        return unreadable.get();
    }

    /** Which network holds the claim on {@code vni}, if any. */
    public Optional<Versioned<String>> vniHolder(int vni) {
        return store.get(StoreLayout.vni(vni)).map(kv -> new Versioned<>(kv.valueAsString(), kv.version()));
    }

    /** Every claimed VNI. */
    public List<Integer> claimedVnis() {
        List<Integer> out = new ArrayList<>();
        for (KeyValue kv : store.list(StoreLayout.VNIS).entries()) {
            try {
                out.add(Integer.parseInt(kv.key().substring(StoreLayout.VNIS.length())));
            } catch (NumberFormatException ignored) {
                // not ours: someone else's key under our prefix; it claims nothing
            }
        }
        return out;
    }

    public long createEndpoint(EndpointRecord ep) {
        return store.create(StoreLayout.endpoint(ep.networkId(), ep.endpointId()), RecordJson.write(ep));
    }

    public long replaceEndpoint(EndpointRecord ep, long expectedVersion) {
        return store.compareAndSet(
                StoreLayout.endpoint(ep.networkId(), ep.endpointId()), expectedVersion, RecordJson.write(ep));
    }

    /** Creates the endpoint's record if absent and {@code network} is still at its version (one transaction). */
    public long createEndpointIn(Versioned<NetworkRecord> network, EndpointRecord ep) {
        return store.commit(Txn.of(
                        Op.checkVersion(StoreLayout.network(network.value().networkId()), network.version()),
                        Op.create(StoreLayout.endpoint(ep.networkId(), ep.endpointId()), RecordJson.write(ep))))
                .version(1);
    }

    /** Replaces the endpoint's record at {@code expectedVersion} if {@code network} is still at its version. */
    public long replaceEndpointIn(Versioned<NetworkRecord> network, EndpointRecord ep, long expectedVersion) {
        return store.commit(Txn.of(
                        Op.checkVersion(StoreLayout.network(network.value().networkId()), network.version()),
                        Op.compareAndSet(
                                StoreLayout.endpoint(ep.networkId(), ep.endpointId()),
                                expectedVersion,
                                RecordJson.write(ep))))
                .version(1);
    }

    public boolean deleteEndpoint(String networkId, String endpointId) {
        return store.delete(StoreLayout.endpoint(networkId, endpointId));
    }

    /** Registers this host, replacing any record an earlier run of it left, bound to {@code lease}. */
    public void putHost(HostRecord host, Lease lease) {
        store.commit(Txn.of(
                Op.put(StoreLayout.host(host.host()), RecordJson.write(host)).withLease(lease)));
    }

    public Store.TxnResult commit(Txn txn) {
        return store.commit(txn);
    }

    private <T> List<Versioned<T>> listOf(String prefix, Class<T> type) {
        List<Versioned<T>> out = new ArrayList<>();
        for (KeyValue kv : store.list(prefix).entries()) {
            try {
                out.add(versioned(kv, type));
            } catch (RuntimeException e) {
                skipUnreadable(kv, e);
            }
        }
        return out;
    }

    private void skipUnreadable(KeyValue kv, RuntimeException e) {
        unreadable.incrementAndGet();
        if (unreadableLogged.size() >= UNREADABLE_REMEMBERED) {
            unreadableLogged.clear(); // a store full of bad records: log them again rather than grow
        }
        if (unreadableLogged.add(kv.key() + "@" + kv.version())) {
            log.warn("ignoring unreadable record {} in listings: {}", LogText.escape(kv.key()), e.getMessage());
        }
    }

    public static <T> Versioned<T> versioned(KeyValue kv, Class<T> type) {
        return new Versioned<>(RecordJson.read(kv.value(), type, kv.key()), kv.version());
    }
}
