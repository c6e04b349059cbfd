package dev.jovl.overlay.runtime;

import dev.jovl.kvstore.retry.Backoff;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one owner of jovl's background loops. A loop is declared by name; {@link #start} starts the
 * declared loops in the order they were declared (one declared later starts at once), and
 * {@link #close} stops them in the reverse order, each followed by what it asked to be closed
 * with it ({@link Loop#onStop}). A loop whose body throws anything, {@link Error}s included, is
 * logged and run again after {@link #RESTART_BACKOFF}: it is never silently gone. What every loop
 * is doing is visible in {@link #status}.
 *
 * <p>Two kinds of loop cover all of jovl's background work:
 * <ul>
 * <li>{@link #every}: a body run periodically (a reconcile, a sweep, a lease check); after a
 *     failure it runs again after the back-off, never later than its period;</li>
 * <li>{@link #task}: a body run until it returns: start-up work that waits for the store (opening
 *     a watch), or a reader that runs until it is stopped. A task that returned is done: it leaves
 *     the supervisor, unless it has something to close when stopped (then it stays, shown done).</li>
 * </ul>
 * Each loop has a platform thread of its own (bodies may block in native calls, which would pin a
 * virtual thread's carrier). Stopping interrupts it and waits for its body to return.
 */
public final class Supervisor implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Supervisor.class);
    /** The waits before a failed body runs again: 200 ms doubling to 5 s. */
    public static final Backoff RESTART_BACKOFF = Backoff.doubling(Duration.ofMillis(200), Duration.ofSeconds(5));

    private static final Duration STOP_WAIT = Duration.ofSeconds(10);

    /** What a loop runs. It may throw anything; an interrupt means the supervisor is stopping. */
    @FunctionalInterface
    public interface Body {
        void run() throws Exception;
    }

    public enum State {
        /** declared, the supervisor not started yet */
        DECLARED,
        /** the body is running */
        RUNNING,
        /** waiting for its next period */
        WAITING,
        /** the body failed; waiting for the back-off before running it again */
        RESTARTING,
        /** a task whose body returned, kept for what it closes when stopped */
        DONE,
        /** stopped by {@link #close} */
        STOPPED
    }

    /**
     * One loop as {@code jovl status} shows it.
     *
     * @param lastFailure the last throwable (its {@code toString()}), or null if none yet
     */
    public record LoopStatus(String name, State state, long restarts, String lastFailure) {}

    private final Backoff restartBackoff;
    private final List<Loop> loops = new ArrayList<>(); // guarded by this, in declared order
    private boolean started; // guarded by this
    private boolean closed; // guarded by this

    public Supervisor() {
        this(RESTART_BACKOFF);
    }

    /** @param restartBackoff the waits before a failed body runs again (tests shorten them) */
    public Supervisor(Backoff restartBackoff) {
        this.restartBackoff = Objects.requireNonNull(restartBackoff);
    }

    /**
     * Declares a loop running {@code body} first after {@code initialDelay}, then {@code period}
     * after each run ended (or sooner, when {@linkplain Loop#wakeUp woken}).
     */
    public Loop every(String name, Duration initialDelay, Duration period, Body body) {
        if (period.isNegative() || period.isZero()) {
            throw new IllegalArgumentException(name + ": the period must be positive, not " + period);
        }
        return declare(new Loop(name, initialDelay, period, body));
    }

    /** Declares a loop running {@code body} until it returns; if it throws, it runs again after the back-off. */
    public Loop task(String name, Body body) {
        return declare(new Loop(name, Duration.ZERO, null, body));
    }

    private synchronized Loop declare(Loop loop) {
        if (closed) {
            log.debug("{} declared after the supervisor stopped: not started", loop.name);
            loop.state = State.STOPPED;
            return loop;
        }
        loops.add(loop);
        if (started) {
            loop.start();
        }
        return loop;
    }

    /** Starts the declared loops, in the order of declaration. */
    public synchronized void start() {
        if (started || closed) {
            return;
        }
        started = true;
        loops.forEach(Loop::start);
    }

    /** Every loop declared and not done, in the order of declaration. */
    public synchronized List<LoopStatus> status() {
        return loops.stream()
                .map(l -> new LoopStatus(l.name, l.state, l.restarts, l.lastFailure))
                .toList();
    }

    /** Stops the loops in the reverse order of declaration, each with what it asked to be closed with it. */
    @Override
    public void close() {
        List<Loop> order;
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
            order = new ArrayList<>(loops).reversed();
        }
        order.forEach(Loop::stop);
    }

    private synchronized void done(Loop loop) {
        synchronized (loop) {
            if (loop.onStop.isEmpty()) {
                loops.remove(loop);
            }
        }
    }

    /** A declared loop. */
    public final class Loop {
        private final String name;
        private final Duration initialDelay;
        /** null for a task */
        private final Duration period;

        private final Body body;
        private final List<AutoCloseable> onStop = new ArrayList<>(); // guarded by this
        private final Object signal = new Object();
        private boolean wake; // guarded by signal
        private Thread thread; // guarded by Supervisor.this
        private volatile boolean stopping;
        private volatile State state = State.DECLARED;
        private volatile long restarts;
        private volatile String lastFailure;

        private Loop(String name, Duration initialDelay, Duration period, Body body) {
            this.name = Objects.requireNonNull(name);
            this.initialDelay = Objects.requireNonNull(initialDelay);
            this.period = period;
            this.body = Objects.requireNonNull(body);
        }

        public String name() {
            return name;
        }

        /**
         * Closes {@code resource} when the loop is stopped, after its body has returned (watches
         * and leases the body opened). Several are closed in the reverse order of these calls.
         */
        public synchronized Loop onStop(AutoCloseable resource) {
            onStop.add(Objects.requireNonNull(resource));
            return this;
        }

        /** Runs the body now if it is waiting, or once more right after the run in progress. */
        public void wakeUp() {
            synchronized (signal) {
                wake = true;
                signal.notifyAll();
            }
        }

        private void start() {
            thread = Thread.ofPlatform().daemon().name("jovl-" + name).start(this::loop);
        }

        private void loop() {
            Backoff.Waits waits = restartBackoff.waits();
            Duration wait = initialDelay;
            state = State.WAITING;
            while (pause(wait)) {
                state = State.RUNNING;
                long began = System.nanoTime();
                try {
                    body.run();
                    waits.reset();
                    if (period == null) {
                        log.debug("{} done", name);
                        state = State.DONE;
                        done(this);
                        return;
                    }
                    wait = period;
                    state = State.WAITING;
                } catch (Throwable t) {
                    if (stopping) {
                        break;
                    }
                    if (System.nanoTime() - began > restartBackoff.ceiling().toNanos()) {
                        waits.reset(); // it ran a good while: a fresh failure, not one more of a series
                    }
                    wait = waits.next();
                    if (period != null && wait.compareTo(period) > 0) {
                        wait = period;
                    }
                    restarts++;
                    lastFailure = t.toString();
                    state = State.RESTARTING;
                    if (t instanceof Exception) {
                        log.warn("{} failed ({}); running it again in {} ms", name, t, wait.toMillis());
                        log.debug("{} failure", name, t);
                    } else {
                        log.error("{} failed ({}); running it again in {} ms", name, t, wait.toMillis(), t);
                    }
                }
            }
            state = State.STOPPED;
        }

        /** Waits {@code d} unless woken; false once the loop is stopping. */
        private boolean pause(Duration d) {
            long deadline = System.nanoTime() + d.toNanos();
            synchronized (signal) {
                while (!stopping && !wake) {
                    long left = deadline - System.nanoTime();
                    if (left <= 0) {
                        break;
                    }
                    try {
                        signal.wait(Math.max(1, left / 1_000_000));
                    } catch (InterruptedException e) {
                        // only stop() interrupts; anything else is not a reason to end the loop
                    }
                }
                wake = false;
            }
            return !stopping;
        }

        private void stop() {
            stopping = true;
            Thread t;
            synchronized (Supervisor.this) {
                t = thread;
            }
            if (t != null) {
                t.interrupt();
                try {
                    t.join(STOP_WAIT);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
                if (t.isAlive()) {
                    log.warn("{} still running {} s after it was asked to stop", name, STOP_WAIT.toSeconds());
                }
            }
            state = State.STOPPED;
            List<AutoCloseable> resources;
            synchronized (this) {
                resources = new ArrayList<>(onStop).reversed();
            }
            for (AutoCloseable r : resources) {
                try {
                    r.close();
                } catch (Exception e) {
                    log.warn("{}: while stopping: {}", name, e.toString());
                }
            }
        }
    }
}
