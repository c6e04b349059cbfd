package dev.jovl.kvstore.consul;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jovl.kvstore.KeyRules;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreUrl;
import dev.jovl.kvstore.Txn;
import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchListener;
import dev.jovl.kvstore.support.StoreBase;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;

/**
 * The Consul backend ({@code consul://host:8500}): KV entries, versions are {@code ModifyIndex};
 * every write is a {@code /v1/txn} (so it returns the new index and is all-or-nothing); leases
 * are sessions with {@code Behavior=delete}, keys bound to them written with the {@code lock}
 * verb. Watches are blocking queries whose snapshots are diffed into events (see
 * {@link ConsulWatch} for what that can and cannot see).
 */
public final class ConsulStore extends StoreBase {
    /** Consul refuses session TTLs below 10 s. */
    static final Duration MIN_SESSION_TTL = Duration.ofSeconds(10);
    private static final int REMEMBERED_LISTINGS = 32;

    private final ConsulHttp http;
    private final ScheduledExecutorService renewals;
    /** Recent listings by "prefix@index": a watch from such an index knows the exact starting state. */
    private final Map<String, Map<String, Long>> listings = new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Map<String, Long>> eldest) {
            return size() > REMEMBERED_LISTINGS;
        }
    };

    private ConsulStore(ConsulHttp http) {
        this.http = http;
        this.renewals = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().daemon()
                .name("jovl-consul-session-renewal").factory());
    }

    /** A client of the Consul agent in {@code url}; {@code env} gives the token and CA certificate. */
    public static ConsulStore open(StoreUrl url, Map<String, String> env) {
        return new ConsulStore(new ConsulHttp(url, env));
    }

    @Override
    public Optional<KeyValue> get(String key) {
        KeyRules.checkKey(key);
        ensureOpen();
        ConsulHttp.Answer answer = http.get(ConsulHttp.kvPath(key));
        if (answer.status() == 404) {
            return Optional.empty();
        }
        expectOk(answer, "get " + key);
        return Optional.of(keyValue(answer.json().get(0)));
    }

    @Override
    public Listing list(String prefix) {
        KeyRules.checkPrefix(prefix);
        ensureOpen();
        Snapshot snapshot = snapshot(http.get(ConsulHttp.kvPath(prefix) + "?recurse=true"), prefix);
        remember(prefix, snapshot);
        return new Listing(snapshot.entries(), snapshot.index());
    }

    /** A recursive read: the entries under the prefix and the index they are consistent with. */
    record Snapshot(List<KeyValue> entries, long index) {
    }

    static Snapshot snapshot(ConsulHttp.Answer answer, String prefix) {
        if (answer.status() == 404) {
            return new Snapshot(List.of(), answer.index());
        }
        expectOk(answer, "list " + prefix);
        List<KeyValue> entries = new ArrayList<>();
        for (JsonNode e : answer.json()) {
            entries.add(keyValue(e));
        }
        entries.sort(Comparator.comparing(KeyValue::key));
        return new Snapshot(entries, answer.index());
    }

    private void remember(String prefix, Snapshot snapshot) {
        Map<String, Long> versions = new HashMap<>();
        snapshot.entries().forEach(kv -> versions.put(kv.key(), kv.version()));
        synchronized (listings) {
            listings.put(prefix + "@" + snapshot.index(), versions);
        }
    }

    private Map<String, Long> remembered(String prefix, long index) {
        synchronized (listings) {
            return listings.get(prefix + "@" + index);
        }
    }

    @Override
    public boolean delete(String key) {
        KeyRules.checkKey(key);
        ensureOpen();
        ArrayNode ops = ConsulHttp.JSON.createArrayNode();
        kvOp(ops, "get", key);
        kvOp(ops, "delete", key);
        ConsulHttp.Answer answer = http.put("v1/txn", ops);
        if (answer.status() == 409) {
            return false; // the get failed: the key was absent, so the delete had nothing to do
        }
        expectOk(answer, "delete " + key);
        return true;
    }

    @Override
    public TxnResult commit(Txn txn) {
        ensureOpen();
        ArrayNode ops = ConsulHttp.JSON.createArrayNode();
        List<Integer> ourOp = new ArrayList<>(); // consul op index -> our op index
        for (int i = 0; i < txn.ops().size(); i++) {
            Op op = txn.ops().get(i);
            int before = ops.size();
            translate(op, ops);
            for (int j = before; j < ops.size(); j++) {
                ourOp.add(i);
            }
        }
        ConsulHttp.Answer answer = http.put("v1/txn", ops);
        if (answer.status() == 409) {
            throw rolledBack(txn, ourOp, answer.json());
        }
        expectOk(answer, "transaction " + txn.ops());
        Map<String, Long> written = new HashMap<>();
        for (JsonNode result : answer.json().path("Results")) {
            JsonNode kv = result.path("KV");
            written.merge(kv.path("Key").asText(), kv.path("ModifyIndex").asLong(0), Math::max);
        }
        long revision = 0;
        List<Long> versions = new ArrayList<>();
        for (Op op : txn.ops()) {
            boolean writes = op.kind() == Op.Kind.CREATE || op.kind() == Op.Kind.PUT
                    || op.kind() == Op.Kind.COMPARE_AND_SET;
            long version = writes ? written.getOrDefault(op.key(), 0L) : 0L;
            versions.add(version);
            revision = Math.max(revision, version);
        }
        // a transaction of only deletes and checks: Consul reports no index for it (revision 0)
        return new TxnResult(revision, versions);
    }

    /** Our operation as Consul KV verbs (a write bound to a lease is a check plus a lock). */
    private void translate(Op op, ArrayNode ops) {
        String session = op.lease() == null ? null : sessionOf(op.lease());
        switch (op.kind()) {
            case CREATE -> {
                if (session == null) {
                    kvOp(ops, "cas", op.key()).put("Index", 0).put("Value", b64(op.value()));
                } else {
                    kvOp(ops, "check-not-exists", op.key());
                    lock(ops, op, session);
                }
            }
            case PUT -> {
                if (session == null) {
                    kvOp(ops, "set", op.key()).put("Value", b64(op.value()));
                } else {
                    lock(ops, op, session);
                }
            }
            case COMPARE_AND_SET -> {
                if (op.expectedVersion() == 0) {
                    kvOp(ops, "check-not-exists", op.key());
                } else {
                    kvOp(ops, "check-index", op.key()).put("Index", op.expectedVersion());
                }
                if (session == null) {
                    kvOp(ops, "set", op.key()).put("Value", b64(op.value()));
                } else {
                    lock(ops, op, session);
                }
            }
            case DELETE -> kvOp(ops, "delete", op.key());
            case DELETE_IF_VERSION -> {
                if (op.expectedVersion() == 0) {
                    throw new StoreException.Conflict(op.key(), "condition failed: " + op
                            + " (a present key never has version 0)");
                }
                kvOp(ops, "delete-cas", op.key()).put("Index", op.expectedVersion());
            }
            case CHECK_VERSION -> {
                if (op.expectedVersion() == 0) {
                    kvOp(ops, "check-not-exists", op.key());
                } else {
                    kvOp(ops, "check-index", op.key()).put("Index", op.expectedVersion());
                }
            }
        }
    }

    private static void lock(ArrayNode ops, Op op, String session) {
        kvOp(ops, "lock", op.key()).put("Value", b64(op.value())).put("Session", session);
    }

    private static ObjectNode kvOp(ArrayNode ops, String verb, String key) {
        return ops.addObject().putObject("KV").put("Verb", verb).put("Key", key);
    }

    private static String b64(byte[] value) {
        return Base64.getEncoder().encodeToString(value);
    }

    private static StoreException rolledBack(Txn txn, List<Integer> ourOp, JsonNode body) {
        JsonNode error = body.path("Errors").path(0);
        int consulIndex = error.path("OpIndex").asInt(-1);
        String what = error.path("What").asText("rolled back");
        Op op = consulIndex >= 0 && consulIndex < ourOp.size() ? txn.ops().get(ourOp.get(consulIndex)) : null;
        if (what.contains("session") && !what.contains("already held")) {
            return new StoreException.NotFound("lease of " + (op == null ? "the transaction" : op.key())
                    + " (" + what + ")");
        }
        return new StoreException.Conflict(op == null ? null : op.key(),
                "condition failed: " + (op == null ? txn.ops() : op) + " (Consul: " + what + ")");
    }

    private String sessionOf(Lease lease) {
        if (lease instanceof ConsulLease own && own.http() == http) {
            return own.id();
        }
        throw new StoreException.InvalidArgument("lease " + lease.id() + " belongs to another store");
    }

    static KeyValue keyValue(JsonNode e) {
        JsonNode value = e.path("Value");
        byte[] bytes = value.isTextual() ? Base64.getDecoder().decode(value.asText()) : new byte[0];
        return new KeyValue(e.path("Key").asText(), bytes, e.path("ModifyIndex").asLong(0),
                e.path("Session").asText(""));
    }

    static void expectOk(ConsulHttp.Answer answer, String what) {
        if (answer.status() == 400) {
            throw new StoreException.InvalidArgument("Consul refused " + what + ": " + answer.text());
        }
        if (answer.status() != 200) {
            throw new StoreException.Unavailable("Consul failed " + what + ": HTTP " + answer.status() + " "
                    + answer.text(), null);
        }
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        KeyRules.checkWatch(prefix, afterRevision);
        ensureOpen();
        return started(new ConsulWatch(http, prefix, afterRevision, remembered(prefix, afterRevision),
                listener, resources()::remove));
    }

    /** Grants a session; Consul's floor of 10 s applies, so {@link Lease#ttl()} may exceed {@code ttl}. */
    @Override
    public Lease grantLease(Duration ttl) {
        KeyRules.checkLeaseTtl(ttl);
        ensureOpen();
        Duration actual = ttl.compareTo(MIN_SESSION_TTL) < 0 ? MIN_SESSION_TTL : ttl;
        ObjectNode body = ConsulHttp.JSON.createObjectNode().put("Name", "jovl").put("Behavior", "delete")
                .put("LockDelay", "0s").put("TTL", ((actual.toMillis() + 999) / 1000) + "s");
        ConsulHttp.Answer answer = http.put("v1/session/create", body);
        expectOk(answer, "session create");
        return started(new ConsulLease(http, answer.json().path("ID").asText(), actual, renewals,
                resources()::remove));
    }

    @Override
    public String describe() {
        return "consul " + http.base();
    }

    @Override
    protected void release() {
        renewals.shutdownNow();
        http.close();
    }
}
