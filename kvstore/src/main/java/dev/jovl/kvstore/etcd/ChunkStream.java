package dev.jovl.kvstore.etcd;

import java.io.IOException;
import java.io.InputStream;

/** An InputStream over a sequence of byte chunks that a subclass produces one at a time. */
abstract class ChunkStream extends InputStream {
    private byte[] current = new byte[0];
    private int at;

    /** The next chunk (blocking as needed), or null at the end. */
    protected abstract byte[] nextChunk() throws IOException;

    private boolean fill() throws IOException {
        while (at >= current.length) {
            byte[] next = nextChunk();
            if (next == null) {
                return false;
            }
            current = next;
            at = 0;
        }
        return true;
    }

    @Override
    public int read() throws IOException {
        return fill() ? current[at++] & 0xff : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        if (!fill()) {
            return -1;
        }
        int n = Math.min(len, current.length - at);
        System.arraycopy(current, at, b, off, n);
        at += n;
        return n;
    }
}
