package dev.jovl.kvstore.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.HashMap;
import java.util.Map;

/**
 * etcd's gRPC API over the JDK's HTTP/2 client, for TLS connections, speaking the same JSON
 * shapes as the gateway (so {@link EtcdStore}, {@link EtcdWatch} and {@link EtcdLease} do not
 * know which one they use). Why not the gateway there: once authentication is on, etcd's gateway
 * refuses every request whose client certificate carries a Common Name (HTTP 400 "CommonName of
 * client sending a request against gateway will be ignored and not used as expected",
 * {@code embed/serve.go}), and certificates made for etcd usually have one. Over gRPC the same
 * certificate is accepted (and, without a user, its Common Name is etcd's user).
 *
 * <p>The messages are encoded from and decoded to the gateway's JSON (proto3 JSON with the
 * original field names: bytes in base64, 64-bit numbers as strings, enums by name, defaults
 * left out) with the field numbers of etcd's {@code api/etcdserverpb/rpc.proto} and
 * {@code api/mvccpb/kv.proto}; only the fields jovl uses are known, others are skipped.
 * A call's status is gRPC's {@code grpc-status}/{@code grpc-message}, which etcd sends as
 * "trailers only" (in the response headers) for a failed call; it is turned into the gateway's
 * error shape ({@code code}, {@code message}) so the errors are classified the same way.
 */
final class EtcdGrpc {
    private enum Type {
        BYTES,
        INT64,
        BOOL,
        STRING,
        ENUM,
        MESSAGE
    }

    private record Field(String name, int number, Type type, String message, boolean repeated, String[] enumNames) {}

    /** message -> field number -> field, and message -> JSON name -> field. */
    private static final Map<String, Map<Integer, Field>> BY_NUMBER = new HashMap<>();

    private static final Map<String, Map<String, Field>> BY_NAME = new HashMap<>();

    private static void field(String message, String name, int number, Type type) {
        add(message, new Field(name, number, type, null, false, null));
    }

    private static void add(String message, Field f) {
        BY_NUMBER.computeIfAbsent(message, m -> new HashMap<>()).put(f.number(), f);
        BY_NAME.computeIfAbsent(message, m -> new HashMap<>()).put(f.name(), f);
    }

    static {
        field("ResponseHeader", "revision", 3, Type.INT64);
        add("KeyValue", new Field("key", 1, Type.BYTES, null, false, null));
        field("KeyValue", "create_revision", 2, Type.INT64);
        field("KeyValue", "mod_revision", 3, Type.INT64);
        field("KeyValue", "version", 4, Type.INT64);
        field("KeyValue", "value", 5, Type.BYTES);
        field("KeyValue", "lease", 6, Type.INT64);
        add("Event", new Field("type", 1, Type.ENUM, null, false, new String[] {"PUT", "DELETE"}));
        add("Event", new Field("kv", 2, Type.MESSAGE, "KeyValue", false, null));
        field("RangeRequest", "key", 1, Type.BYTES);
        field("RangeRequest", "range_end", 2, Type.BYTES);
        field("RangeRequest", "limit", 3, Type.INT64);
        field("RangeRequest", "revision", 4, Type.INT64);
        field("RangeRequest", "serializable", 7, Type.BOOL);
        field("RangeRequest", "keys_only", 8, Type.BOOL);
        field("RangeRequest", "count_only", 9, Type.BOOL);
        header("RangeResponse");
        add("RangeResponse", new Field("kvs", 2, Type.MESSAGE, "KeyValue", true, null));
        field("RangeResponse", "more", 3, Type.BOOL);
        field("RangeResponse", "count", 4, Type.INT64);
        field("PutRequest", "key", 1, Type.BYTES);
        field("PutRequest", "value", 2, Type.BYTES);
        field("PutRequest", "lease", 3, Type.INT64);
        header("PutResponse");
        field("DeleteRangeRequest", "key", 1, Type.BYTES);
        field("DeleteRangeRequest", "range_end", 2, Type.BYTES);
        header("DeleteRangeResponse");
        field("DeleteRangeResponse", "deleted", 2, Type.INT64);
        add("RequestOp", new Field("request_range", 1, Type.MESSAGE, "RangeRequest", false, null));
        add("RequestOp", new Field("request_put", 2, Type.MESSAGE, "PutRequest", false, null));
        add("RequestOp", new Field("request_delete_range", 3, Type.MESSAGE, "DeleteRangeRequest", false, null));
        add("ResponseOp", new Field("response_range", 1, Type.MESSAGE, "RangeResponse", false, null));
        add("ResponseOp", new Field("response_put", 2, Type.MESSAGE, "PutResponse", false, null));
        add("ResponseOp", new Field("response_delete_range", 3, Type.MESSAGE, "DeleteRangeResponse", false, null));
        add(
                "Compare",
                new Field("result", 1, Type.ENUM, null, false, new String[] {"EQUAL", "GREATER", "LESS", "NOT_EQUAL"}));
        add("Compare", new Field("target", 2, Type.ENUM, null, false, new String[] {
            "VERSION", "CREATE", "MOD", "VALUE", "LEASE"
        }));
        field("Compare", "key", 3, Type.BYTES);
        field("Compare", "version", 4, Type.INT64);
        field("Compare", "create_revision", 5, Type.INT64);
        field("Compare", "mod_revision", 6, Type.INT64);
        field("Compare", "value", 7, Type.BYTES);
        field("Compare", "lease", 8, Type.INT64);
        field("Compare", "range_end", 64, Type.BYTES);
        add("TxnRequest", new Field("compare", 1, Type.MESSAGE, "Compare", true, null));
        add("TxnRequest", new Field("success", 2, Type.MESSAGE, "RequestOp", true, null));
        add("TxnRequest", new Field("failure", 3, Type.MESSAGE, "RequestOp", true, null));
        header("TxnResponse");
        field("TxnResponse", "succeeded", 2, Type.BOOL);
        add("TxnResponse", new Field("responses", 3, Type.MESSAGE, "ResponseOp", true, null));
        field("LeaseGrantRequest", "TTL", 1, Type.INT64);
        field("LeaseGrantRequest", "ID", 2, Type.INT64);
        header("LeaseGrantResponse");
        field("LeaseGrantResponse", "ID", 2, Type.INT64);
        field("LeaseGrantResponse", "TTL", 3, Type.INT64);
        field("LeaseGrantResponse", "error", 4, Type.STRING);
        field("LeaseRevokeRequest", "ID", 1, Type.INT64);
        header("LeaseRevokeResponse");
        field("LeaseKeepAliveRequest", "ID", 1, Type.INT64);
        header("LeaseKeepAliveResponse");
        field("LeaseKeepAliveResponse", "ID", 2, Type.INT64);
        field("LeaseKeepAliveResponse", "TTL", 3, Type.INT64);
        field("AuthenticateRequest", "name", 1, Type.STRING);
        field("AuthenticateRequest", "password", 2, Type.STRING);
        header("AuthenticateResponse");
        field("AuthenticateResponse", "token", 2, Type.STRING);
        add("WatchRequest", new Field("create_request", 1, Type.MESSAGE, "WatchCreateRequest", false, null));
        field("WatchCreateRequest", "key", 1, Type.BYTES);
        field("WatchCreateRequest", "range_end", 2, Type.BYTES);
        field("WatchCreateRequest", "start_revision", 3, Type.INT64);
        header("WatchResponse");
        field("WatchResponse", "watch_id", 2, Type.INT64);
        field("WatchResponse", "created", 3, Type.BOOL);
        field("WatchResponse", "canceled", 4, Type.BOOL);
        field("WatchResponse", "compact_revision", 5, Type.INT64);
        field("WatchResponse", "cancel_reason", 6, Type.STRING);
        add("WatchResponse", new Field("events", 11, Type.MESSAGE, "Event", true, null));
    }

    private static void header(String message) {
        add(message, new Field("header", 1, Type.MESSAGE, "ResponseHeader", false, null));
    }

    /** A gateway path, its gRPC method, message types, and whether the answer is a stream ("result"). */
    private record Method(String grpcPath, String request, String response, boolean streaming) {}

    private static final Map<String, Method> METHODS = Map.of(
            "v3/kv/range", new Method("etcdserverpb.KV/Range", "RangeRequest", "RangeResponse", false),
            "v3/kv/put", new Method("etcdserverpb.KV/Put", "PutRequest", "PutResponse", false),
            "v3/kv/deleterange",
                    new Method("etcdserverpb.KV/DeleteRange", "DeleteRangeRequest", "DeleteRangeResponse", false),
            "v3/kv/txn", new Method("etcdserverpb.KV/Txn", "TxnRequest", "TxnResponse", false),
            "v3/lease/grant",
                    new Method("etcdserverpb.Lease/LeaseGrant", "LeaseGrantRequest", "LeaseGrantResponse", false),
            "v3/lease/revoke",
                    new Method("etcdserverpb.Lease/LeaseRevoke", "LeaseRevokeRequest", "LeaseRevokeResponse", false),
            "v3/lease/keepalive",
                    new Method(
                            "etcdserverpb.Lease/LeaseKeepAlive",
                            "LeaseKeepAliveRequest",
                            "LeaseKeepAliveResponse",
                            true),
            "v3/auth/authenticate",
                    new Method("etcdserverpb.Auth/Authenticate", "AuthenticateRequest", "AuthenticateResponse", false),
            "v3/watch", new Method("etcdserverpb.Watch/Watch", "WatchRequest", "WatchResponse", true));

    private final EtcdH2 h2;

    EtcdGrpc(EtcdH2 h2) {
        this.h2 = h2;
    }

    /** One request, one answer, in the gateway's shapes; the answer is an error object when the status is not 200. */
    EtcdGateway.Reply unary(URI endpoint, String path, ObjectNode body, Duration deadline, String token)
            throws IOException, InterruptedException {
        Method m = method(path);
        EtcdH2.Result r = h2.call(endpoint, m.grpcPath(), metadata(token, false), frame(m, body), deadline);
        String status = r.status("grpc-status");
        byte[] message = readFrame(new java.io.ByteArrayInputStream(r.body()));
        if (status == null && message == null) {
            throw new IOException("etcd answered " + m.grpcPath() + " with neither a message nor a status");
        }
        if (status != null && !status.equals("0")) {
            return error(status, r.status("grpc-message"));
        }
        ObjectNode decoded = decode(m.response(), message == null ? new byte[0] : message);
        if (m.streaming()) {
            ObjectNode wrapped = EtcdGateway.JSON.createObjectNode();
            wrapped.set("result", decoded);
            return new EtcdGateway.Reply(200, wrapped);
        }
        return new EtcdGateway.Reply(200, decoded);
    }

    /**
     * Opens a streaming call (watch): one request, then the answers as the gateway's JSON lines
     * ({@code {"result": ...}}). Sending one request and ending our side is what the gateway
     * does too: etcd keeps the watch after the client's half-close.
     */
    EtcdGateway.Opened stream(
            URI endpoint, String path, ObjectNode body, Duration openWithin, String token, boolean requireLeader)
            throws IOException, InterruptedException {
        Method m = method(path);
        EtcdH2.Streaming s =
                h2.stream(endpoint, m.grpcPath(), metadata(token, requireLeader), frame(m, body), openWithin);
        CharSequence status = s.headers().get("grpc-status");
        if (status != null && !status.toString().equals("0")) {
            s.body().close();
            CharSequence message = s.headers().get("grpc-message");
            EtcdGateway.Reply error = error(status.toString(), message == null ? null : message.toString());
            return new EtcdGateway.Opened(
                    error.status(), new java.io.ByteArrayInputStream(EtcdGateway.JSON.writeValueAsBytes(error.json())));
        }
        return new EtcdGateway.Opened(200, new JsonLines(s.body(), m.response()));
    }

    /** The gateway's error shape for a gRPC status. */
    private static EtcdGateway.Reply error(String status, String encodedMessage) {
        int code;
        try {
            code = Integer.parseInt(status);
        } catch (NumberFormatException e) {
            code = 2;
        }
        String message = encodedMessage == null ? "gRPC status " + code : percentDecode(encodedMessage);
        return new EtcdGateway.Reply(
                400,
                EtcdGateway.JSON
                        .createObjectNode()
                        .put("code", code)
                        .put("message", message)
                        .put("error", message));
    }

    private static Map<String, String> metadata(String token, boolean requireLeader) {
        Map<String, String> h = new java.util.LinkedHashMap<>();
        h.put("content-type", "application/grpc");
        h.put("te", "trailers");
        if (token != null) {
            h.put("token", token); // etcd's rpctypes.TokenFieldNameGRPC
        }
        if (requireLeader) {
            h.put("hasleader", "true"); // rpctypes.MetadataRequireLeaderKey, as clientv3.WithRequireLeader sets it
        }
        return h;
    }

    private static byte[] frame(Method m, ObjectNode body) {
        byte[] message = encode(m.request(), body);
        byte[] frame = new byte[5 + message.length];
        frame[1] = (byte) (message.length >>> 24);
        frame[2] = (byte) (message.length >>> 16);
        frame[3] = (byte) (message.length >>> 8);
        frame[4] = (byte) message.length;
        System.arraycopy(message, 0, frame, 5, message.length);
        return frame;
    }

    void close() {
        h2.close();
    }

    private static Method method(String path) {
        Method m = METHODS.get(path);
        if (m == null) {
            throw new IllegalArgumentException("no gRPC method for " + path);
        }
        return m;
    }

    /** grpc-message is percent-encoded (gRPC's HTTP/2 protocol spec); '+' stays '+'. */
    static String percentDecode(String s) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (int i = 0; i < s.length(); i++) {
            char c = s.charAt(i);
            if (c == '%' && i + 2 < s.length()) {
                out.write(Integer.parseInt(s.substring(i + 1, i + 3), 16));
                i += 2;
            } else {
                out.write(c);
            }
        }
        return out.toString(StandardCharsets.UTF_8);
    }

    /** Reads one length-prefixed gRPC message, or null at the end of the stream. */
    private static byte[] readFrame(InputStream in) throws IOException {
        byte[] head = in.readNBytes(5);
        if (head.length == 0) {
            return null;
        }
        if (head.length < 5) {
            throw new EOFException("the gRPC stream ended mid-frame");
        }
        if (head[0] != 0) {
            throw new IOException("etcd sent a compressed gRPC message");
        }
        int length = ((head[1] & 0xff) << 24) | ((head[2] & 0xff) << 16) | ((head[3] & 0xff) << 8) | (head[4] & 0xff);
        byte[] message = in.readNBytes(length);
        if (message.length < length) {
            throw new EOFException("the gRPC stream ended mid-message");
        }
        return message;
    }

    // ---- proto3 <-> the gateway's JSON

    static byte[] encode(String type, JsonNode json) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Map<String, Field> fields = BY_NAME.getOrDefault(type, Map.of());
        var names = json.fieldNames();
        while (names.hasNext()) {
            String name = names.next();
            Field f = fields.get(name);
            if (f == null) {
                throw new IllegalArgumentException("no field " + type + "." + name + " in jovl's etcd schema");
            }
            JsonNode value = json.get(name);
            if (f.repeated()) {
                for (JsonNode v : value) {
                    write(out, f, v);
                }
            } else {
                write(out, f, value);
            }
        }
        return out.toByteArray();
    }

    private static void write(ByteArrayOutputStream out, Field f, JsonNode v) {
        switch (f.type()) {
            case BYTES -> lengthDelimited(out, f.number(), Base64.getDecoder().decode(v.asText()));
            case STRING -> lengthDelimited(out, f.number(), v.asText().getBytes(StandardCharsets.UTF_8));
            case MESSAGE -> lengthDelimited(out, f.number(), encode(f.message(), v));
            case INT64 -> varintField(out, f.number(), Long.parseLong(v.asText()));
            case BOOL -> varintField(out, f.number(), v.asBoolean() ? 1 : 0);
            case ENUM -> {
                long n = -1;
                for (int i = 0; i < f.enumNames().length; i++) {
                    if (f.enumNames()[i].equals(v.asText())) {
                        n = i;
                    }
                }
                if (n < 0) {
                    throw new IllegalArgumentException("no value " + v + " of " + f.name());
                }
                varintField(out, f.number(), n);
            }
        }
    }

    private static void varintField(ByteArrayOutputStream out, int number, long value) {
        varint(out, (long) number << 3);
        varint(out, value);
    }

    private static void lengthDelimited(ByteArrayOutputStream out, int number, byte[] bytes) {
        varint(out, ((long) number << 3) | 2);
        varint(out, bytes.length);
        out.writeBytes(bytes);
    }

    private static void varint(ByteArrayOutputStream out, long v) {
        while ((v & ~0x7fL) != 0) {
            out.write((int) ((v & 0x7f) | 0x80));
            v >>>= 7;
        }
        out.write((int) v);
    }

    static ObjectNode decode(String type, byte[] bytes) {
        ObjectNode json = EtcdGateway.JSON.createObjectNode();
        Map<Integer, Field> fields = BY_NUMBER.getOrDefault(type, Map.of());
        int[] pos = {0};
        while (pos[0] < bytes.length) {
            long tag = readVarint(bytes, pos);
            int number = (int) (tag >>> 3);
            int wire = (int) (tag & 7);
            Field f = fields.get(number);
            switch (wire) {
                case 0 -> {
                    long v = readVarint(bytes, pos);
                    if (f != null) {
                        switch (f.type()) {
                            case BOOL -> json.put(f.name(), v != 0);
                            case ENUM ->
                                json.put(
                                        f.name(), v < f.enumNames().length ? f.enumNames()[(int) v] : Long.toString(v));
                            default -> json.put(f.name(), Long.toString(v));
                        }
                    }
                }
                case 2 -> {
                    int length = (int) readVarint(bytes, pos);
                    byte[] value = java.util.Arrays.copyOfRange(bytes, pos[0], pos[0] + length);
                    pos[0] += length;
                    if (f != null) {
                        JsonNode v = switch (f.type()) {
                            case BYTES ->
                                EtcdGateway.JSON
                                        .getNodeFactory()
                                        .textNode(Base64.getEncoder().encodeToString(value));
                            case STRING ->
                                EtcdGateway.JSON.getNodeFactory().textNode(new String(value, StandardCharsets.UTF_8));
                            case MESSAGE -> decode(f.message(), value);
                            default -> throw new IllegalArgumentException("bad wire type for " + f.name());
                        };
                        if (f.repeated()) {
                            ArrayNode array =
                                    json.has(f.name()) ? (ArrayNode) json.get(f.name()) : json.putArray(f.name());
                            array.add(v);
                        } else {
                            json.set(f.name(), v);
                        }
                    }
                }
                case 1 -> pos[0] += 8;
                case 5 -> pos[0] += 4;
                default -> throw new IllegalArgumentException("unknown protobuf wire type " + wire + " in " + type);
            }
        }
        return json;
    }

    private static long readVarint(byte[] b, int[] pos) {
        long v = 0;
        for (int shift = 0; shift < 64; shift += 7) {
            byte x = b[pos[0]++];
            v |= (long) (x & 0x7f) << shift;
            if ((x & 0x80) == 0) {
                return v;
            }
        }
        throw new IllegalArgumentException("malformed varint");
    }

    /** A gRPC response stream read as the gateway's JSON lines ({@code {"result": ...}\n} each). */
    private static final class JsonLines extends ChunkStream {
        private final InputStream frames;
        private final String type;

        JsonLines(InputStream frames, String type) {
            this.frames = frames;
            this.type = type;
        }

        @Override
        protected byte[] nextChunk() throws IOException {
            byte[] frame = readFrame(frames);
            if (frame == null) {
                return null;
            }
            ObjectNode wrapped = EtcdGateway.JSON.createObjectNode();
            wrapped.set("result", decode(type, frame));
            return (EtcdGateway.JSON.writeValueAsString(wrapped) + "\n").getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public void close() throws IOException {
            frames.close();
        }
    }
}
