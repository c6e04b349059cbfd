package dev.jovl.netlink;

/**
 * A Linux call failed with an errno. The message names the operation and the errno symbolically
 * ({@code EEXIST}, {@code ENODEV}...), so a log line says what went wrong without a lookup table.
 */
public class ErrnoException extends RuntimeException {
    private final String operation;
    private final int errno;

    public ErrnoException(String operation, int errno) {
        this(operation, errno, null);
    }

    protected ErrnoException(String operation, int errno, String detail) {
        super(operation + ": " + Errno.describe(errno) + (detail == null || detail.isEmpty() ? "" : " - " + detail));
        this.operation = operation;
        this.errno = errno;
    }

    /** The positive errno value, e.g. 17 for EEXIST. */
    public int errno() {
        return errno;
    }

    /** The symbolic name, e.g. "EEXIST", or "errno 123" when unknown. */
    public String errnoName() {
        return Errno.name(errno);
    }

    /** What was attempted, e.g. "RTM_NEWLINK vxlan0". */
    public String operation() {
        return operation;
    }

    public boolean is(Errno e) {
        return e.number() == errno;
    }
}
