package dev.jovl.net;

/**
 * Text that came from outside (a request URI, a field of a request, a name from the network) made
 * safe for one log line: CR, LF, other control characters, backslash and the Unicode line and
 * paragraph separators are written as escapes ({@code \n}, {@code \x1b}, {@code \u2028}), so input
 * can never start a forged log line or drive a terminal. Long text is cut to {@link #MAX_CHARS}.
 */
public final class LogText {
    /** More than any legitimate id, name or path; a log line is not the place for a megabyte. */
    public static final int MAX_CHARS = 512;

    private LogText() {}

    /** {@code text} escaped for a log line; {@code "null"} for null. */
    public static String escape(String text) {
        if (text == null) {
            return "null";
        }
        int limit = Math.min(text.length(), MAX_CHARS);
        StringBuilder out = null;
        for (int i = 0; i < limit; i++) {
            char c = text.charAt(i);
            boolean plain =
                    c >= 0x20 && c != 0x7f && c != '\\' && !(c >= 0x80 && c < 0xa0) && c != '\u2028' && c != '\u2029';
            if (plain) {
                if (out != null) {
                    out.append(c);
                }
                continue;
            }
            if (out == null) {
                out = new StringBuilder(limit + 16).append(text, 0, i);
            }
            switch (c) {
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\t' -> out.append("\\t");
                case '\\' -> out.append("\\\\");
                default ->
                    out.append(c < 0x100 ? String.format("\\x%02x", (int) c) : String.format("\\u%04x", (int) c));
            }
        }
        if (text.length() > limit) {
            return (out == null ? text.substring(0, limit) : out.toString()) + "...(" + text.length() + " chars)";
        }
        return out == null ? text : out.toString();
    }
}
