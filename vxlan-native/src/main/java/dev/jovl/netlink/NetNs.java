package dev.jovl.netlink;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

/**
 * An open network namespace: a file descriptor on an nsfs file such as
 * {@code /var/run/docker/netns/1-3e0a937d28}, {@code /run/jovl/netns/x} or {@code /proc/<pid>/ns/net}.
 * The descriptor keeps the namespace alive while open and is what {@code IFLA_NET_NS_FD} carries.
 *
 * <p>Code never switches a long-lived thread into a namespace: {@link #call} runs work on a fresh
 * platform thread that enters the namespace with setns(2) and then dies with it. Virtual threads
 * are never used for this, because one can move to another carrier thread between two native calls.
 */
public final class NetNs implements AutoCloseable {
    private final Path path;
    private final int fd;
    private volatile boolean closed;

    private NetNs(Path path, int fd) {
        this.path = path;
        this.fd = fd;
    }

    /**
     * Opens the namespace file at {@code path} (read-only, close-on-exec) and checks that it is a
     * live network namespace: a leftover plain file (its bind mount gone) fails with ENOTTY, another
     * kind of namespace with {@link IllegalArgumentException}.
     */
    public static NetNs open(Path path) {
        int fd = Libc.open(path.toString(), Libc.O_RDONLY | Libc.O_CLOEXEC);
        int type = Libc.ioctl(fd, Libc.NS_GET_NSTYPE);
        if (type != Libc.CLONE_NEWNET) {
            Libc.close(fd);
            if (type < 0) {
                throw new ErrnoException(
                        "open namespace " + path + " (not a namespace file, e.g. its mount is gone)", -type);
            }
            throw new IllegalArgumentException(path + " is a namespace, but not a network namespace");
        }
        return new NetNs(path, fd);
    }

    /** The namespace of process {@code pid} ({@code /proc/<pid>/ns/net}). */
    public static NetNs ofPid(long pid) {
        return open(Path.of("/proc", Long.toString(pid), "ns", "net"));
    }

    /**
     * The namespace this JVM was started in: the main thread's ({@code /proc/self/ns/net}). jovl's
     * threads never leave it, so this is the "host" namespace of the process.
     */
    public static NetNs self() {
        return open(Path.of("/proc/self/ns/net"));
    }

    public Path path() {
        return path;
    }

    /** The open descriptor (valid until {@link #close()}). */
    public int fd() {
        if (closed) {
            throw new IllegalStateException("namespace " + path + " is closed");
        }
        return fd;
    }

    /**
     * Runs {@code work} on a new platform thread that has joined this namespace, waits for it and
     * returns its result. The thread exits afterwards, so no thread stays in the namespace; sockets
     * the work opens stay bound to this namespace for their whole life.
     */
    public <T> T call(Callable<T> work) {
        int nsFd = fd();
        return runOnThrowawayThread("jovl-netns", () -> {
            Libc.setns(nsFd, Libc.CLONE_NEWNET, path.toString());
            return work.call();
        });
    }

    /** Runs {@code work} on a fresh platform thread that exits afterwards; rethrows its exception. */
    static <T> T runOnThrowawayThread(String name, Callable<T> work) {
        FutureTask<T> task = new FutureTask<>(work);
        Thread t = Thread.ofPlatform().name(name).daemon(true).unstarted(task);
        t.start();
        boolean interrupted = false;
        while (true) {
            try {
                t.join();
                break;
            } catch (InterruptedException e) {
                interrupted = true; // the thread must finish before we go on: it may hold kernel state
            }
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
        try {
            return task.get();
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof RuntimeException re) {
                throw re;
            }
            if (cause instanceof Error err) {
                throw err;
            }
            throw new IllegalStateException(cause);
        } catch (InterruptedException e) {
            throw new IllegalStateException(e); // cannot happen: the task is done
        }
    }

    @Override
    public void close() {
        if (!closed) {
            closed = true;
            Libc.close(fd);
        }
    }

    @Override
    public String toString() {
        return "NetNs[" + path + "]";
    }
}
