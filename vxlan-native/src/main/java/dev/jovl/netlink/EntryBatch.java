package dev.jovl.netlink;

import static dev.jovl.netlink.Rtnl.*;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * Many neighbour and FDB writes sent pipelined: up to {@value NetlinkHandle#BATCH_WINDOW} requests
 * per send(), then their ACKs matched by sequence number. Each entry keeps its own result: one
 * failure does not stop the others (the kernel handles each message separately), and deletes of
 * missing entries count as success. Order is preserved, so "ARP then FDB" stays in that order.
 * Not atomic: entries the kernel accepted stay even if others fail. If {@link #execute()} itself
 * throws (a socket error such as ENOBUFS), some entries may have been applied: dump and reconcile.
 * Not thread-safe itself; {@link #execute()} holds the handle for the whole batch.
 *
 * <pre>
 * BatchResult r = handle.batch()
 *         .setNeighbour(vx, ip, mac).setFdb(vx, mac, vtep)
 *         .execute();
 * r.throwIfFailed();
 * </pre>
 */
public final class EntryBatch {
    enum Kind {
        SET_NEIGHBOUR,
        DELETE_NEIGHBOUR,
        SET_FDB,
        DELETE_FDB
    }

    /** One queued write; encoded only when sent, described only if it fails. */
    record Op(Kind kind, int ifindex, InetAddress ip, MacAddress mac) {
        int type() {
            return kind == Kind.SET_NEIGHBOUR || kind == Kind.SET_FDB ? RTM_NEWNEIGH : RTM_DELNEIGH;
        }

        int flags() {
            return type() == RTM_NEWNEIGH ? NLM_F_CREATE | NLM_F_REPLACE : 0;
        }

        boolean delete() {
            return type() == RTM_DELNEIGH;
        }

        void write(MessageWriter w) {
            switch (kind) {
                case SET_NEIGHBOUR -> NeighbourCodec.writeNeighbour(w, ifindex, ip, mac);
                case DELETE_NEIGHBOUR -> NeighbourCodec.writeNeighbour(w, ifindex, ip, null);
                case SET_FDB -> NeighbourCodec.writeFdb(w, ifindex, mac, ip, true, NTF_SELF);
                case DELETE_FDB -> NeighbourCodec.writeFdb(w, ifindex, mac, ip, false, NTF_SELF);
            }
        }

        String description() {
            return switch (kind) {
                case SET_NEIGHBOUR -> "set neighbour " + ip.getHostAddress() + " " + mac + " on #" + ifindex;
                case DELETE_NEIGHBOUR -> "delete neighbour " + ip.getHostAddress() + " on #" + ifindex;
                case SET_FDB -> "set fdb " + mac + " dst " + ip.getHostAddress() + " on #" + ifindex;
                case DELETE_FDB ->
                    "delete fdb " + mac + (ip == null ? "" : " dst " + ip.getHostAddress()) + " on #" + ifindex;
            };
        }
    }

    private final NetlinkHandle handle;
    private final List<Op> ops = new ArrayList<>();

    EntryBatch(NetlinkHandle handle) {
        this.handle = handle;
    }

    private static <T> T required(T value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
        return value;
    }

    /** Permanent IP neighbour {@code ip -> mac}, created or replaced. */
    public EntryBatch setNeighbour(int ifindex, InetAddress ip, MacAddress mac) {
        ops.add(new Op(Kind.SET_NEIGHBOUR, ifindex, required(ip, "neighbour IP"), required(mac, "neighbour MAC")));
        return this;
    }

    public EntryBatch deleteNeighbour(int ifindex, InetAddress ip) {
        ops.add(new Op(Kind.DELETE_NEIGHBOUR, ifindex, required(ip, "neighbour IP"), null));
        return this;
    }

    /** Permanent FDB entry {@code mac -> vtep} in the device's own table (NTF_SELF), created or replaced. */
    public EntryBatch setFdb(int ifindex, MacAddress mac, InetAddress vtep) {
        ops.add(new Op(Kind.SET_FDB, ifindex, required(vtep, "VTEP address"), required(mac, "FDB MAC")));
        return this;
    }

    /** Deletes {@code mac} from the device's own FDB ({@code vtep} may be null: every destination). */
    public EntryBatch deleteFdb(int ifindex, MacAddress mac, InetAddress vtep) {
        ops.add(new Op(Kind.DELETE_FDB, ifindex, vtep, required(mac, "FDB MAC")));
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
