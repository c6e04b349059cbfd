package dev.jovl.kvstore;

/** One change seen by a {@link Watch}: a put (with the new value) or a delete (value empty). */
public record WatchEvent(Type type, String key, byte[] value, long revision) {
    public enum Type {
        PUT,
        DELETE
    }

    @Override
    public String toString() {
        return type + " " + key + " @" + revision;
    }
}
