package dev.jovl.netlink;

import static java.lang.foreign.ValueLayout.ADDRESS;
import static java.lang.foreign.ValueLayout.JAVA_INT;
import static java.lang.foreign.ValueLayout.JAVA_LONG;

import java.lang.foreign.Arena;
import java.lang.foreign.FunctionDescriptor;
import java.lang.foreign.Linker;
import java.lang.foreign.MemoryLayout;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.StructLayout;
import java.lang.invoke.MethodHandle;

/**
 * The few libc calls this module needs, bound through the FFM API. Every handle captures errno
 * ({@link Linker.Option#captureCallState}) because the JVM may overwrite the thread's errno between
 * the native call and any later Java code that would read it.
 *
 * <p>Each method takes a capture segment first (see {@link #newCaptureState}); callers on a hot
 * path keep one per socket, the rest use {@link #call} helpers that allocate one per call.
 */
final class Libc {
    private Libc() {}

    static final Linker LINKER = Linker.nativeLinker();
    static final StructLayout CAPTURE_LAYOUT = Linker.Option.captureStateLayout();
    private static final long ERRNO_OFFSET = CAPTURE_LAYOUT.byteOffset(MemoryLayout.PathElement.groupElement("errno"));
    private static final Linker.Option CAPTURE_ERRNO = Linker.Option.captureCallState("errno");

    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_CLOEXEC = 0x80000;
    static final int NETLINK_ROUTE = 0;
    static final int SOL_SOCKET = 1;
    static final int SO_SNDBUF = 7;
    static final int SO_RCVBUF = 8;
    static final int SO_SNDBUFFORCE = 32;
    static final int SO_RCVBUFFORCE = 33;
    static final int SO_RCVTIMEO = 20;
    static final int SOL_NETLINK = 270;
    static final int NETLINK_CAP_ACK = 10;
    static final int NETLINK_EXT_ACK = 11;
    static final int MSG_TRUNC = 0x20;
    static final int O_RDONLY = 0;
    static final int O_CLOEXEC = 0x80000;
    static final int CLONE_NEWNET = 0x40000000;
    static final long MS_BIND = 4096;
    static final int MNT_DETACH = 2;

    static final MethodHandle SOCKET = bind("socket", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle BIND = bind("bind", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle GETSOCKNAME =
            bind("getsockname", FunctionDescriptor.of(JAVA_INT, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle SETSOCKOPT =
            bind("setsockopt", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle SENDTO =
            bind("sendto", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle RECVFROM = bind(
            "recvfrom", FunctionDescriptor.of(JAVA_LONG, JAVA_INT, ADDRESS, JAVA_LONG, JAVA_INT, ADDRESS, ADDRESS));
    static final MethodHandle CLOSE = bind("close", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    // open(2) is variadic; we never pass a mode, so the fixed two-argument form is the right call shape
    static final MethodHandle OPEN = bind("open", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    static final MethodHandle SETNS = bind("setns", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_INT));
    static final MethodHandle UNSHARE = bind("unshare", FunctionDescriptor.of(JAVA_INT, JAVA_INT));
    static final MethodHandle GETTID = bind("gettid", FunctionDescriptor.of(JAVA_INT));
    static final MethodHandle MOUNT =
            bind("mount", FunctionDescriptor.of(JAVA_INT, ADDRESS, ADDRESS, ADDRESS, JAVA_LONG, ADDRESS));
    static final MethodHandle UMOUNT2 = bind("umount2", FunctionDescriptor.of(JAVA_INT, ADDRESS, JAVA_INT));
    // ioctl(2) is variadic; NS_GET_NSTYPE takes no argument, so the fixed two-argument shape is right
    static final MethodHandle IOCTL = bind("ioctl", FunctionDescriptor.of(JAVA_INT, JAVA_INT, JAVA_LONG));
    /** _IO(0xb7, 0x3): which kind of namespace an nsfs fd refers to (kernel 4.11+). */
    static final long NS_GET_NSTYPE = 0xb703;

    private static MethodHandle bind(String name, FunctionDescriptor descriptor) {
        MemorySegment symbol = LINKER.defaultLookup()
                .find(name)
                .orElseThrow(() -> new UnsatisfiedLinkError("libc symbol not found: " + name));
        return LINKER.downcallHandle(symbol, descriptor, CAPTURE_ERRNO);
    }

    static MemorySegment newCaptureState(Arena arena) {
        return arena.allocate(CAPTURE_LAYOUT);
    }

    static int errno(MemorySegment captureState) {
        return captureState.get(JAVA_INT, ERRNO_OFFSET);
    }

    /** Throws an {@link ErrnoException} for {@code operation} when a libc call returned -1. */
    static int check(int result, MemorySegment captureState, String operation) {
        if (result < 0) {
            throw new ErrnoException(operation, errno(captureState));
        }
        return result;
    }

    // ---- one-shot helpers for calls off the hot path (each allocates its own errno capture) ----

    static int open(String path, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = newCaptureState(arena);
            int fd = (int) OPEN.invokeExact(cs, arena.allocateFrom(path), flags);
            return check(fd, cs, "open " + path);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("open " + path, t);
        }
    }

    static void close(int fd) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = newCaptureState(arena);
            int r = (int) CLOSE.invokeExact(cs, fd);
            check(r, cs, "close fd " + fd);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("close", t);
        }
    }

    static void setns(int fd, int nstype, String what) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = newCaptureState(arena);
            int r = (int) SETNS.invokeExact(cs, fd, nstype);
            check(r, cs, "setns " + what);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("setns", t);
        }
    }

    static void unshare(int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = newCaptureState(arena);
            int r = (int) UNSHARE.invokeExact(cs, flags);
            check(r, cs, "unshare");
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("unshare", t);
        }
    }

    static int gettid() {
        try (Arena arena = Arena.ofConfined()) {
            return (int) GETTID.invokeExact(newCaptureState(arena));
        } catch (Throwable t) {
            throw new IllegalStateException("gettid", t);
        }
    }

    static void bindMount(String source, String target) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = newCaptureState(arena);
            int r = (int) MOUNT.invokeExact(
                    cs,
                    arena.allocateFrom(source),
                    arena.allocateFrom(target),
                    arena.allocateFrom("none"),
                    MS_BIND,
                    MemorySegment.NULL);
            check(r, cs, "bind mount " + source + " on " + target);
        } catch (ErrnoException e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException("mount", t);
        }
    }

    /** ioctl(fd, request) without argument; returns the result, or -errno. */
    static int ioctl(int fd, long request) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = newCaptureState(arena);
            int r = (int) IOCTL.invokeExact(cs, fd, request);
            return r < 0 ? -errno(cs) : r;
        } catch (Throwable t) {
            throw new IllegalStateException("ioctl", t);
        }
    }

    /** umount2(target, flags); returns the errno instead of throwing, 0 on success. */
    static int umount2(String target, int flags) {
        try (Arena arena = Arena.ofConfined()) {
            MemorySegment cs = newCaptureState(arena);
            int r = (int) UMOUNT2.invokeExact(cs, arena.allocateFrom(target), flags);
            return r < 0 ? errno(cs) : 0;
        } catch (Throwable t) {
            throw new IllegalStateException("umount2", t);
        }
    }
}
