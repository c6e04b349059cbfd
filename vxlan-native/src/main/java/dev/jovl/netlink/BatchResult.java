package dev.jovl.netlink;

import java.util.List;

/**
 * Outcome of an {@link EntryBatch}.
 *
 * @param attempted      entries sent
 * @param succeeded      entries the kernel accepted (deletes of missing entries included)
 * @param alreadyAbsent  deletes that found nothing to delete (ENOENT)
 * @param failures       the rest, in order, each with the kernel's errno
 */
public record BatchResult(int attempted, int succeeded, int alreadyAbsent, List<Failure> failures) {
    public record Failure(int position, String description, NetlinkException error) {}

    public boolean ok() {
        return failures.isEmpty();
    }

    /** Throws the first failure (with a count of the others) if there was any. */
    public BatchResult throwIfFailed() {
        if (!failures.isEmpty()) {
            NetlinkException first = failures.getFirst().error();
            NetlinkException e = new NetlinkException(
                    failures.size() + " of " + attempted + " batch entries failed; first: " + first.operation(),
                    first.errno(),
                    first.kernelMessage());
            throw e;
        }
        return this;
    }
}
