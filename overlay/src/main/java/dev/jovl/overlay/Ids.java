package dev.jovl.overlay;

/** How jovl shows Docker's 64-hex-digit ids in logs and status output: 12 characters, as Docker does. */
public final class Ids {
    public static final int SHORT_LENGTH = 12;

    private Ids() {}

    public static String shortId(String id) {
        return id == null || id.length() <= SHORT_LENGTH ? id : id.substring(0, SHORT_LENGTH);
    }
}
