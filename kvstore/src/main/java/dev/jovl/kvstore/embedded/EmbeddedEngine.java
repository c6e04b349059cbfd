package dev.jovl.kvstore.embedded;

import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.WatchEvent;
import dev.jovl.net.PrivateFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.function.Supplier;
import org.h2.mvstore.Cursor;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;
import org.h2.mvstore.MVStoreTool;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The single-host store on disk: one H2 MVStore file per directory, shared by every
 * {@link EmbeddedStore} of the process that opens that directory (MVStore locks the file, so a
 * second process gets {@link StoreException.Unavailable}).
 *
 * <p>Maps: {@code kv} (key to version, lease, value), {@code history} (revision to the events it
 * made; the last {@link #HISTORY_REVISIONS} (by default) are kept so watches can resume from an older
 * revision, also after a restart), {@code leases} (id to TTL and expiry time, wall clock, so a
 * lease of a dead process still expires after a restart), {@code leaseKeys} (which keys a lease
 * owns) and {@code meta} (the revision counter). Auto-commit is off: every transaction is one
 * MVStore commit, so a crash leaves either all of it on disk or none.
 */
final class EmbeddedEngine {
    static final int HISTORY_REVISIONS = 10_000;
    /**
     * The history is also bounded by the bytes of its values: a watcher further behind than this
     * re-lists (as when it is more than {@link #HISTORY_REVISIONS} behind). Without it, 600
     * create/delete cycles of a 250 KiB record kept 150 MB of deleted values. The running file
     * peaks at about 4x this (MVStore's chunks), so it is kept small: this store's watchers are
     * in the same process and never far behind, and ~300-byte records make 2 MiB thousands of
     * events (at 8 MiB the same cycles left a 35 MB file while running).
     */
    static final long HISTORY_BYTES = 2L << 20;
    /**
     * A file bigger than this at open is rewritten with its live data only first (MVStore reuses
     * freed chunks while running, but never gives the space back to the file system).
     */
    static final long COMPACT_AT_OPEN_BYTES = 16L << 20;

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedEngine.class);
    private static final String FILE_NAME = "jovl-store.mv.db";
    private static final String REVISION = "revision";
    private static final long SWEEP_MILLIS = 100;
    private static final Map<Path, EmbeddedEngine> OPEN = new HashMap<>();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final Path dir;
    private final int historyRevisions;
    private final MVStore mv;
    private final MVMap<String, byte[]> kv;
    private final MVMap<Long, byte[]> history;
    private final MVMap<String, long[]> leases;
    private final MVMap<String, Boolean> leaseKeys;
    private final MVMap<String, Long> meta;
    private final ReentrantReadWriteLock rw = new ReentrantReadWriteLock();
    private final ReentrantLock signalLock = new ReentrantLock();
    private final Condition advanced = signalLock.newCondition();
    private final ScheduledExecutorService timer;
    private volatile long revision;
    private final long historyBytesLimit;
    private long historyBytes;
    private volatile boolean closed;
    private int references;

    private EmbeddedEngine(Path dir, int historyRevisions) {
        this.dir = dir;
        this.historyRevisions = historyRevisions;
        this.historyBytesLimit = HISTORY_BYTES;
        compactIfBig(dir.resolve(FILE_NAME));
        try {
            this.mv = new MVStore.Builder()
                    .fileName(dir.resolve(FILE_NAME).toString())
                    .autoCommitDisabled()
                    .open();
            // Chunks no longer referenced by the last commit may be overwritten at once. MVStore's
            // default (45 s) is there for disks that reorder writes on power loss, which this store
            // does not claim to survive (no fsync per commit); with one commit per write the default
            // let the file grow by ~20 KB per write, reaching hundreds of MB under load.
            mv.setRetentionTime(0);
        } catch (RuntimeException e) {
            throw new StoreException.Unavailable("cannot open the embedded store in " + dir + ": " + e.getMessage(), e);
        }
        this.kv = mv.openMap("kv");
        this.history = mv.openMap("history");
        this.leases = mv.openMap("leases");
        this.leaseKeys = mv.openMap("leaseKeys");
        this.meta = mv.openMap("meta");
        this.revision = meta.getOrDefault(REVISION, 0L);
        for (Cursor<Long, byte[]> c = history.cursor(null); c.hasNext(); ) {
            c.next();
            historyBytes += c.getValue().length;
        }
        try {
            PrivateFiles.file(dir.resolve(FILE_NAME));
        } catch (IOException e) {
            mv.close();
            throw new StoreException.Unavailable("cannot make the embedded store file private in " + dir + ": " + e, e);
        }
        this.timer = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().daemon().name("jovl-embedded-store-timer").factory());
        timer.scheduleWithFixedDelay(this::expireLeases, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    /** Rewrites a big store file with its live data only, before it is opened. */
    private static void compactIfBig(Path file) {
        try {
            long before = Files.exists(file) ? Files.size(file) : 0;
            if (before <= COMPACT_AT_OPEN_BYTES) {
                return;
            }
            long started = System.nanoTime();
            MVStoreTool.compact(file.toString(), false);
            PrivateFiles.file(file);
            LOG.info(
                    "embedded store compacted at open: {} -> {} bytes in {} ms",
                    before,
                    Files.size(file),
                    (System.nanoTime() - started) / 1_000_000);
        } catch (IOException | RuntimeException e) {
            LOG.warn("cannot compact the embedded store file {}: {}", file, e.toString());
        }
    }

    /**
     * The engine of {@code dir}, opened on first use (which also fixes how many revisions of
     * history it keeps); pair with {@link #release()}.
     */
    static EmbeddedEngine acquire(Path dir, int historyRevisions) {
        Path key;
        try {
            // the real path, so two spellings of one directory (symlinks, "..") share one engine
            key = PrivateFiles.directory(dir).toRealPath();
        } catch (IOException e) {
            throw new StoreException.Unavailable("cannot open the embedded store in " + dir + ": " + e, e);
        }
        synchronized (OPEN) {
            EmbeddedEngine engine = OPEN.get(key);
            if (engine == null) {
                engine = new EmbeddedEngine(key, historyRevisions);
                OPEN.put(key, engine);
            }
            engine.references++;
            return engine;
        }
    }

    /** Closes the file when the last user lets go. */
    void release() {
        synchronized (OPEN) {
            if (--references > 0) {
                return;
            }
            OPEN.remove(dir);
        }
        timer.shutdownNow();
        rw.writeLock().lock();
        try {
            closed = true;
            mv.close();
        } finally {
            rw.writeLock().unlock();
        }
        signalAdvance();
    }

    Path dir() {
        return dir;
    }

    ScheduledExecutorService timer() {
        return timer;
    }

    long revision() {
        return revision;
    }

    boolean isClosed() {
        return closed;
    }

    KeyValue get(String key) {
        rw.readLock().lock();
        try {
            ensureOpen();
            byte[] bytes = kv.get(key);
            return bytes == null ? null : Records.decodeEntry(key, bytes);
        } finally {
            rw.readLock().unlock();
        }
    }

    Store.Listing list(String prefix) {
        rw.readLock().lock();
        try {
            ensureOpen();
            List<KeyValue> entries = new ArrayList<>();
            Cursor<String, byte[]> c = kv.cursor(prefix.isEmpty() ? null : prefix);
            while (c.hasNext()) {
                String key = c.next();
                if (!key.startsWith(prefix)) {
                    break;
                }
                entries.add(Records.decodeEntry(key, c.getValue()));
            }
            return new Store.Listing(entries, revision);
        } finally {
            rw.readLock().unlock();
        }
    }

    /**
     * Checks every condition, then applies every operation as one revision, or throws and changes
     * nothing. {@code leaseIds.get(i)} is the lease of operation i ({@code ""} for none).
     */
    Store.TxnResult commit(List<Op> ops, List<String> leaseIds) {
        return write(() -> {
            checkConditions(ops, leaseIds);
            return apply(ops, leaseIds);
        });
    }

    /** Deletes {@code key}; returns whether it existed. */
    boolean delete(String key) {
        return write(() -> {
            boolean existed = kv.containsKey(key);
            if (existed) {
                apply(List.of(Op.delete(key)), List.of(""));
            }
            return existed;
        });
    }

    /**
     * Runs a change under the write lock. A failure other than a refused condition rolls the
     * maps back to the last commit, so nothing half-written stays in memory either.
     */
    private <T> T write(Supplier<T> change) {
        rw.writeLock().lock();
        try {
            ensureOpen();
            return change.get();
        } catch (StoreException e) {
            throw e;
        } catch (RuntimeException e) {
            try {
                mv.rollback();
            } catch (RuntimeException rollbackFailure) {
                e.addSuppressed(rollbackFailure);
            }
            throw new StoreException.Unavailable("embedded store write failed in " + dir + ": " + e.getMessage(), e);
        } finally {
            rw.writeLock().unlock();
        }
    }

    private void checkConditions(List<Op> ops, List<String> leaseIds) {
        for (Op op : ops) {
            byte[] current = kv.get(op.key());
            long version =
                    current == null ? 0 : Records.decodeEntry(op.key(), current).version();
            boolean ok = switch (op.kind()) {
                case CREATE -> current == null;
                case COMPARE_AND_SET, CHECK_VERSION -> version == op.expectedVersion();
                case DELETE_IF_VERSION -> current != null && version == op.expectedVersion();
                case PUT, DELETE -> true;
            };
            if (!ok) {
                throw new StoreException.Conflict(
                        op.key(),
                        "condition failed: " + op + " but "
                                + (current == null ? "the key is absent" : "its version is " + version));
            }
        }
        for (String leaseId : leaseIds) {
            if (!leaseId.isEmpty() && !leases.containsKey(leaseId)) {
                throw new StoreException.NotFound("lease " + leaseId + " (expired or revoked)");
            }
        }
    }

    private Store.TxnResult apply(List<Op> ops, List<String> leaseIds) {
        long next = revision + 1;
        List<WatchEvent> events = new ArrayList<>();
        List<Long> versions = new ArrayList<>();
        for (int i = 0; i < ops.size(); i++) {
            Op op = ops.get(i);
            byte[] previous = kv.get(op.key());
            String previousLease = previous == null
                    ? ""
                    : Records.decodeEntry(op.key(), previous).leaseId();
            switch (op.kind()) {
                case CREATE, PUT, COMPARE_AND_SET -> {
                    String lease = leaseIds.get(i);
                    if (!previousLease.isEmpty() && !previousLease.equals(lease)) {
                        leaseKeys.remove(previousLease + " " + op.key());
                    }
                    if (!lease.isEmpty()) {
                        leaseKeys.put(lease + " " + op.key(), Boolean.TRUE);
                    }
                    kv.put(op.key(), Records.encodeEntry(next, lease, op.value()));
                    events.add(new WatchEvent(
                            WatchEvent.Type.PUT, op.key(), op.value().clone(), next));
                    versions.add(next);
                }
                case DELETE, DELETE_IF_VERSION -> {
                    if (previous != null) {
                        removeKey(op.key(), previousLease, next, events);
                    }
                    versions.add(0L);
                }
                case CHECK_VERSION -> versions.add(0L);
            }
        }
        if (events.isEmpty()) {
            return new Store.TxnResult(revision, versions);
        }
        persist(next, events);
        return new Store.TxnResult(next, versions);
    }

    private void removeKey(String key, String leaseId, long rev, List<WatchEvent> events) {
        kv.remove(key);
        if (!leaseId.isEmpty()) {
            leaseKeys.remove(leaseId + " " + key);
        }
        events.add(new WatchEvent(WatchEvent.Type.DELETE, key, new byte[0], rev));
    }

    /** Records the revision's events and makes everything since the last commit durable. */
    private void persist(long next, List<WatchEvent> events) {
        byte[] encoded = Records.encodeEvents(events);
        history.put(next, encoded);
        historyBytes += encoded.length;
        while (history.sizeAsLong() > historyRevisions
                || (historyBytes > historyBytesLimit && history.sizeAsLong() > 1)) {
            historyBytes -= history.remove(history.firstKey()).length;
        }
        meta.put(REVISION, next);
        mv.commit();
        revision = next;
        signalAdvance();
    }

    String grantLease(Duration ttl) {
        byte[] random = new byte[8];
        RANDOM.nextBytes(random);
        String id = HexFormat.of().formatHex(random);
        return write(() -> {
            leases.put(id, new long[] {ttl.toMillis(), System.currentTimeMillis() + ttl.toMillis()});
            mv.commit();
            return id;
        });
    }

    /** Pushes the lease's expiry a TTL into the future; false if it is gone already. */
    boolean renewLease(String id) {
        return write(() -> {
            long[] lease = leases.get(id);
            if (lease == null) {
                return false;
            }
            leases.put(id, new long[] {lease[0], System.currentTimeMillis() + lease[0]});
            mv.commit();
            return true;
        });
    }

    boolean leaseExists(String id) {
        return !closed && leases.containsKey(id);
    }

    /** Deletes the lease and, in one revision, every key bound to it. */
    void revokeLease(String id) {
        write(() -> {
            if (!leases.containsKey(id)) {
                return null;
            }
            long next = revision + 1;
            List<WatchEvent> events = new ArrayList<>();
            String prefix = id + " ";
            List<String> bound = new ArrayList<>();
            Cursor<String, Boolean> c = leaseKeys.cursor(prefix);
            while (c.hasNext()) {
                String entry = c.next();
                if (!entry.startsWith(prefix)) {
                    break;
                }
                bound.add(entry.substring(prefix.length()));
            }
            for (String key : bound) {
                if (kv.containsKey(key)) {
                    removeKey(key, id, next, events);
                } else {
                    leaseKeys.remove(prefix + key);
                }
            }
            leases.remove(id);
            if (events.isEmpty()) {
                mv.commit();
            } else {
                persist(next, events);
            }
            return null;
        });
    }

    private void expireLeases() {
        try {
            long now = System.currentTimeMillis();
            List<String> expired = new ArrayList<>();
            for (Map.Entry<String, long[]> lease : leases.entrySet()) {
                if (lease.getValue()[1] <= now) {
                    expired.add(lease.getKey());
                }
            }
            for (String id : expired) {
                LOG.debug("lease {} expired in {}", id, dir);
                revokeLease(id);
            }
        } catch (RuntimeException | Error e) {
            // an Error escaping would end the periodic sweep for good, silently
            if (!closed) {
                LOG.warn("expiring leases in {} failed; retrying", dir, e);
            }
        }
    }

    /** Events after {@code after} under {@code prefix}, at most {@code maxRevisions} revisions of them. */
    HistorySlice eventsAfter(long after, String prefix, int maxRevisions) {
        rw.readLock().lock();
        try {
            ensureOpen();
            long current = revision;
            if (after >= current) {
                return new HistorySlice(List.of(), after, false);
            }
            Cursor<Long, byte[]> c = history.cursor(after + 1);
            List<WatchEvent> events = new ArrayList<>();
            long through = after;
            while (c.hasNext() && through - after < maxRevisions) {
                long rev = c.next();
                if (rev != through + 1) {
                    // the history no longer reaches back to after + 1
                    return new HistorySlice(List.of(), current, true);
                }
                for (WatchEvent e : Records.decodeEvents(rev, c.getValue())) {
                    if (e.key().startsWith(prefix)) {
                        events.add(e);
                    }
                }
                through = rev;
            }
            if (through == after) {
                return new HistorySlice(List.of(), current, true);
            }
            return new HistorySlice(events, through, false);
        } finally {
            rw.readLock().unlock();
        }
    }

    /** Waits until the revision passes {@code rev}, the engine closes or the timeout ends. */
    void awaitRevisionAbove(long rev, long timeoutMillis) throws InterruptedException {
        signalLock.lock();
        try {
            if (revision <= rev && !closed) {
                advanced.await(timeoutMillis, TimeUnit.MILLISECONDS);
            }
        } finally {
            signalLock.unlock();
        }
    }

    private void signalAdvance() {
        signalLock.lock();
        try {
            advanced.signalAll();
        } finally {
            signalLock.unlock();
        }
    }

    private void ensureOpen() {
        if (closed) {
            throw new StoreException.Unavailable("embedded store " + dir + " is closed", null);
        }
    }

    /**
     * A run of the history: the matching events and the revision read through, or
     * {@code truncated} when the history no longer goes back far enough (then {@code through} is
     * the current revision).
     */
    record HistorySlice(List<WatchEvent> events, long through, boolean truncated) {}
}
