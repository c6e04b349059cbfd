package dev.jovl.kvstore.consul;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.kvstore.Stores;
import dev.jovl.kvstore.Txn;
import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the Consul backend puts on the wire, checked against Consul's HTTP API docs and its Go
 * client ({@code hashicorp/consul} {@code api/api.go}), over {@code CONSUL_HTTP_ADDR=unix://...}
 * with a recorder that answers each request with the one fixed answer the test gives for it.
 * This simulates none of Consul's behaviour (no KV, no sessions): it shows which variables the
 * client honours and the shape of its requests; what Consul does with them is the business of
 * {@code ConsulStoreConformanceTest} against a real agent.
 */
class ConsulRequestShapeTest {
    @TempDir
    Path dir;

    private ServerSocketChannel server;
    private final List<String> requests = new CopyOnWriteArrayList<>();

    /** One request seen: its first line, headers and body, as sent. */
    private record Seen(String line, Map<String, String> headers, String body) {}

    private final List<Seen> seen = new CopyOnWriteArrayList<>();

    /** Listens on a unix socket; {@code answer} maps a request line to a whole HTTP answer. */
    private Path record(Function<String, String> answer) throws IOException {
        Path socket = dir.resolve("consul.sock");
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(socket));
        Thread.ofVirtual().start(() -> {
            while (server.isOpen()) {
                try (SocketChannel c = server.accept()) {
                    Seen s = read(c);
                    seen.add(s);
                    requests.add(s.line());
                    c.write(ByteBuffer.wrap(answer.apply(s.line()).getBytes(StandardCharsets.UTF_8)));
                } catch (IOException e) {
                    return;
                }
            }
        });
        return socket;
    }

    private static Seen read(SocketChannel c) throws IOException {
        StringBuilder got = new StringBuilder();
        ByteBuffer in = ByteBuffer.allocate(65536);
        int headEnd;
        while ((headEnd = got.indexOf("\r\n\r\n")) < 0) {
            in.clear();
            if (c.read(in) < 0) {
                throw new IOException("closed before the headers ended");
            }
            got.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
        }
        String[] lines = got.substring(0, headEnd).split("\r\n");
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).toLowerCase(java.util.Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        int length = Integer.parseInt(headers.getOrDefault("content-length", "0"));
        while (got.length() - headEnd - 4 < length) {
            in.clear();
            if (c.read(in) < 0) {
                break;
            }
            got.append(new String(in.array(), 0, in.position(), StandardCharsets.UTF_8));
        }
        return new Seen(lines[0], headers, got.substring(headEnd + 4));
    }

    private static String ok(String json, long index) {
        return "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nX-Consul-Index: " + index + "\r\nContent-Length: "
                + json.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + json;
    }

    private static String status(int code, String reason, String text, String extraHeader) {
        return "HTTP/1.1 " + code + " " + reason + "\r\n" + extraHeader + "Content-Length: "
                + text.getBytes(StandardCharsets.UTF_8).length + "\r\n\r\n" + text;
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
    }

    /**
     * api.go DefaultConfig/NewClient: CONSUL_HTTP_TOKEN_FILE wins over CONSUL_HTTP_TOKEN (sent as
     * X-Consul-Token), CONSUL_NAMESPACE and CONSUL_PARTITION are the ns and partition query
     * parameters of every request; the URL's ?dc= is dc; reads a decision depends on are
     * ?consistent (HTTP API docs, "Consistency Modes"); the URL's path is a key prefix.
     */
    @Test
    void tokenFileNamespacePartitionDatacenterAndConsistentReads() throws Exception {
        Path socket = record(line -> status(404, "Not Found", "", "X-Consul-Index: 5\r\n"));
        Path tokenFile = dir.resolve("token");
        Files.writeString(tokenFile, "from-the-file\n");
        Map<String, String> env = Map.of(
                "CONSUL_HTTP_ADDR", "unix://" + socket,
                "CONSUL_HTTP_TOKEN", "from-the-variable",
                "CONSUL_HTTP_TOKEN_FILE", tokenFile.toString(),
                "CONSUL_NAMESPACE", "team-a",
                "CONSUL_PARTITION", "part-1");
        try (Store s = Stores.open("consul:///cluster-a?dc=dc2", StoreSecurity.NONE, env)) {
            assertTrue(s.get("jovl/k").isEmpty());
            assertTrue(s.list("jovl/").entries().isEmpty());
            assertFalse(s.describe().contains("from-the"), s.describe());
        }
        assertEquals(
                List.of(
                        "GET /v1/kv/cluster-a/jovl/k?consistent&dc=dc2&ns=team-a&partition=part-1 HTTP/1.1",
                        "GET /v1/kv/cluster-a/jovl/?recurse=true&consistent&dc=dc2&ns=team-a&partition=part-1 HTTP/1.1"),
                requests);
        for (Seen s : seen) {
            assertEquals("from-the-file", s.headers().get("x-consul-token"), s.toString());
        }
    }

    /**
     * Session API: Behavior=delete, LockDelay 0s, NodeChecks [] (no serfHealth), a per-host name,
     * and half the lease as TTL (Consul invalidates after 2 x TTL, as docker/libkv allows for);
     * Transaction API: a put with a lease is delete + lock with the session, each operation
     * naming the namespace and partition.
     */
    @Test
    void leasesAreSessionsAndALeasedPutRebindsTheKey() throws Exception {
        Path socket = record(line -> {
            if (line.startsWith("PUT /v1/session/create")) {
                return ok("{\"ID\":\"sess-1\"}", 0);
            }
            if (line.startsWith("PUT /v1/txn")) {
                return ok("{\"Results\":[{\"KV\":{\"Key\":\"jovl/h\",\"ModifyIndex\":7}}],\"Errors\":null}", 7);
            }
            return ok("true", 0);
        });
        Map<String, String> env =
                Map.of("CONSUL_HTTP_ADDR", "unix://" + socket, "CONSUL_NAMESPACE", "team-a", "CONSUL_PARTITION", "p");
        try (Store s = Stores.open("consul://", StoreSecurity.NONE, env);
                Lease lease = s.grantLease(Duration.ofSeconds(20))) {
            assertEquals(Duration.ofSeconds(20), lease.ttl());
            assertEquals("sess-1", lease.id());
            assertEquals(
                    7,
                    s.commit(Txn.of(Op.put("jovl/h", new byte[] {1}).withLease(lease)))
                            .version(0));
        }
        Seen create = seen.get(0);
        assertTrue(create.line().startsWith("PUT /v1/session/create?ns=team-a&partition=p "), create.line());
        JsonNode session = ConsulHttp.JSON.readTree(create.body());
        assertEquals("delete", session.path("Behavior").asText());
        assertEquals("0s", session.path("LockDelay").asText());
        assertEquals("10s", session.path("TTL").asText());
        assertTrue(
                session.path("NodeChecks").isArray()
                        && session.path("NodeChecks").isEmpty(),
                create.body());
        assertTrue(session.path("Name").asText().startsWith("jovl on "), create.body());
        JsonNode txn = ConsulHttp.JSON.readTree(seen.get(1).body());
        assertEquals(2, txn.size(), txn.toString());
        assertEquals("delete", txn.get(0).path("KV").path("Verb").asText());
        JsonNode lock = txn.get(1).path("KV");
        assertEquals("lock", lock.path("Verb").asText());
        assertEquals("jovl/h", lock.path("Key").asText());
        assertEquals("sess-1", lock.path("Session").asText());
        assertEquals("AQ==", lock.path("Value").asText());
        assertEquals("team-a", lock.path("Namespace").asText());
        assertEquals("p", lock.path("Partition").asText());
        // closing the lease destroys the session
        assertTrue(
                requests.stream().anyMatch(r -> r.startsWith("PUT /v1/session/destroy/sess-1")), requests.toString());
    }

    /** CONSUL_HTTP_AUTH (user:password) is HTTP basic auth; --store-user with a password file wins over it. */
    @Test
    void basicAuthFromTheVariableOrTheStoreUser() throws Exception {
        Path socket = record(line -> status(404, "Not Found", "", "X-Consul-Index: 5\r\n"));
        Path pw = dir.resolve("pw");
        Files.writeString(pw, "s3cret");
        Map<String, String> env = Map.of("CONSUL_HTTP_ADDR", "unix://" + socket, "CONSUL_HTTP_AUTH", "ops:var-pw");
        try (Store s = Stores.open("consul://", StoreSecurity.NONE, env)) {
            s.get("k");
        }
        try (Store s = Stores.open("consul://", new StoreSecurity(null, null, null, "jovl", pw, null), env)) {
            s.get("k");
        }
        // a password file without a user is the ACL token (as CONSUL_HTTP_TOKEN_FILE)
        try (Store s = Stores.open("consul://", new StoreSecurity(null, null, null, null, pw, null), env)) {
            s.get("k");
        }
        assertEquals(basic("ops:var-pw"), seen.get(0).headers().get("authorization"));
        assertEquals(basic("jovl:s3cret"), seen.get(1).headers().get("authorization"));
        assertEquals("s3cret", seen.get(2).headers().get("x-consul-token"));
    }

    private static String basic(String userPassword) {
        return "Basic " + Base64.getEncoder().encodeToString(userPassword.getBytes(StandardCharsets.UTF_8));
    }

    /**
     * ACL answers (HTTP 403 with Consul's texts "ACL not found", "Permission denied") say
     * "authentication failed" / "permission denied"; a listing filtered by ACLs
     * (X-Consul-Results-Filtered-By-ACLs) is an error, not a state with keys missing.
     */
    @Test
    void aclRefusalsAndFilteredListingsAreNamed() throws Exception {
        Path socket = record(line -> {
            if (line.contains("/v1/kv/unknown-token")) {
                return status(403, "Forbidden", "ACL not found", "");
            }
            if (line.contains("/v1/kv/denied")) {
                return status(403, "Forbidden", "Permission denied", "");
            }
            return "HTTP/1.1 200 OK\r\nX-Consul-Index: 9\r\nX-Consul-Results-Filtered-By-ACLs: true\r\n"
                    + "Content-Length: 2\r\n\r\n[]";
        });
        try (Store s = Stores.open("consul://", StoreSecurity.NONE, Map.of("CONSUL_HTTP_ADDR", "unix://" + socket))) {
            StoreException e = assertThrows(StoreException.Unavailable.class, () -> s.get("unknown-token"));
            assertTrue(e.getMessage().contains("authentication failed"), e.getMessage());
            e = assertThrows(StoreException.Unavailable.class, () -> s.get("denied"));
            assertTrue(e.getMessage().contains("permission denied"), e.getMessage());
            e = assertThrows(StoreException.Unavailable.class, () -> s.list("jovl/"));
            assertTrue(e.getMessage().contains("X-Consul-Results-Filtered-By-ACLs"), e.getMessage());
        }
    }

    /**
     * The blocking-query rules of Consul's docs ("Blocking Queries", implementation details): the
     * index is reset, with a resync, when it goes backwards; an index below 1 is taken as 1; a
     * query that returns at once without a change is followed by a growing pause instead of
     * being repeated at once.
     */
    @Test
    void watchesFollowTheBlockingQueryRules() throws Exception {
        String entry = "[{\"Key\":\"w/a\",\"ModifyIndex\":3,\"Value\":\"AQ==\"}]";
        Path socket = record(line -> {
            if (!line.contains("index=")) {
                return ok(entry.replace(":3,", ":10,"), 10); // the first, non-blocking read
            }
            if (line.contains("index=10&")) {
                return ok(entry, 5); // the index went backwards (a restored snapshot)
            }
            return ok(entry, 0); // an index of 0, at once, without a change: a misbehaving agent
        });
        dev.jovl.kvstore.EventRecorder listener = new dev.jovl.kvstore.EventRecorder();
        try (Store s = Stores.open("consul://", StoreSecurity.NONE, Map.of("CONSUL_HTTP_ADDR", "unix://" + socket));
                dev.jovl.kvstore.Watch w = s.watch("w/", 10, listener)) {
            listener.awaitResync(Duration.ofSeconds(5));
            Thread.sleep(1500);
        }
        List<String> blocking =
                requests.stream().filter(r -> r.contains("index=")).toList();
        assertTrue(blocking.get(0).contains("index=10&wait=30s"), blocking.toString());
        assertTrue(blocking.get(1).contains("index=5&"), "reset to the lower index: " + blocking);
        assertTrue(blocking.stream().skip(2).allMatch(r -> r.contains("index=1&")), "0 taken as 1: " + blocking);
        // answers at once for 1.5 s: a growing pause from 100 ms allows a handful of queries, not hundreds
        assertTrue(blocking.size() < 15, blocking.size() + " queries: " + blocking);
    }
}
