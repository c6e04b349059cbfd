package dev.jovl.netlink;

import java.nio.charset.StandardCharsets;

/** The kernel's rules for interface names (dev_valid_name), checked before anything is sent. */
public final class InterfaceName {
    /** IFNAMSIZ (16) minus the terminating NUL. */
    public static final int MAX_BYTES = 15;

    private InterfaceName() {}

    /** Returns {@code name} if the kernel would accept it, else throws {@link IllegalArgumentException}. */
    public static String require(String name) {
        if (name == null || name.isEmpty()) {
            throw new IllegalArgumentException("interface name must not be empty");
        }
        int bytes = name.getBytes(StandardCharsets.UTF_8).length;
        if (bytes > MAX_BYTES) {
            throw new IllegalArgumentException(
                    "interface name '" + name + "' is " + bytes + " bytes; Linux allows at most " + MAX_BYTES);
        }
        if (name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("interface name must not be '" + name + "'");
        }
        for (int i = 0; i < name.length(); i++) {
            char c = name.charAt(i);
            if (c == '/' || c == ':' || Character.isWhitespace(c) || c == 0) {
                throw new IllegalArgumentException(
                        "interface name '" + name + "' contains a forbidden character ('/', ':', NUL or white space)");
            }
        }
        return name;
    }
}
