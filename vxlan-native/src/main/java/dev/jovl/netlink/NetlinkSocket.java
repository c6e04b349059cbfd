package dev.jovl.netlink;

import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_SHORT;

import java.lang.foreign.Arena;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;

/**
 * A raw NETLINK_ROUTE socket: open, send bytes, receive bytes. Framing, sequence numbers and ACKs
 * live in {@link NetlinkHandle}; this class is not thread-safe on its own (the handle serialises).
 *
 * <p>The socket belongs to the network namespace of the thread that opened it, for its whole life,
 * whatever that thread does afterwards: that is how {@link NetlinkHandle#open(NetNs)} works.
 */
final class NetlinkSocket implements AutoCloseable {
    /** Large enough for the biggest dump part the kernel builds (it caps parts at 32 KiB unless asked for more). */
    static final int RECEIVE_BUFFER = 1 << 20;
    /** Socket buffer sizes; SO_*BUFFORCE (CAP_NET_ADMIN) lifts the rmem_max/wmem_max caps. */
    private static final int SOCKET_BUFFER = 8 << 20;

    static final long RECEIVE_TIMEOUT_SECONDS = 30;

    private final Arena arena = Arena.ofShared();
    private final int fd;
    private final int portId;
    private final MemorySegment capture = Libc.newCaptureState(arena);
    private final MemorySegment kernelAddress;
    private final MemorySegment fromAddress;
    private final MemorySegment fromLength;
    private final MemorySegment receiveSegment = arena.allocate(RECEIVE_BUFFER, 8);
    private final byte[] receiveArray = new byte[RECEIVE_BUFFER];
    private MemorySegment sendSegment = arena.allocate(64 * 1024, 8);
    private volatile boolean closed;

    private final long receiveTimeoutMillis;
    /** RTMGRP_* bits of the kernel notifications this socket receives besides replies (0: none). */
    private final int groups;

    private NetlinkSocket(int fd, long receiveTimeoutMillis, int groups) {
        this.fd = fd;
        this.receiveTimeoutMillis = receiveTimeoutMillis;
        this.groups = groups;
        this.kernelAddress = sockaddrNl(0, 0);
        this.fromAddress = arena.allocate(12, 4);
        this.fromLength = arena.allocate(JAVA_INT);
        this.portId = bindAndGetPortId();
    }

    /** Opens a socket in the calling thread's network namespace. */
    static NetlinkSocket open() {
        return open(RECEIVE_TIMEOUT_SECONDS * 1000);
    }

    static NetlinkSocket open(long receiveTimeoutMillis) {
        return open(receiveTimeoutMillis, 0);
    }

    /**
     * Opens a socket in the calling thread's network namespace that also receives the kernel's
     * notifications of the multicast {@code groups} (RTMGRP_* bits, e.g. {@link Rtnl#RTMGRP_LINK}).
     */
    static NetlinkSocket open(long receiveTimeoutMillis, int groups) {
        int fd;
        try (Arena a = Arena.ofConfined()) {
            MemorySegment cs = Libc.newCaptureState(a);
            fd = Libc.check(
                    (int) Libc.SOCKET.invokeExact(
                            cs, Libc.AF_NETLINK, Libc.SOCK_RAW | Libc.SOCK_CLOEXEC, Libc.NETLINK_ROUTE),
                    cs,
                    "socket(AF_NETLINK, NETLINK_ROUTE)");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("socket", t);
        }
        try {
            return new NetlinkSocket(fd, receiveTimeoutMillis, groups);
        } catch (RuntimeException e) {
            Libc.close(fd);
            throw e;
        }
    }

    private MemorySegment sockaddrNl(int pid, int multicastGroups) {
        MemorySegment sa = arena.allocate(12, 4);
        sa.set(JAVA_SHORT, 0, (short) Libc.AF_NETLINK);
        sa.set(JAVA_INT, 4, pid);
        sa.set(JAVA_INT, 8, multicastGroups);
        return sa;
    }

    private int bindAndGetPortId() {
        try {
            setBuffer(Libc.SO_RCVBUFFORCE, Libc.SO_RCVBUF);
            setBuffer(Libc.SO_SNDBUFFORCE, Libc.SO_SNDBUF);
            // small ACKs (no echo of the request) keep pipelined replies from filling the receive queue
            setOption(Libc.SOL_NETLINK, Libc.NETLINK_CAP_ACK, 1, "NETLINK_CAP_ACK");
            // ask for the kernel's error strings; older kernels without it still work
            trySetOption(Libc.SOL_NETLINK, Libc.NETLINK_EXT_ACK, 1);
            // the kernel answers every request at once; a receive that waits this long means a lost
            // reply, which must become an error (EAGAIN) instead of a thread hung forever
            MemorySegment timeout = arena.allocate(16, 8);
            timeout.set(ValueLayout.JAVA_LONG, 0, receiveTimeoutMillis / 1000);
            timeout.set(ValueLayout.JAVA_LONG, 8, receiveTimeoutMillis % 1000 * 1000);
            Libc.check(
                    (int) Libc.SETSOCKOPT.invokeExact(capture, fd, Libc.SOL_SOCKET, Libc.SO_RCVTIMEO, timeout, 16),
                    capture,
                    "setsockopt SO_RCVTIMEO");
            MemorySegment local = sockaddrNl(0, groups);
            Libc.check((int) Libc.BIND.invokeExact(capture, fd, local, 12), capture, "bind netlink socket");
            MemorySegment len = arena.allocate(JAVA_INT);
            len.set(JAVA_INT, 0, 12);
            Libc.check((int) Libc.GETSOCKNAME.invokeExact(capture, fd, local, len), capture, "getsockname");
            return local.get(JAVA_INT, 4);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("netlink socket setup", t);
        }
    }

    private void setBuffer(int forceOption, int plainOption) throws Throwable {
        if (!trySetOption(Libc.SOL_SOCKET, forceOption, SOCKET_BUFFER)) {
            trySetOption(Libc.SOL_SOCKET, plainOption, SOCKET_BUFFER); // capped at [rw]mem_max without privilege
        }
    }

    private boolean trySetOption(int level, int option, int value) throws Throwable {
        MemorySegment v = arena.allocate(JAVA_INT);
        v.set(JAVA_INT, 0, value);
        return (int) Libc.SETSOCKOPT.invokeExact(capture, fd, level, option, v, 4) == 0;
    }

    private void setOption(int level, int option, int value, String name) throws Throwable {
        MemorySegment v = arena.allocate(JAVA_INT);
        v.set(JAVA_INT, 0, value);
        Libc.check((int) Libc.SETSOCKOPT.invokeExact(capture, fd, level, option, v, 4), capture, "setsockopt " + name);
    }

    int portId() {
        return portId;
    }

    /** Sends {@code length} bytes of {@code data} (one or more complete messages) to the kernel. */
    void send(byte[] data, int length) {
        ensureOpen();
        if (sendSegment.byteSize() < length) {
            sendSegment = arena.allocate(Math.max(length, sendSegment.byteSize() * 2), 8);
        }
        MemorySegment.copy(data, 0, sendSegment, ValueLayout.JAVA_BYTE, 0, length);
        try {
            while (true) {
                long n = (long) Libc.SENDTO.invokeExact(capture, fd, sendSegment, (long) length, 0, kernelAddress, 12);
                if (n >= 0) {
                    if (n != length) {
                        throw new ErrnoException(
                                "netlink send (short write " + n + "/" + length + ")", Errno.EMSGSIZE.number());
                    }
                    return;
                }
                if (Libc.errno(capture) != Errno.EINTR.number()) {
                    throw new ErrnoException("netlink send", Libc.errno(capture));
                }
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("netlink send", t);
        }
    }

    /**
     * Blocks for the next datagram from the kernel and returns its length; the bytes are in
     * {@link #receivedBytes()} until the next call. Datagrams from other senders are dropped.
     */
    int receive() {
        ensureOpen();
        try {
            while (true) {
                fromLength.set(JAVA_INT, 0, 12);
                long n = (long) Libc.RECVFROM.invokeExact(
                        capture, fd, receiveSegment, (long) RECEIVE_BUFFER, Libc.MSG_TRUNC, fromAddress, fromLength);
                if (n < 0) {
                    int errno = Libc.errno(capture);
                    if (errno == Errno.EINTR.number()) {
                        continue;
                    }
                    // ENOBUFS: the kernel dropped replies because our queue was full; the caller must resync.
                    // EAGAIN: nothing came within the receive timeout.
                    throw new ErrnoException(
                            errno == Errno.EAGAIN.number()
                                    ? "netlink receive (no reply within " + receiveTimeoutMillis + " ms)"
                                    : "netlink receive",
                            errno);
                }
                if (n > RECEIVE_BUFFER) {
                    throw new ErrnoException(
                            "netlink receive (datagram of " + n + " bytes truncated)", Errno.EMSGSIZE.number());
                }
                if (fromAddress.get(JAVA_INT, 4) != 0) {
                    continue; // not from the kernel: ignore
                }
                MemorySegment.copy(receiveSegment, ValueLayout.JAVA_BYTE, 0, receiveArray, 0, (int) n);
                return (int) n;
            }
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("netlink receive", t);
        }
    }

    byte[] receivedBytes() {
        return receiveArray;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("netlink socket is closed");
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
            arena.close();
        }
    }
}
