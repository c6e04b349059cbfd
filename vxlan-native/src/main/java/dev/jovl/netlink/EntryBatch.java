package dev.jovl.netlink;

import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import static dev.jovl.netlink.Rtnl.*;

/**
 * Many neighbour and FDB writes sent pipelined: up to {@value NetlinkHandle#BATCH_WINDOW} requests
 * per send(), then their ACKs matched by sequence number. Each entry keeps its own result: one
 * failure does not stop the others (the kernel handles each message separately), and deletes of
 * missing entries count as success. Order is preserved, so "ARP then FDB" stays in that order.
 *
 * <pre>
 * BatchResult r = handle.batch()
 *         .setNeighbour(vx, ip, mac).setFdb(vx, mac, vtep)
 *         .execute();
 * r.throwIfFailed();
 * </pre>
 */
public final class EntryBatch {
    record Op(String description, int type, int flags, boolean delete, Consumer<MessageWriter> body) {}

    private final NetlinkHandle handle;
    private final List<Op> ops = new ArrayList<>();

    EntryBatch(NetlinkHandle handle) {
        this.handle = handle;
    }

    /** Permanent IP neighbour {@code ip -> mac}, created or replaced. */
    public EntryBatch setNeighbour(int ifindex, InetAddress ip, MacAddress mac) {
        ops.add(new Op("set neighbour " + ip.getHostAddress() + " on #" + ifindex, RTM_NEWNEIGH,
                NLM_F_CREATE | NLM_F_REPLACE, false, w -> NeighbourCodec.writeNeighbour(w, ifindex, ip, mac)));
        return this;
    }

    public EntryBatch deleteNeighbour(int ifindex, InetAddress ip) {
        ops.add(new Op("delete neighbour " + ip.getHostAddress() + " on #" + ifindex, RTM_DELNEIGH, 0, true,
                w -> NeighbourCodec.writeNeighbour(w, ifindex, ip, null)));
        return this;
    }

    /** Permanent FDB entry {@code mac -> vtep} in the device's own table (NTF_SELF), created or replaced. */
    public EntryBatch setFdb(int ifindex, MacAddress mac, InetAddress vtep) {
        ops.add(new Op("set fdb " + mac + " on #" + ifindex, RTM_NEWNEIGH, NLM_F_CREATE | NLM_F_REPLACE, false,
                w -> NeighbourCodec.writeFdb(w, ifindex, mac, vtep, true, NTF_SELF)));
        return this;
    }

    /** Deletes {@code mac} from the device's own FDB ({@code vtep} may be null: every destination). */
    public EntryBatch deleteFdb(int ifindex, MacAddress mac, InetAddress vtep) {
        ops.add(new Op("delete fdb " + mac + " on #" + ifindex, RTM_DELNEIGH, 0, true,
                w -> NeighbourCodec.writeFdb(w, ifindex, mac, vtep, false, NTF_SELF)));
        return this;
    }

    public int size() {
        return ops.size();
    }

    /** Sends everything queued and returns per-entry results; the batch is empty afterwards. */
    public BatchResult execute() {
        List<Op> toSend = List.copyOf(ops);
        ops.clear();
        return handle.execute(toSend);
    }
}
