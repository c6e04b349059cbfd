package dev.jovl.kvstore.etcd;

import static dev.jovl.kvstore.etcd.EtcdJson.b64;
import static dev.jovl.kvstore.etcd.EtcdJson.object;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jovl.kvstore.KeyRules;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.StoreUrl;
import dev.jovl.kvstore.Txn;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.kvstore.support.StoreBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The etcd v3 backend ({@code etcd://host:port[,host:port...]}), over etcd's JSON gateway.
 * A key's version is its {@code mod_revision}; a transaction is one etcd {@code Txn} whose
 * comparisons are the operations' conditions, so it is applied as a whole or not at all.
 */
public final class EtcdStore extends StoreBase {
    private final EtcdGateway gateway;
    private final ScheduledExecutorService keepAlives;
    private final String security;

    private EtcdStore(EtcdGateway gateway, StoreSecurity security) {
        this.gateway = gateway;
        this.security = security.toString();
        this.keepAlives = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("jovl-etcd-keepalive").factory());
    }

    /**
     * A client of the etcd cluster at {@code url}'s endpoints; nothing is contacted until the
     * first call, but the certificates, key and password file are read now.
     */
    public static EtcdStore open(StoreUrl url, StoreSecurity security) {
        return new EtcdStore(new EtcdGateway(url, security), security);
    }

    @Override
    public Optional<KeyValue> get(String key) {
        KeyRules.checkKey(key);
        JsonNode answer = call("v3/kv/range", object().put("key", b64(key)), EtcdGateway.Call.READ);
        JsonNode kvs = answer.path("kvs");
        return kvs.isEmpty() ? Optional.empty() : Optional.of(EtcdJson.keyValue(kvs.get(0)));
    }

    @Override
    public Listing list(String prefix) {
        KeyRules.checkPrefix(prefix);
        JsonNode answer = call("v3/kv/range", EtcdJson.prefixRange(prefix), EtcdGateway.Call.READ);
        List<KeyValue> entries = new ArrayList<>();
        for (JsonNode kv : answer.path("kvs")) {
            entries.add(EtcdJson.keyValue(kv));
        }
        return new Listing(entries, EtcdJson.revision(answer));
    }

    @Override
    public boolean delete(String key) {
        KeyRules.checkKey(key);
        JsonNode answer = call("v3/kv/deleterange", object().put("key", b64(key)), EtcdGateway.Call.WRITE);
        return answer.path("deleted").asLong(0) > 0;
    }

    @Override
    public TxnResult commit(Txn txn) {
        ensureOpen();
        ObjectNode request = object();
        ArrayNode compare = request.putArray("compare");
        ArrayNode success = request.putArray("success");
        ArrayNode failure = request.putArray("failure");
        Map<String, Op> conditional = new HashMap<>();
        for (Op op : txn.ops()) {
            switch (op.kind()) {
                case CREATE -> compare.add(modRevisionIs(op.key(), 0));
                case COMPARE_AND_SET, CHECK_VERSION, DELETE_IF_VERSION -> {
                    if (op.kind() == Op.Kind.DELETE_IF_VERSION && op.expectedVersion() == 0) {
                        throw new StoreException.Conflict(
                                op.key(), "condition failed: " + op + " (a present key never has version 0)");
                    }
                    compare.add(modRevisionIs(op.key(), op.expectedVersion()));
                }
                case PUT, DELETE -> {}
            }
            if (op.kind() != Op.Kind.PUT && op.kind() != Op.Kind.DELETE) {
                conditional.put(op.key(), op);
                // on failure, read the compared keys back to say which condition failed
                failure.addObject()
                        .putObject("request_range")
                        .put("key", b64(op.key()))
                        .put("keys_only", true);
            }
            switch (op.kind()) {
                case CREATE, PUT, COMPARE_AND_SET -> {
                    ObjectNode put = success.addObject()
                            .putObject("request_put")
                            .put("key", b64(op.key()))
                            .put("value", b64(op.value()));
                    if (op.lease() != null) {
                        put.put("lease", Long.toString(leaseOf(op.lease()).numericId()));
                    }
                }
                case DELETE, DELETE_IF_VERSION ->
                    success.addObject().putObject("request_delete_range").put("key", b64(op.key()));
                case CHECK_VERSION -> {}
            }
        }
        JsonNode answer = call("v3/kv/txn", request, EtcdGateway.Call.WRITE);
        if (!answer.path("succeeded").asBoolean(false) && !compare.isEmpty()) {
            throw conflict(txn, answer);
        }
        long revision = EtcdJson.revision(answer);
        List<Long> versions = new ArrayList<>();
        for (Op op : txn.ops()) {
            boolean writes =
                    op.kind() == Op.Kind.CREATE || op.kind() == Op.Kind.PUT || op.kind() == Op.Kind.COMPARE_AND_SET;
            versions.add(writes ? revision : 0L);
        }
        return new TxnResult(revision, versions);
    }

    private static ObjectNode modRevisionIs(String key, long revision) {
        return object().put("key", b64(key))
                .put("target", "MOD")
                .put("result", "EQUAL")
                .put("mod_revision", Long.toString(revision));
    }

    /** Names the first operation whose condition the current values (read in the same txn) break. */
    private static StoreException.Conflict conflict(Txn txn, JsonNode answer) {
        Map<String, Long> current = new HashMap<>();
        for (JsonNode response : answer.path("responses")) {
            for (JsonNode kv : response.path("response_range").path("kvs")) {
                KeyValue k = EtcdJson.keyValue(kv);
                current.put(k.key(), k.version());
            }
        }
        for (Op op : txn.ops()) {
            long version = current.getOrDefault(op.key(), 0L);
            boolean failed = switch (op.kind()) {
                case CREATE -> version != 0;
                case COMPARE_AND_SET, CHECK_VERSION, DELETE_IF_VERSION -> version != op.expectedVersion();
                case PUT, DELETE -> false;
            };
            if (failed) {
                return new StoreException.Conflict(
                        op.key(),
                        "condition failed: " + op + " but "
                                + (version == 0 ? "the key is absent" : "its version is " + version));
            }
        }
        return new StoreException.Conflict(null, "transaction lost a race: " + txn.ops());
    }

    private EtcdLease leaseOf(Lease lease) {
        if (lease instanceof EtcdLease own && own.gateway() == gateway) {
            return own;
        }
        throw new StoreException.InvalidArgument("lease " + lease.id() + " belongs to another store");
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        KeyRules.checkWatch(prefix, afterRevision);
        ensureOpen();
        return started(new EtcdWatch(gateway, prefix, afterRevision, listener, resources()::remove));
    }

    @Override
    public Lease grantLease(Duration ttl) {
        KeyRules.checkLeaseTtl(ttl);
        long seconds = (ttl.toMillis() + 999) / 1000;
        JsonNode answer = call("v3/lease/grant", object().put("TTL", Long.toString(seconds)), EtcdGateway.Call.WRITE);
        if (!answer.path("error").asText("").isEmpty()) {
            throw EtcdGateway.unavailable(
                    "etcd refused a lease: " + answer.path("error").asText(), null);
        }
        return started(new EtcdLease(
                gateway,
                answer.path("ID").asLong(),
                Duration.ofSeconds(answer.path("TTL").asLong(seconds)),
                keepAlives,
                resources()::remove));
    }

    private JsonNode call(String path, ObjectNode body, EtcdGateway.Call kind) {
        ensureOpen();
        return gateway.call(path, body, kind);
    }

    @Override
    public String describe() {
        return "etcd " + gateway.endpoints() + (security.isEmpty() ? "" : " (" + security + ")");
    }

    @Override
    protected void release() {
        keepAlives.shutdownNow();
        gateway.close();
    }
}
