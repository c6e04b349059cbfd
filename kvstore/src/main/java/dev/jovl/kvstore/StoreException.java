package dev.jovl.kvstore;

/** Every failure of a {@link Store} call is one of these four. */
public abstract sealed class StoreException extends RuntimeException {

    private StoreException(String message, Throwable cause) {
        super(message, cause);
    }

    /** The key does not exist (where the call requires it to). */
    public static final class NotFound extends StoreException {
        public NotFound(String key) {
            super("not found: " + key, null);
        }
    }

    /** A condition failed: another writer got there first. Retry from a fresh read. */
    public static final class Conflict extends StoreException {
        private final String key;

        public Conflict(String key, String message) {
            super(message, null);
            this.key = key;
        }

        /** The key whose condition failed, when the backend says which. */
        public String key() {
            return key;
        }
    }

    /** The backend could not be reached or answered an error of its own; nothing was written. */
    public static final class Unavailable extends StoreException {
        public Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The call itself is malformed: bad key, oversized value, bad URL. */
    public static final class InvalidArgument extends StoreException {
        public InvalidArgument(String message) {
            super(message, null);
        }
    }
}
