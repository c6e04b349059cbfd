package dev.jovl.kvstore.etcd;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.WatchEvent;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Base64;

/**
 * The gateway's JSON shapes: keys and values are base64, 64-bit numbers are decimal strings,
 * and fields at their default (0, false, PUT) are left out altogether.
 */
final class EtcdJson {
    private EtcdJson() {}

    static String b64(byte[] bytes) {
        return Base64.getEncoder().encodeToString(bytes);
    }

    static String b64(String key) {
        return b64(key.getBytes(StandardCharsets.US_ASCII));
    }

    static byte[] unb64(JsonNode node) {
        return node == null || node.isMissingNode() || node.isNull()
                ? new byte[0]
                : Base64.getDecoder().decode(node.asText());
    }

    static ObjectNode object() {
        return EtcdGateway.JSON.createObjectNode();
    }

    /** {@code key} and {@code range_end} covering every key starting with {@code prefix}. */
    static ObjectNode prefixRange(String prefix) {
        if (prefix.isEmpty()) {
            // key "\0" with range_end "\0" means every key
            return object().put("key", b64(new byte[] {0})).put("range_end", b64(new byte[] {0}));
        }
        byte[] end = prefix.getBytes(StandardCharsets.US_ASCII);
        // keys are printable ASCII, so the last byte is below 0x7f and +1 never carries
        end = Arrays.copyOf(end, end.length);
        end[end.length - 1]++;
        return object().put("key", b64(prefix)).put("range_end", b64(end));
    }

    static long revision(JsonNode answer) {
        return answer.path("header").path("revision").asLong(0);
    }

    static KeyValue keyValue(JsonNode kv) {
        long lease = kv.path("lease").asLong(0);
        return new KeyValue(
                new String(unb64(kv.get("key")), StandardCharsets.US_ASCII),
                unb64(kv.get("value")),
                kv.path("mod_revision").asLong(0),
                lease == 0 ? "" : leaseHex(lease));
    }

    static WatchEvent event(JsonNode e) {
        JsonNode kv = e.path("kv");
        boolean delete = "DELETE".equals(e.path("type").asText("PUT"));
        return new WatchEvent(
                delete ? WatchEvent.Type.DELETE : WatchEvent.Type.PUT,
                new String(unb64(kv.get("key")), StandardCharsets.US_ASCII),
                delete ? new byte[0] : unb64(kv.get("value")),
                kv.path("mod_revision").asLong(0));
    }

    static String leaseHex(long id) {
        return Long.toHexString(id);
    }
}
