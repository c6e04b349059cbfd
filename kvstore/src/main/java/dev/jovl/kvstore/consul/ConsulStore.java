package dev.jovl.kvstore.consul;

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
 *
 * <p>References: Consul's HTTP API docs (KV store, Transaction, Session, "Blocking Queries"),
 * {@code hashicorp/consul} {@code api/} (the client conventions, {@link ConsulHttp}) and its
 * state store ({@code agent/consul/state/txn.go}, {@code kvs.go}: the exact error texts
 * {@link #rolledBack} classifies), and docker/libkv's {@code store/consul/consul.go} (session TTL).
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
        this.renewals = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("jovl-consul-session-renewal").factory());
    }

    /**
     * A client of the Consul agent in {@code url}; {@code security} and Consul's variables in
     * {@code env} give the TLS settings and the token (see {@link ConsulHttp}).
     */
    public static ConsulStore open(StoreUrl url, StoreSecurity security, Map<String, String> env) {
        return new ConsulStore(new ConsulHttp(url, security, env));
    }

    @Override
    public Optional<KeyValue> get(String key) {
        KeyRules.checkKey(key);
        ensureOpen();
        // ?consistent: callers decide on what they read (compare-and-set from it, "is it gone"),
        // and Consul's default mode may answer from a deposed leader (HTTP API docs, "Consistency Modes")
        ConsulHttp.Answer answer = http.get(ConsulHttp.kvPath(key) + "?consistent");
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
        Snapshot snapshot = snapshot(http.get(ConsulHttp.kvPath(prefix) + "?recurse=true&consistent"), prefix);
        remember(prefix, snapshot);
        return new Listing(snapshot.entries(), snapshot.index());
    }

    /** A recursive read: the entries under the prefix and the index they are consistent with. */
    record Snapshot(List<KeyValue> entries, long index) {}

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
        ConsulHttp.checkKey(key);
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
            ConsulHttp.checkKey(op.key());
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
            boolean writes =
                    op.kind() == Op.Kind.CREATE || op.kind() == Op.Kind.PUT || op.kind() == Op.Kind.COMPARE_AND_SET;
            long version = writes ? written.getOrDefault(op.key(), 0L) : 0L;
            versions.add(version);
            revision = Math.max(revision, version);
        }
        // a transaction of only deletes and checks: Consul reports no index for it (revision 0)
        return new TxnResult(revision, versions);
    }

    /**
     * Our operation as Consul KV verbs. A write bound to a lease is a {@code lock}, which fails
     * while another session holds the key, and that other session may be our own from before a
     * restart (abandoned, alive for up to 2 x TTL): so an unconditional or compare-and-set write
     * with a lease is {@code delete} + {@code lock} in the one transaction, which rebinds the key
     * to the new session whoever held it (the conditions come first, so they still see the old
     * key). A create with a lease needs no delete: the key is absent.
     */
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
                    kvOp(ops, "delete", op.key());
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
                    if (op.expectedVersion() != 0) {
                        kvOp(ops, "delete", op.key());
                    }
                    lock(ops, op, session);
                }
            }
            case DELETE -> kvOp(ops, "delete", op.key());
            case DELETE_IF_VERSION -> {
                if (op.expectedVersion() == 0) {
                    throw new StoreException.Conflict(
                            op.key(), "condition failed: " + op + " (a present key never has version 0)");
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

    private void lock(ArrayNode ops, Op op, String session) {
        kvOp(ops, "lock", op.key()).put("Value", b64(op.value())).put("Session", session);
    }

    /** One KV operation; Enterprise's namespace and partition named in each (Transaction API docs). */
    private ObjectNode kvOp(ArrayNode ops, String verb, String key) {
        ObjectNode kv = ops.addObject().putObject("KV").put("Verb", verb).put("Key", key);
        if (!http.namespace().isEmpty()) {
            kv.put("Namespace", http.namespace());
        }
        if (!http.partition().isEmpty()) {
            kv.put("Partition", http.partition());
        }
        return kv;
    }

    private static String b64(byte[] value) {
        return Base64.getEncoder().encodeToString(value);
    }

    /**
     * A rolled-back transaction (HTTP 409), classified by the exact texts of Consul's state store
     * ({@code agent/consul/state/txn.go} {@code txnKVS}, {@code kvs.go} {@code kvsLockTxn} and
     * {@code kvsCheckIndexTxn}), never by a word that a key could contain too.
     */
    static StoreException rolledBack(Txn txn, List<Integer> ourOp, JsonNode body) {
        JsonNode error = body.path("Errors").path(0);
        int consulIndex = error.path("OpIndex").asInt(-1);
        String what = error.path("What").asText("rolled back");
        Op op = consulIndex >= 0 && consulIndex < ourOp.size() ? txn.ops().get(ourOp.get(consulIndex)) : null;
        String key = op == null ? null : op.key();
        return switch (rollbackKind(what, key)) {
            case LEASE_GONE ->
                new StoreException.NotFound(
                        "lease of " + (key == null ? "the transaction" : key) + " (Consul: " + what + ")");
            case CONDITION ->
                new StoreException.Conflict(
                        key, "condition failed: " + (op == null ? txn.ops() : op) + " (Consul: " + what + ")");
            case OTHER ->
                new StoreException.Unavailable("Consul rolled back the transaction " + txn.ops() + ": " + what, null);
        };
    }

    enum Rollback {
        LEASE_GONE,
        CONDITION,
        OTHER
    }

    /** Which of Consul's KV transaction errors {@code what} is, for the operation on {@code key}. */
    static Rollback rollbackKind(String what, String key) {
        // kvsLockTxn: fmt.Errorf("invalid session %#v", session), fmt.Errorf("missing session")
        if (what.startsWith("invalid session \"") || what.equals("missing session")) {
            return Rollback.LEASE_GONE;
        }
        if (key != null) {
            String k = quoted(key);
            for (String condition : List.of(
                    "failed to lock key " + k + ", lock is already held",
                    "key " + k + " exists",
                    "key " + k + " doesn't exist",
                    "failed to check index, key " + k + " doesn't exist",
                    "failed index check for key " + k + ", current modify index ",
                    "failed to set key " + k + ", index is stale",
                    "failed to delete key " + k + ", index is stale")) {
                if (what.startsWith(condition)) {
                    return Rollback.CONDITION;
                }
            }
        }
        return Rollback.OTHER;
    }

    /** Go's %q of a printable-ASCII key: in double quotes, '"' and '\\' escaped. */
    private static String quoted(String key) {
        return "\"" + key.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
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
        return new KeyValue(
                e.path("Key").asText(),
                bytes,
                e.path("ModifyIndex").asLong(0),
                e.path("Session").asText(""));
    }

    static void expectOk(ConsulHttp.Answer answer, String what) {
        if (answer.status() == 400) {
            throw new StoreException.InvalidArgument("Consul refused " + what + ": " + answer.text());
        }
        if (answer.status() != 200) {
            throw new StoreException.Unavailable(
                    "Consul failed " + what + ": HTTP " + answer.status() + " " + answer.text(), null);
        }
    }

    @Override
    public Watch watch(String prefix, long afterRevision, WatchListener listener) {
        KeyRules.checkWatch(prefix, afterRevision);
        ensureOpen();
        return started(new ConsulWatch(
                http, prefix, afterRevision, remembered(prefix, afterRevision), listener, resources()::remove));
    }

    /**
     * Grants a session. Consul invalidates a session only after twice its TTL (Session API docs:
     * "Consul may take up to 2x the TTL"; the leader's timer is TTL x 2), so, as docker/libkv does
     * ({@code TTL: (ttl / 2).String() // Consul multiplies the TTL by 2x}), the session's TTL is
     * half the lease's: the keys go about {@code ttl} after the last renewal. Consul refuses
     * session TTLs below 10 s, so the shortest lease is 20 s; {@link Lease#ttl()} says what was
     * granted (2 x the session TTL).
     *
     * <p>{@code "NodeChecks": []}: no health check ties the session to the agent it was created
     * on (by default every session carries the agent's {@code serfHealth}, which would make every
     * host's keys depend on one agent's health); only the TTL and revocation end it.
     * {@code LockDelay=0s}: a rebound or re-created key is writable at once. The session is named
     * after this host, so an operator listing sessions sees whose they are.
     */
    @Override
    public Lease grantLease(Duration ttl) {
        KeyRules.checkLeaseTtl(ttl);
        ensureOpen();
        long sessionSeconds = Math.max(MIN_SESSION_TTL.toSeconds(), (ttl.toMillis() / 2 + 999) / 1000);
        ObjectNode body = ConsulHttp.JSON
                .createObjectNode()
                .put("Name", SESSION_NAME)
                .put("Behavior", "delete")
                .put("LockDelay", "0s")
                .put("TTL", sessionSeconds + "s");
        body.putArray("NodeChecks");
        ConsulHttp.Answer answer = http.put("v1/session/create", body);
        expectOk(answer, "session create");
        return started(new ConsulLease(
                http,
                answer.json().path("ID").asText(),
                Duration.ofSeconds(2 * sessionSeconds),
                renewals,
                resources()::remove));
    }

    /** "jovl on HOST": the session name an operator sees in {@code consul operator} / the UI. */
    private static final String SESSION_NAME = "jovl on " + hostName();

    /** The UTS host name (no DNS lookup), else $HOSTNAME. */
    private static String hostName() {
        try {
            String name = java.nio.file.Files.readString(java.nio.file.Path.of("/proc/sys/kernel/hostname"))
                    .trim();
            if (!name.isEmpty()) {
                return name;
            }
        } catch (java.io.IOException | RuntimeException e) {
            // not Linux: fall back
        }
        String env = System.getenv("HOSTNAME");
        return env == null || env.isBlank() ? "unknown host" : env;
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
