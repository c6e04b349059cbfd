package dev.jovl.examples;

import dev.jovl.driver.docker.DockerEvent;
import dev.jovl.driver.docker.DockerEventListener;
import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/** What a {@code DockerEngineClient} event stream delivered: the events in order, and how often it connected. */
final class RecordedDockerEvents implements DockerEventListener {
    private final BlockingQueue<DockerEvent> events = new LinkedBlockingQueue<>();
    private final AtomicInteger connects = new AtomicInteger();

    @Override
    public void onConnected() {
        connects.incrementAndGet();
    }

    @Override
    public void onEvent(DockerEvent event) {
        events.add(event);
    }

    int connects() {
        return connects.get();
    }

    /** The next event of this type and action (earlier others are skipped); fails after {@code within}. */
    DockerEvent next(String type, String action, Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (System.nanoTime() < deadline) {
            DockerEvent e = events.poll(200, TimeUnit.MILLISECONDS);
            if (e != null && e.type().equals(type) && e.action().equals(action)) {
                return e;
            }
        }
        throw new AssertionError("no " + type + " " + action + " event within " + within.toSeconds() + " s");
    }
}
