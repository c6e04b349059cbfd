package dev.jovl.overlay.runtime;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.retry.Backoff;
import dev.jovl.overlay.runtime.Supervisor.LoopStatus;
import dev.jovl.overlay.runtime.Supervisor.State;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

@Timeout(30)
class SupervisorTest {
    private static final Backoff FAST = Backoff.doubling(Duration.ofMillis(10), Duration.ofMillis(40));
    private static final Duration LONG = Duration.ofHours(1);

    @Test
    void startsInDeclaredOrderAndStopsInReverse() throws Exception {
        List<String> events = new CopyOnWriteArrayList<>();
        Map<String, Long> threadIds = new ConcurrentHashMap<>();
        CountDownLatch started = new CountDownLatch(3);
        try (Supervisor s = new Supervisor(FAST)) {
            for (String name : List.of("a", "b", "c")) {
                s.every(name, Duration.ZERO, LONG, () -> {
                            threadIds.put(name, Thread.currentThread().threadId());
                            started.countDown();
                        })
                        .onStop(() -> events.add("stop " + name));
            }
            Thread.sleep(20);
            assertTrue(threadIds.isEmpty(), "nothing runs before start()");
            s.start();
            assertTrue(started.await(5, TimeUnit.SECONDS));
            // thread ids grow in the order the threads were created
            assertTrue(
                    threadIds.get("a") < threadIds.get("b") && threadIds.get("b") < threadIds.get("c"),
                    threadIds::toString);
            assertEquals(
                    List.of("a", "b", "c"),
                    s.status().stream().map(LoopStatus::name).toList());
        }
        assertEquals(List.of("stop c", "stop b", "stop a"), events);
    }

    @Test
    void aLoopThatThrowsIsRestartedAndShowsItsFailure() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Supervisor s = new Supervisor(FAST)) {
            s.task("flaky", () -> {
                if (runs.incrementAndGet() < 3) {
                    throw new IllegalStateException("store down");
                }
                Thread.sleep(LONG); // then runs until stopped
            });
            s.start();
            awaitTrue(() -> runs.get() == 3);
            LoopStatus st = only(s.status());
            assertEquals("flaky", st.name());
            assertEquals(State.RUNNING, st.state());
            assertEquals(2, st.restarts());
            assertEquals("java.lang.IllegalStateException: store down", st.lastFailure());
        }
    }

    @Test
    void anErrorDoesNotKillTheLoop() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Supervisor s = new Supervisor(FAST)) {
            s.every("events", Duration.ZERO, LONG, () -> {
                if (runs.incrementAndGet() == 1) {
                    throw new OutOfMemoryError("an oversized event");
                }
            });
            s.start();
            awaitTrue(() -> runs.get() == 2 && only(s.status()).state() == State.WAITING);
            assertEquals(1, only(s.status()).restarts());
            assertTrue(only(s.status()).lastFailure().contains("OutOfMemoryError"));
        }
    }

    @Test
    void waitsBeforeARestartDoubleUpToTheCeiling() throws Exception {
        List<Long> startedAt = Collections.synchronizedList(new ArrayList<>());
        Backoff backoff = Backoff.doubling(Duration.ofMillis(50), Duration.ofMillis(200));
        try (Supervisor s = new Supervisor(backoff)) {
            s.task("failing", () -> {
                startedAt.add(System.nanoTime());
                throw new RuntimeException("again");
            });
            s.start();
            awaitTrue(() -> startedAt.size() >= 6);
        }
        List<Long> gapsMs = new ArrayList<>();
        for (int i = 1; i < 6; i++) {
            gapsMs.add((startedAt.get(i) - startedAt.get(i - 1)) / 1_000_000);
        }
        long[] expected = {50, 100, 200, 200, 200};
        for (int i = 0; i < expected.length; i++) {
            assertTrue(gapsMs.get(i) >= expected[i] && gapsMs.get(i) < expected[i] + 150, "gaps " + gapsMs);
        }
    }

    @Test
    void aPeriodicLoopRetriesAFailureNoLaterThanItsPeriod() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Supervisor s = new Supervisor(Backoff.doubling(Duration.ofHours(1), Duration.ofHours(1)))) {
            s.every("sweep", Duration.ZERO, Duration.ofMillis(30), () -> {
                runs.incrementAndGet();
                throw new IllegalStateException("kernel says no");
            });
            s.start();
            awaitTrue(() -> runs.get() >= 3);
        }
    }

    @Test
    void aFinishedTaskLeavesUnlessItHasSomethingToClose() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        try (Supervisor s = new Supervisor(FAST)) {
            s.task("open-once", () -> {});
            s.task("open-watch", () -> {}).onStop(closed::countDown);
            s.start();
            awaitTrue(() -> s.status().size() == 1 && s.status().getFirst().state() == State.DONE);
            assertEquals("open-watch", s.status().getFirst().name());
            assertEquals(1, closed.getCount());
        }
        assertEquals(0, closed.getCount());
    }

    @Test
    void wakeUpRunsAWaitingLoopAtOnce() throws Exception {
        AtomicInteger runs = new AtomicInteger();
        try (Supervisor s = new Supervisor(FAST)) {
            Supervisor.Loop loop = s.every("reconcile", Duration.ZERO, LONG, runs::incrementAndGet);
            s.start();
            awaitTrue(() -> runs.get() == 1);
            loop.wakeUp();
            awaitTrue(() -> runs.get() == 2);
        }
    }

    @Test
    void aLoopDeclaredAfterStartStartsAtOnceAndNoneAfterClose() throws Exception {
        CountDownLatch ran = new CountDownLatch(1);
        Supervisor s = new Supervisor(FAST);
        s.start();
        s.task("late", ran::countDown);
        assertTrue(ran.await(5, TimeUnit.SECONDS));
        s.close();
        AtomicInteger runs = new AtomicInteger();
        s.task("too-late", runs::incrementAndGet);
        Thread.sleep(50);
        assertEquals(0, runs.get());
        assertTrue(s.status().isEmpty());
    }

    @Test
    void stoppingInterruptsABlockedBodyWithoutCountingAFailure() throws Exception {
        CountDownLatch running = new CountDownLatch(1);
        Supervisor s = new Supervisor(FAST);
        s.task("reader", () -> {
            running.countDown();
            Thread.sleep(LONG);
        });
        s.start();
        assertTrue(running.await(5, TimeUnit.SECONDS));
        long t0 = System.nanoTime();
        List<LoopStatus> before = s.status();
        s.close();
        assertTrue(System.nanoTime() - t0 < TimeUnit.SECONDS.toNanos(5));
        assertEquals(0, before.getFirst().restarts());
        assertNull(before.getFirst().lastFailure());
        assertEquals(State.STOPPED, s.status().getFirst().state());
    }

    private static LoopStatus only(List<LoopStatus> status) {
        assertEquals(1, status.size(), status::toString);
        return status.getFirst();
    }

    private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            assertTrue(System.nanoTime() < deadline, "condition not met in 10 s");
            Thread.sleep(5);
        }
    }
}
