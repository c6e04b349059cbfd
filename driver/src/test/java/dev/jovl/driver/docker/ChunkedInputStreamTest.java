package dev.jovl.driver.docker;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ChunkedInputStreamTest {

    private static String decode(String wire) throws IOException {
        try (ChunkedInputStream in = new ChunkedInputStream(new ByteArrayInputStream(wire.getBytes(StandardCharsets.US_ASCII)))) {
            return new String(in.readAllBytes(), StandardCharsets.US_ASCII);
        }
    }

    @Test
    void decodesChunksExtensionsAndTrailers() throws IOException {
        assertEquals("{\"a\":1}\n{\"b\":2}\n", decode("8\r\n{\"a\":1}\n\r\n8;ext=1\r\n{\"b\":2}\n\r\n0\r\nX-Trailer: y\r\n\r\n"));
        assertEquals("", decode("0\r\n\r\n"));
        assertEquals("0123456789abcdef", decode("10\r\n0123456789abcdef\r\n0\r\n\r\n"));
    }

    @Test
    void refusesBrokenFraming() {
        assertThrows(EOFException.class, () -> decode("8\r\n{\"a\""), "closed inside a chunk");
        assertThrows(IOException.class, () -> decode("zz\r\nabc\r\n"), "bad size");
        assertThrows(IOException.class, () -> decode("3\r\nabcX\r\n0\r\n\r\n"), "no CRLF after the chunk");
        assertThrows(EOFException.class, () -> decode("3\r\nabc\r\n"), "closed before the last chunk");
    }
}
