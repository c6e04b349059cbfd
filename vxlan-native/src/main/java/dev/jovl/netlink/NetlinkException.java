package dev.jovl.netlink;

/**
 * The kernel answered a netlink request with an error (NLMSG_ERROR with a negative code, or a
 * failed dump). {@link #errno()} is the positive errno; {@link #kernelMessage()} is the extended-ACK
 * text the kernel attached, if any (e.g. "Local and remote address must be from the same family").
 */
public class NetlinkException extends ErrnoException {
    private final String kernelMessage;

    public NetlinkException(String operation, int errno, String kernelMessage) {
        super(operation, errno, kernelMessage == null || kernelMessage.isEmpty() ? null : "kernel: " + kernelMessage);
        this.kernelMessage = kernelMessage == null ? "" : kernelMessage;
    }

    public String kernelMessage() {
        return kernelMessage;
    }

    /** True for the "it does not exist" family of answers: ENOENT, ENODEV, ESRCH, EADDRNOTAVAIL. */
    public boolean isNotFound() {
        return is(Errno.ENOENT) || is(Errno.ENODEV) || is(Errno.ESRCH) || is(Errno.EADDRNOTAVAIL);
    }
}
