package dev.jovl.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LoggingTest {

    @Test
    void textLinesKeepTheFormTheScriptsRead() {
        LogRecord r = new LogRecord(Level.INFO, "listening on {0}");
        r.setParameters(new Object[] {"/run/x.sock"});
        r.setLoggerName("dev.jovl.driver.http.PluginServer");
        String line = new Logging.Text().format(r);
        assertTrue(
                line.matches(
                        "\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}(Z|[+-]\\d\\d:\\d\\d) INFO PluginServer - "
                                + "listening on /run/x.sock\n"),
                line);
    }

    @Test
    void jsonIsOneObjectALineWithTheStackTrace() throws Exception {
        LogRecord r = new LogRecord(Level.FINE, "a \"quoted\"\tmessage\nwith a second line \u0001");
        r.setLoggerName("dev.jovl.driver.requests");
        r.setThrown(new IllegalStateException("boom"));
        String line = new Logging.Json().format(r);
        assertEquals(1, line.split("\n", -1).length - 1, "exactly one line: " + line);
        JsonNode n = new ObjectMapper().readTree(line);
        assertEquals("DEBUG", n.get("level").asText());
        assertEquals("dev.jovl.driver.requests", n.get("logger").asText());
        assertEquals(
                "a \"quoted\"\tmessage\nwith a second line \u0001",
                n.get("message").asText());
        assertTrue(n.get("error").asText().contains("IllegalStateException: boom"));
        assertTrue(n.get("time").asText().endsWith("Z"));
    }

    @Test
    void anExceptionMessageCannotStartALogLineOfItsOwn() {
        // an error echoing input with a line break printed a line that looked like a log entry
        LogRecord r = new LogRecord(Level.WARNING, "request failed");
        r.setLoggerName("dev.jovl.driver.http.PluginRouter");
        r.setThrown(new IllegalStateException(
                "outer", new IllegalArgumentException("bad 'x\n2026-12-05T00:00:00.000Z INFO Daemon - FORGED\u001b'")));
        String text = new Logging.Text().format(r);
        for (String line : text.split("\n")) {
            assertTrue(
                    line.startsWith("\t")
                            || line.startsWith("Caused by: ")
                            || line.contains(" WARN PluginRouter - ")
                            || line.startsWith("java.lang.IllegalStateException: outer"),
                    "a line of its own: " + line);
        }
        assertTrue(text.contains("bad 'x\\n2026-12-05T00:00:00.000Z INFO Daemon - FORGED\\x1b'"), text);
        assertTrue(text.contains("\n\tat dev.jovl.driver.cli.LoggingTest"), "frames as the JDK prints them: " + text);
        assertTrue(text.endsWith("\n"));
    }

    @Test
    void levelsMapToSlf4jNames() {
        assertEquals("ERROR", Logging.name(Logging.level("error")));
        assertEquals("WARN", Logging.name(Logging.level("warn")));
        assertEquals("INFO", Logging.name(Logging.level("info")));
        assertEquals("DEBUG", Logging.name(Logging.level("debug")));
        assertEquals("TRACE", Logging.name(Logging.level("trace")));
    }
}
