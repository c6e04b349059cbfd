package dev.jovl.kvstore.support;

import dev.jovl.kvstore.Watch;
import dev.jovl.kvstore.WatchListener;
import java.util.function.Consumer;

/**
 * The shape every backend's watch shares: one virtual thread that runs the backend's loop and
 * hands what it finds to an {@link OrderedDelivery}; closing stops the loop.
 */
public abstract class BackgroundWatch implements Watch {
    protected final String prefix;
    protected final OrderedDelivery delivery;
    private final Consumer<? super BackgroundWatch> onClose;
    private volatile boolean closed;
    private Thread thread;

    protected BackgroundWatch(
            String backend,
            String prefix,
            long afterRevision,
            WatchListener listener,
            Consumer<? super BackgroundWatch> onClose) {
        this.prefix = prefix;
        this.delivery = new OrderedDelivery(listener, afterRevision, backend + " watch on '" + prefix + "'");
        this.onClose = onClose;
    }

    /** Starts the loop; called once by the store after it registered the watch. */
    public void start() {
        thread = Thread.ofVirtual().name("jovl-watch-" + prefix).start(this::run);
    }

    /** The backend's loop: runs until {@link #isClosed()}, delivering through {@link #delivery}. */
    protected abstract void run();

    /** Whatever the loop may be blocked in (a stream) that an interrupt does not end. */
    protected void unblock() {}

    protected boolean isClosed() {
        return closed;
    }

    @Override
    public long lastRevision() {
        return delivery.lastRevision();
    }

    @Override
    public void close() {
        closed = true;
        onClose.accept(this);
        unblock();
        if (thread != null && thread != Thread.currentThread()) {
            thread.interrupt();
        }
    }
}
