package dev.jovl.net;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class LogTextTest {
    @Test
    void controlCharactersCannotStartALineOrDriveATerminal() {
        assertEquals("x\\n2026 INFO Daemon - FORGED", LogText.escape("x\n2026 INFO Daemon - FORGED"));
        assertEquals(
                "a\\rb\\tc\\x1b[31m\\x00\\x7f\\x85\\u2028\\\\",
                LogText.escape("a\rb\tc\u001b[31m\u0000\u007f\u0085\u2028\\"));
        assertEquals("null", LogText.escape(null));
        String plain = "/NetworkDriver.CreateNetwork net=3f1c0e6b2a77 \u00e9";
        assertSame(plain, LogText.escape(plain), "plain text is not copied");
    }

    @Test
    void longTextIsCut() {
        String cut = LogText.escape("a".repeat(5000));
        assertTrue(cut.startsWith("a".repeat(LogText.MAX_CHARS) + "...(5000 chars)"), cut);
    }
}
