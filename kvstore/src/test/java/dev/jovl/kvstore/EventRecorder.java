package dev.jovl.kvstore;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A watch listener that keeps everything it is told, for tests to wait on and inspect. */
public final class EventRecorder implements WatchListener {
    private final List<WatchEvent> events = new ArrayList<>();
    private final List<Long> resyncs = new ArrayList<>();
    private final List<List<WatchEvent>> batches = new ArrayList<>();
    private final List<Boolean> connectionStates = new ArrayList<>();

    @Override
    public synchronized void onEvents(List<WatchEvent> batch) {
        events.addAll(batch);
        batches.add(batch);
        notifyAll();
    }

    @Override
    public synchronized void onResyncNeeded(long lastRevision) {
        resyncs.add(lastRevision);
        notifyAll();
    }

    @Override
    public synchronized void onConnectionState(boolean connected) {
        connectionStates.add(connected);
        notifyAll();
    }

    /** Every connection state reported, in order (false: lost, true: back). */
    public synchronized List<Boolean> connectionStates() {
        return List.copyOf(connectionStates);
    }

    public synchronized List<WatchEvent> events() {
        return List.copyOf(events);
    }

    public synchronized List<Long> resyncs() {
        return List.copyOf(resyncs);
    }

    public synchronized List<List<WatchEvent>> batches() {
        return List.copyOf(batches);
    }

    /** Waits until at least {@code n} events arrived; returns them all. */
    public synchronized List<WatchEvent> awaitEvents(int n, Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (events.size() < n) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("expected " + n + " events within " + timeout + ", got " + events);
            }
            wait(Math.max(1, left / 1_000_000));
        }
        return List.copyOf(events);
    }

    public synchronized void awaitResync(Duration timeout) throws InterruptedException {
        long end = System.nanoTime() + timeout.toNanos();
        while (resyncs.isEmpty()) {
            long left = end - System.nanoTime();
            if (left <= 0) {
                throw new AssertionError("expected a resync within " + timeout + "; events " + events);
            }
            wait(Math.max(1, left / 1_000_000));
        }
    }
}
