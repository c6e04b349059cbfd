package dev.jovl.driver.docker;

import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;

/**
 * The body of an HTTP/1.1 response in chunked transfer coding (RFC 9112 7.1), decoded. Docker
 * uses it for every streamed answer, the event stream included, and for large JSON answers.
 */
final class ChunkedInputStream extends InputStream {

    private final InputStream in;
    private long leftInChunk;
    private boolean done;

    ChunkedInputStream(InputStream in) {
        this.in = in;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        int n = read(one, 0, 1);
        return n < 0 ? -1 : one[0] & 0xFF;
    }

    @Override
    public int read(byte[] buffer, int offset, int length) throws IOException {
        if (length == 0) {
            return 0;
        }
        if (done) {
            return -1;
        }
        if (leftInChunk == 0) {
            leftInChunk = readChunkSize();
            if (leftInChunk == 0) {
                skipTrailers();
                done = true;
                return -1;
            }
        }
        int n = in.read(buffer, offset, (int) Math.min(length, leftInChunk));
        if (n < 0) {
            throw new EOFException("connection closed inside an HTTP chunk");
        }
        leftInChunk -= n;
        if (leftInChunk == 0) {
            expectLineEnd();
        }
        return n;
    }

    private long readChunkSize() throws IOException {
        String line = HttpLines.readLine(in);
        if (line == null) {
            throw new EOFException("connection closed before the next HTTP chunk");
        }
        int semicolon = line.indexOf(';');
        String hex = (semicolon >= 0 ? line.substring(0, semicolon) : line).trim();
        try {
            long size = Long.parseLong(hex, 16);
            if (size < 0) {
                throw new NumberFormatException();
            }
            return size;
        } catch (NumberFormatException e) {
            throw new IOException("bad HTTP chunk size: '" + line + "'");
        }
    }

    private void expectLineEnd() throws IOException {
        String rest = HttpLines.readLine(in);
        if (rest == null || !rest.isEmpty()) {
            throw new IOException("HTTP chunk not followed by CRLF");
        }
    }

    private void skipTrailers() throws IOException {
        String line;
        do {
            line = HttpLines.readLine(in);
        } while (line != null && !line.isEmpty());
    }

    @Override
    public void close() throws IOException {
        in.close();
    }
}
