package dev.jovl.net;

/** IP version, with its address width. */
public enum Family {
    V4(32),
    V6(128);

    private final int bits;

    Family(int bits) {
        this.bits = bits;
    }

    public int bits() {
        return bits;
    }
}
