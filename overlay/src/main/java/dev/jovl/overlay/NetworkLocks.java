package dev.jovl.overlay;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;

/**
 * One lock per network: requests for a network and the peer synchronisation of its sandbox
 * change the same kernel objects, so they take turns. Different networks proceed in parallel.
 */
public final class NetworkLocks {
    private final ConcurrentHashMap<String, ReentrantLock> locks = new ConcurrentHashMap<>();

    public <T> T with(String networkId, Supplier<T> work) {
        ReentrantLock lock = locks.computeIfAbsent(networkId, k -> new ReentrantLock());
        lock.lock();
        try {
            return work.get();
        } finally {
            lock.unlock();
        }
    }

    public void run(String networkId, Runnable work) {
        with(networkId, () -> {
            work.run();
            return null;
        });
    }
}
