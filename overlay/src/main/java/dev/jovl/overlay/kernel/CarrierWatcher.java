package dev.jovl.overlay.kernel;

import dev.jovl.netlink.Errno;
import dev.jovl.netlink.ErrnoException;
import dev.jovl.netlink.Link;
import dev.jovl.netlink.LinkEvents;
import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import dev.jovl.overlay.runtime.Supervisor;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells when the sandbox ends of a sandbox's veths gain carrier, i.e. when Docker has moved the
 * container end into the container, configured and raised it. One supervised task per sandbox
 * ({@code carrier-<sandbox>}), only while something is awaited, reads the sandbox's link
 * notifications (no polling); if it dies, the supervisor runs it again and it reads the state of
 * everything awaited afresh.
 *
 * <p>The supervisor's platform thread, not a virtual one: it blocks in a native receive, which would
 * pin a virtual thread's carrier and starve the request handlers that share those carriers.
 */
final class CarrierWatcher {
    private static final Logger log = LoggerFactory.getLogger(CarrierWatcher.class);
    private static final Duration POLL = Duration.ofMillis(200);

    private record Waiter(Runnable whenUp, long deadlineNanos) {}

    private final NetNs ns;
    private final NetlinkHandle handle;
    private final String label;
    private final Supervisor loops;
    /** sandbox-end link name -> what to run when it has carrier */
    private final Map<String, Waiter> waiting = new ConcurrentHashMap<>();
    /** names added since the thread last looked: their current state must be read once */
    private final Queue<String> unchecked = new ConcurrentLinkedQueue<>();

    private boolean watching; // guarded by this
    private volatile boolean closed;

    CarrierWatcher(NetNs ns, NetlinkHandle handle, String label, Supervisor loops) {
        this.loops = loops;
        this.ns = ns;
        this.handle = handle;
        this.label = label;
    }

    /**
     * Runs {@code whenUp} (on the watcher thread: keep it short) once link {@code name} has carrier,
     * at once if it has already; never if the link goes away or {@code within} passes first.
     * Awaiting a name again replaces the earlier wait.
     */
    void await(String name, Duration within, Runnable whenUp) {
        waiting.put(name, new Waiter(whenUp, System.nanoTime() + within.toNanos()));
        unchecked.add(name);
        synchronized (this) {
            if (!watching && !closed) {
                watching = true;
                loops.task("carrier-" + label, this::run);
            }
        }
    }

    private void run() {
        unchecked.addAll(waiting.keySet()); // run again after a failure: events may have been missed
        // subscribe first, then read the current state of what is awaited: nothing falls in between
        try (LinkEvents events = LinkEvents.open(ns)) {
            while (!closed && !Thread.currentThread().isInterrupted()) {
                for (String name; (name = unchecked.poll()) != null; ) {
                    settle(name, handle.findLink(name));
                }
                try {
                    for (LinkEvents.LinkEvent e : events.poll(POLL)) {
                        settle(e.link().name(), e.removed() ? Optional.empty() : Optional.of(e.link()));
                    }
                } catch (ErrnoException e) {
                    if (e.errno() != Errno.ENOBUFS.number()) {
                        throw e;
                    }
                    unchecked.addAll(waiting.keySet()); // notifications were lost: read the state again
                }
                expire();
                synchronized (this) {
                    if (waiting.isEmpty() && unchecked.isEmpty()) {
                        watching = false;
                        return;
                    }
                }
            }
        } catch (RuntimeException e) {
            // the sandbox went away under us (its handle closed): nothing left to wait for here
            log.debug("carrier watch of {} ends: {}", label, e.toString());
        }
        // forget the waits first: one added after this is served by a new task (the sweep
        // publishes anything a wait missed)
        waiting.clear();
        unchecked.clear();
        synchronized (this) {
            watching = false;
        }
    }

    private void settle(String name, Optional<Link> link) {
        Waiter w = waiting.get(name);
        if (w == null) {
            return;
        }
        if (link.isEmpty() || link.get().hasCarrier()) {
            waiting.remove(name, w);
            if (link.isPresent()) {
                try {
                    w.whenUp().run();
                } catch (RuntimeException e) {
                    log.warn("{}: acting on carrier of {} failed: {}", label, name, e.toString());
                }
            }
        }
    }

    private void expire() {
        long now = System.nanoTime();
        waiting.forEach((name, w) -> {
            if (now - w.deadlineNanos() > 0 && waiting.remove(name, w)) {
                log.info("{}: {} did not come up in time; the periodic sweep will publish it if it does", label, name);
            }
        });
    }

    /** Stops waiting for anything; the task ends within one poll. */
    void close() {
        closed = true;
        waiting.clear();
    }
}
