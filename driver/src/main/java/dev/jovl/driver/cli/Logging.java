package dev.jovl.driver.cli;

import dev.jovl.net.LogText;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.LogRecord;
import java.util.logging.Logger;
import java.util.logging.StreamHandler;

/**
 * The daemon's logging: slf4j over the JDK's java.util.logging (slf4j-jdk14), one line per event
 * on stderr, as text ({@code 2026-12-04T22:39:26.123Z INFO Daemon - message}, the form the example
 * scripts read) or as one JSON object a line for log shippers. No logging framework to load: the
 * JDK's is already there, which keeps the plugin's start-up time (Docker gives it ~9.5 s).
 *
 * <p>{@code --log-level} applies to jovl's own loggers; libraries (Netty, gRPC) stay at info (or
 * the chosen level if it is quieter), so {@code debug} shows jovl's per-request lines, not Netty's.
 */
public final class Logging {
    private static final DateTimeFormatter TIME =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSSXXX").withZone(ZoneId.systemDefault());

    /** java.util.logging holds loggers weakly: this keeps the level set on jovl's. */
    private static volatile Logger jovlLoggers;

    private Logging() {}

    /** Replaces the JDK's default console handler; call once, before the daemon logs anything. */
    public static void configure(String level, String format) {
        Level jovl = level(level);
        Level others = jovl.intValue() > Level.INFO.intValue() ? jovl : Level.INFO;
        LogManager.getLogManager().reset();
        Logger root = Logger.getLogger("");
        root.setLevel(others);
        jovlLoggers = Logger.getLogger("dev.jovl");
        jovlLoggers.setLevel(jovl);
        Handler stderr = new StreamHandler(System.err, "json".equals(format) ? new Json() : new Text()) {
            @Override
            public synchronized void publish(LogRecord r) {
                super.publish(r);
                flush(); // one event, one write: nothing waits in a buffer when the process dies
            }
        };
        stderr.setLevel(Level.ALL);
        root.addHandler(stderr);
    }

    static Level level(String name) {
        return switch (name) {
            case "error" -> Level.SEVERE;
            case "warn" -> Level.WARNING;
            case "debug" -> Level.FINE;
            case "trace" -> Level.FINEST;
            default -> Level.INFO;
        };
    }

    /** slf4j's name for a JDK level (slf4j-jdk14 maps debug to FINE and trace to FINEST). */
    static String name(Level l) {
        int v = l.intValue();
        return v >= Level.SEVERE.intValue()
                ? "ERROR"
                : v >= Level.WARNING.intValue()
                        ? "WARN"
                        : v >= Level.INFO.intValue() ? "INFO" : v >= Level.FINE.intValue() ? "DEBUG" : "TRACE";
    }

    /**
     * The trace as the JDK prints it, except that an exception's message may echo input (a field
     * of a request, a name from Docker): a line that is not the trace's own (its first, a frame or
     * {@code Suppressed:} indented by a tab, or {@code Caused by:}) is joined to the one before with
     * an escaped line break, and control characters are escaped, so no message starts a log line.
     */
    static String stackTrace(Throwable t) {
        StringWriter w = new StringWriter();
        t.printStackTrace(new PrintWriter(w));
        String[] lines = w.toString().split("\n", -1);
        StringBuilder out = new StringBuilder(w.getBuffer().length() + 16);
        for (int i = 0; i < lines.length; i++) {
            String line = lines[i];
            if (i == lines.length - 1 && line.isEmpty()) {
                break; // the trace's last line break
            }
            boolean own = i == 0 || line.startsWith("\t") || line.startsWith("Caused by: ");
            if (i > 0) {
                out.append(own ? "\n" : "\\n");
            }
            if (line.startsWith("\t")) {
                out.append('\t').append(LogText.escape(line.substring(1)));
            } else {
                out.append(LogText.escape(line));
            }
        }
        return out.append('\n').toString();
    }

    /** {@code TIME LEVEL ShortName - message}, then the stack trace if any. */
    static final class Text extends Formatter {
        @Override
        public String format(LogRecord r) {
            String logger = r.getLoggerName() == null ? "" : r.getLoggerName();
            StringBuilder b = new StringBuilder(128)
                    .append(TIME.format(r.getInstant()))
                    .append(' ')
                    .append(name(r.getLevel()))
                    .append(' ')
                    .append(logger.substring(logger.lastIndexOf('.') + 1))
                    .append(" - ")
                    .append(formatMessage(r))
                    .append('\n');
            if (r.getThrown() != null) {
                b.append(stackTrace(r.getThrown()));
            }
            return b.toString();
        }
    }

    /** {@code {"time":..., "level":..., "logger":..., "thread":..., "message":..., "error":...}} a line. */
    static final class Json extends Formatter {
        @Override
        public String format(LogRecord r) {
            StringBuilder b = new StringBuilder(192).append('{');
            field(b, "time", DateTimeFormatter.ISO_INSTANT.format(r.getInstant()))
                    .append(',');
            field(b, "level", name(r.getLevel())).append(',');
            field(b, "logger", r.getLoggerName() == null ? "" : r.getLoggerName())
                    .append(',');
            field(b, "thread", Thread.currentThread().getName()).append(',');
            field(b, "message", formatMessage(r));
            if (r.getThrown() != null) {
                b.append(',');
                field(b, "error", stackTrace(r.getThrown()));
            }
            return b.append("}\n").toString();
        }

        private static StringBuilder field(StringBuilder b, String name, String value) {
            b.append('"').append(name).append("\":\"");
            for (int i = 0; i < value.length(); i++) {
                char c = value.charAt(i);
                switch (c) {
                    case '"' -> b.append("\\\"");
                    case '\\' -> b.append("\\\\");
                    case '\n' -> b.append("\\n");
                    case '\r' -> b.append("\\r");
                    case '\t' -> b.append("\\t");
                    default -> {
                        if (c < 0x20) {
                            b.append(String.format(java.util.Locale.ROOT, "\\u%04x", (int) c));
                        } else {
                            b.append(c);
                        }
                    }
                }
            }
            return b.append('"');
        }
    }
}
