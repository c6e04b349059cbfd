package dev.jovl.ipam.store;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;

/**
 * The stored value of one block: its bitmap (32 bytes, as before blocks had owners) followed by the
 * UTF-8 id of the host the block is affine to. A value of exactly 32 bytes (stored by an older jovl,
 * or disowned when its host died) has no owner: any host may claim it.
 */
public record BlockValue(BlockBitmap bits, String owner) {

    private static final int BITMAP_BYTES = BlockBitmap.SIZE / 8;

    public static BlockValue decode(byte[] bytes) {
        if (bytes.length < BITMAP_BYTES) {
            throw new IllegalArgumentException(
                    "block value of " + bytes.length + " bytes, expected at least " + BITMAP_BYTES);
        }
        BlockBitmap bits = BlockBitmap.decode(Arrays.copyOf(bytes, BITMAP_BYTES));
        String owner = bytes.length == BITMAP_BYTES
                ? null
                : new String(bytes, BITMAP_BYTES, bytes.length - BITMAP_BYTES, StandardCharsets.UTF_8);
        return new BlockValue(bits, owner);
    }

    public byte[] encode() {
        byte[] bitmap = bits.encode();
        if (owner == null) {
            return bitmap;
        }
        byte[] id = owner.getBytes(StandardCharsets.UTF_8);
        byte[] out = Arrays.copyOf(bitmap, bitmap.length + id.length);
        System.arraycopy(id, 0, out, bitmap.length, id.length);
        return out;
    }

    public boolean ownedBy(String host) {
        return host.equals(owner);
    }

    public BlockValue with(int bit, boolean allocated) {
        return new BlockValue(bits.with(bit, allocated), owner);
    }

    public BlockValue withOwner(String host) {
        return new BlockValue(bits, host);
    }
}
