package dev.jovl.kvstore.embedded;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.WatchEvent;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The byte layout of what the embedded store keeps in its MVStore maps. MVStore handles pages,
 * chunks and crash safety; these are only the values inside its maps.
 */
final class Records {
    private Records() {}

    /** A stored key: {@code [version:8][leaseLen:2][lease][value]}. */
    static byte[] encodeEntry(long version, String leaseId, byte[] value) {
        byte[] lease = leaseId.getBytes(StandardCharsets.US_ASCII);
        return ByteBuffer.allocate(8 + 2 + lease.length + value.length)
                .putLong(version)
                .putShort((short) lease.length)
                .put(lease)
                .put(value)
                .array();
    }

    static KeyValue decodeEntry(String key, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        long version = b.getLong();
        byte[] lease = new byte[b.getShort()];
        b.get(lease);
        byte[] value = new byte[b.remaining()];
        b.get(value);
        return new KeyValue(key, value, version, new String(lease, StandardCharsets.US_ASCII));
    }

    /** The events of one revision: {@code ([type:1][keyLen:4][key][valueLen:4][value])*}. */
    static byte[] encodeEvents(List<WatchEvent> events) {
        int size = 0;
        for (WatchEvent e : events) {
            size += 1 + 4 + e.key().length() + 4 + e.value().length;
        }
        ByteBuffer b = ByteBuffer.allocate(size);
        for (WatchEvent e : events) {
            byte[] key = e.key().getBytes(StandardCharsets.US_ASCII);
            b.put((byte) e.type().ordinal())
                    .putInt(key.length)
                    .put(key)
                    .putInt(e.value().length)
                    .put(e.value());
        }
        return b.array();
    }

    static List<WatchEvent> decodeEvents(long revision, byte[] bytes) {
        ByteBuffer b = ByteBuffer.wrap(bytes);
        List<WatchEvent> events = new ArrayList<>();
        while (b.hasRemaining()) {
            WatchEvent.Type type = WatchEvent.Type.values()[b.get()];
            byte[] key = new byte[b.getInt()];
            b.get(key);
            byte[] value = new byte[b.getInt()];
            b.get(value);
            events.add(new WatchEvent(type, new String(key, StandardCharsets.US_ASCII), value, revision));
        }
        return events;
    }
}
