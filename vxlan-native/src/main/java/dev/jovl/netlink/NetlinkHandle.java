package dev.jovl.netlink;

import static dev.jovl.netlink.Rtnl.*;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import java.util.function.Predicate;
import java.util.function.Supplier;

/**
 * One rtnetlink connection bound to one network namespace, and every operation jovl needs on it:
 * links, addresses, IP neighbours, FDB entries, batches of neighbour/FDB writes.
 *
 * <p>Every write asks for an ACK and throws {@link NetlinkException} (naming the errno and the
 * kernel's extended-ACK text) when the kernel refuses it. Dumps read every part and are retried
 * when the kernel flags them inconsistent (NLM_F_DUMP_INTR). The handle is safe to share between
 * threads: requests are serialised, which also keeps RTNL contention down.
 *
 * <pre>
 * try (NetNs sandbox = NetNs.open(path); NetlinkHandle h = NetlinkHandle.open(sandbox)) {
 *     h.addLink(BridgeSpec.builder("br0").mtu(1450).up().build());
 *     Link vx = h.link("vxlan0");
 *     h.setNeighbour(vx.index(), ip, mac);
 *     h.setFdb(vx.index(), mac, vtep);
 * }
 * </pre>
 */
public final class NetlinkHandle implements AutoCloseable {
    /** Requests written per send() in a batch; their ACKs must fit the receive queue at once. */
    static final int BATCH_WINDOW = 256;

    private static final int DUMP_ATTEMPTS = 10;

    @FunctionalInterface
    interface Decoder<T> {
        /** Decodes the message at {@code off} (nlmsghdr included) or returns null to skip it. */
        T decode(ByteBuffer buf, int off, int len);
    }

    private final ReentrantLock lock = new ReentrantLock();
    private final NetlinkSocket socket;
    private final ByteBuffer in;
    private final MessageWriter out = new MessageWriter();
    private final String namespace;
    private int seq = (int) (System.nanoTime() & 0x3fffffff);
    private boolean closed;

    private NetlinkHandle(NetlinkSocket socket, String namespace) {
        this.socket = socket;
        this.namespace = namespace;
        this.in = ByteBuffer.wrap(socket.receivedBytes()).order(ByteOrder.nativeOrder());
    }

    /** A handle in the calling thread's network namespace (normally the process's own). */
    public static NetlinkHandle open() {
        return new NetlinkHandle(NetlinkSocket.open(), "own namespace");
    }

    /**
     * A handle inside {@code ns}: the socket is opened by a throwaway platform thread that joined
     * {@code ns} and then exits, so no thread of ours stays there. The handle keeps working in
     * {@code ns} even after {@code ns} is closed (the socket pins the namespace until {@link #close()}).
     */
    public static NetlinkHandle open(NetNs ns) {
        return new NetlinkHandle(ns.call(NetlinkSocket::open), ns.path().toString());
    }

    /** Where this handle works (for messages). */
    public String namespace() {
        return namespace;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            if (!closed) {
                closed = true;
                socket.close();
            }
        } finally {
            lock.unlock();
        }
    }

    // ------------------------------------------------------------------ links

    /**
     * Creates the device described by {@code spec} in ONE request (CREATE|EXCL): all of it is made,
     * or nothing. EEXIST if the name (or, for VXLAN, the VNI+port in this namespace) is taken.
     */
    public void addLink(LinkSpec spec) {
        request(
                "create " + spec.kind() + " " + spec.options().name(),
                RTM_NEWLINK,
                NLM_F_CREATE | NLM_F_EXCL,
                w -> LinkCodec.writeCreate(w, spec));
    }

    /** The link named {@code name}; a {@link NetlinkException} with ENODEV if there is none. */
    public Link link(String name) {
        InterfaceName.require(name);
        return getOne(
                "get link " + name,
                RTM_GETLINK,
                w -> {
                    w.ifinfomsg(AF_UNSPEC, 0, 0, 0);
                    w.string(IFLA_IFNAME, name);
                },
                LinkCodec::decode);
    }

    /** The link with ifindex {@code index}; ENODEV if there is none. */
    public Link link(int index) {
        return getOne("get link #" + index, RTM_GETLINK, w -> w.ifinfomsg(AF_UNSPEC, index, 0, 0), LinkCodec::decode);
    }

    public Optional<Link> findLink(String name) {
        try {
            return Optional.of(link(name));
        } catch (NetlinkException e) {
            if (e.is(Errno.ENODEV)) {
                return Optional.empty();
            }
            throw e;
        }
    }

    /**
     * The id this handle's namespace gives {@code other} (the {@link Link#linkNetnsId} its links
     * report for a veth peer there), or -1 if it has assigned none: then no link here has its peer
     * in {@code other}.
     */
    public int nsidOf(NetNs other) {
        return getOne(
                "get the nsid of " + other,
                RTM_GETNSID,
                w -> {
                    w.rtgenmsg(AF_UNSPEC);
                    w.u32(NETNSA_FD, other.fd());
                },
                (buf, off, len) -> Attributes.parse(buf, off + NLMSG_HDRLEN + RTGENMSG_LEN, off + len)
                        .u32(NETNSA_NSID, -1));
    }

    /** Every link in the namespace. */
    public List<Link> links() {
        return dump("list links", RTM_GETLINK, w -> w.ifinfomsg(AF_UNSPEC, 0, 0, 0), LinkCodec::decode, l -> true);
    }

    public void setUp(String name) {
        setFlags(name, IFF_UP, "up");
    }

    public void setDown(String name) {
        setFlags(name, 0, "down");
    }

    private void setFlags(String name, int flags, String what) {
        InterfaceName.require(name);
        request("set " + name + " " + what, RTM_SETLINK, 0, w -> {
            w.ifinfomsg(AF_UNSPEC, 0, flags, IFF_UP);
            w.string(IFLA_IFNAME, name); // with ifindex 0 the name selects the device
        });
    }

    public void setMtu(String name, int mtu) {
        InterfaceName.require(name);
        if (mtu < 68 || mtu > 65535) {
            throw new IllegalArgumentException("MTU " + mtu + " out of range 68..65535");
        }
        setAttribute(name, "mtu " + mtu, w -> w.u32(IFLA_MTU, mtu));
    }

    public void setMac(String name, MacAddress mac) {
        InterfaceName.require(name);
        required(mac, "MAC address");
        setAttribute(name, "address " + mac, w -> w.bytes(IFLA_ADDRESS, mac.bytes()));
    }

    /** Enslaves {@code name} to the bridge {@code masterName}. */
    public void setMaster(String name, String masterName) {
        InterfaceName.require(name);
        int master = link(masterName).index();
        setAttribute(name, "master " + masterName, w -> w.u32(IFLA_MASTER, master));
    }

    /** Releases {@code name} from its bridge (no-op if it has none). */
    public void setNoMaster(String name) {
        InterfaceName.require(name);
        setAttribute(name, "nomaster", w -> w.u32(IFLA_MASTER, 0));
    }

    /** Renames a link (the kernel requires it to be down: EBUSY otherwise). */
    public void rename(String name, String newName) {
        InterfaceName.require(newName);
        int index = link(name).index();
        request("rename " + name + " to " + newName, RTM_SETLINK, 0, w -> {
            w.ifinfomsg(AF_UNSPEC, index, 0, 0);
            w.string(IFLA_IFNAME, newName);
        });
    }

    /**
     * Moves a link into {@code target} (it loses its addresses and goes down there). Costs about
     * 20 ms on this kernel: prefer creating devices in place ({@link LinkOptions#netns()}).
     */
    public void moveToNamespace(String name, NetNs target) {
        InterfaceName.require(name);
        setAttribute(name, "move to " + target.path(), w -> w.u32(IFLA_NET_NS_FD, target.fd()));
    }

    /** Moves a link into {@code target} and renames it there in the same request. */
    public void moveToNamespace(String name, NetNs target, String newName) {
        InterfaceName.require(newName);
        int index = link(name).index();
        request("move " + name + " to " + target.path() + " as " + newName, RTM_SETLINK, 0, w -> {
            w.ifinfomsg(AF_UNSPEC, index, 0, 0);
            w.string(IFLA_IFNAME, newName);
            w.u32(IFLA_NET_NS_FD, target.fd());
        });
    }

    /** Deletes a link (for a veth, both ends). Returns false if there was no such link. */
    public boolean deleteLink(String name) {
        InterfaceName.require(name);
        try {
            request("delete link " + name, RTM_DELLINK, 0, w -> {
                w.ifinfomsg(AF_UNSPEC, 0, 0, 0);
                w.string(IFLA_IFNAME, name);
            });
            return true;
        } catch (NetlinkException e) {
            if (e.is(Errno.ENODEV)) {
                return false;
            }
            throw e;
        }
    }

    private void setAttribute(String name, String what, Consumer<MessageWriter> attribute) {
        request("set " + name + " " + what, RTM_SETLINK, 0, w -> {
            w.ifinfomsg(AF_UNSPEC, 0, 0, 0);
            w.string(IFLA_IFNAME, name);
            attribute.accept(w);
        });
    }

    // ------------------------------------------------------------------ addresses

    /** Adds (or refreshes: CREATE|REPLACE) {@code ip/prefixLength} on device {@code name}. */
    public void addAddress(String name, InetAddress ip, int prefixLength) {
        required(ip, "address");
        int index = link(name).index();
        request(
                "add address " + ip.getHostAddress() + "/" + prefixLength + " to " + name,
                RTM_NEWADDR,
                NLM_F_CREATE | NLM_F_REPLACE,
                w -> NeighbourCodec.writeAddress(w, index, ip, prefixLength));
    }

    /** Removes {@code ip/prefixLength} from {@code name}; false if it was not there. */
    public boolean deleteAddress(String name, InetAddress ip, int prefixLength) {
        required(ip, "address");
        int index = link(name).index();
        try {
            request(
                    "delete address " + ip.getHostAddress() + "/" + prefixLength + " from " + name,
                    RTM_DELADDR,
                    0,
                    w -> NeighbourCodec.writeAddress(w, index, ip, prefixLength));
            return true;
        } catch (NetlinkException e) {
            if (e.isNotFound()) {
                return false;
            }
            throw e;
        }
    }

    /** IPv4 and IPv6 addresses of device {@code name}. */
    public List<LinkAddress> addresses(String name) {
        int index = link(name).index();
        return dump(
                "list addresses of " + name,
                RTM_GETADDR,
                w -> w.ifaddrmsg(AF_UNSPEC, 0, 0, 0, 0),
                NeighbourCodec::decodeAddress,
                a -> a.ifindex() == index);
    }

    /** Every IPv4 and IPv6 address in the namespace, in one dump (cheaper than one call per link). */
    public List<LinkAddress> addresses() {
        return dump(
                "list addresses",
                RTM_GETADDR,
                w -> w.ifaddrmsg(AF_UNSPEC, 0, 0, 0, 0),
                NeighbourCodec::decodeAddress,
                a -> true);
    }

    // ------------------------------------------------------------------ IP neighbours (ARP / NDP)

    /** Adds or replaces the permanent entry {@code ip -> mac} on device {@code ifindex} (CREATE|REPLACE). */
    public void setNeighbour(int ifindex, InetAddress ip, MacAddress mac) {
        required(ip, "neighbour IP");
        required(mac, "neighbour MAC");
        request(
                () -> "set neighbour " + ip.getHostAddress() + " " + mac + " on #" + ifindex,
                RTM_NEWNEIGH,
                NLM_F_CREATE | NLM_F_REPLACE,
                w -> NeighbourCodec.writeNeighbour(w, ifindex, ip, mac));
    }

    /** Deletes the entry for {@code ip} on {@code ifindex}; false if there was none (ENOENT is not an error). */
    public boolean deleteNeighbour(int ifindex, InetAddress ip) {
        try {
            required(ip, "neighbour IP");
            request(
                    () -> "delete neighbour " + ip.getHostAddress() + " on #" + ifindex,
                    RTM_DELNEIGH,
                    0,
                    w -> NeighbourCodec.writeNeighbour(w, ifindex, ip, null));
            return true;
        } catch (NetlinkException e) {
            if (e.is(Errno.ENOENT)) {
                return false;
            }
            throw e;
        }
    }

    /**
     * IPv4 and IPv6 neighbour entries on device {@code ifindex}, like {@code ip neigh show dev}:
     * the kernel's own NOARP entries (multicast, e.g. ff02::16) are left out.
     */
    public List<Neighbour> neighbours(int ifindex) {
        return dump(
                "list neighbours of #" + ifindex,
                RTM_GETNEIGH,
                w -> {
                    w.ndmsg(AF_UNSPEC, 0, 0, 0, 0);
                    w.u32(NDA_IFINDEX, ifindex); // kernel-side filter; we filter again below
                },
                NeighbourCodec::decodeNeighbour,
                n -> n.ifindex() == ifindex && (n.state() & NUD_NOARP) == 0);
    }

    // ------------------------------------------------------------------ FDB (bridge forwarding database)

    /**
     * Adds or replaces the permanent entry {@code mac -> vtep} in device {@code ifindex}'s own FDB
     * (NTF_SELF: the VXLAN device's table, not the bridge's).
     */
    public void setFdb(int ifindex, MacAddress mac, InetAddress vtep) {
        required(mac, "FDB MAC");
        required(vtep, "VTEP address");
        request(
                () -> "set fdb " + mac + " dst " + vtep.getHostAddress() + " on #" + ifindex,
                RTM_NEWNEIGH,
                NLM_F_CREATE | NLM_F_REPLACE,
                w -> NeighbourCodec.writeFdb(w, ifindex, mac, vtep, true, NTF_SELF));
    }

    /**
     * Deletes {@code mac} from device {@code ifindex}'s own FDB; with a {@code vtep} only that
     * destination. False if there was no such entry.
     */
    public boolean deleteFdb(int ifindex, MacAddress mac, InetAddress vtep) {
        return deleteFdbEntry(ifindex, mac, vtep, NTF_SELF);
    }

    /**
     * Deletes the bridge's entry for {@code mac} on port {@code portIndex} (NTF_MASTER), e.g. one the
     * bridge learned on the VXLAN port. False if there was none.
     */
    public boolean deleteBridgeFdb(int portIndex, MacAddress mac) {
        return deleteFdbEntry(portIndex, mac, null, NTF_MASTER);
    }

    private boolean deleteFdbEntry(int ifindex, MacAddress mac, InetAddress vtep, int ntf) {
        try {
            required(mac, "FDB MAC");
            request(
                    () -> "delete fdb " + mac + " on #" + ifindex,
                    RTM_DELNEIGH,
                    0,
                    w -> NeighbourCodec.writeFdb(w, ifindex, mac, vtep, false, ntf));
            return true;
        } catch (NetlinkException e) {
            if (e.is(Errno.ENOENT)) {
                return false;
            }
            throw e;
        }
    }

    /** The device's own FDB entries (NTF_SELF); the bridge's "master" entries for the port are left out. */
    public List<FdbEntry> fdb(int ifindex) {
        return fdbDump(ifindex, e -> e.ifindex() == ifindex && e.isSelf() && !e.isMaster());
    }

    /** Every FDB entry reported for port {@code ifindex}, the bridge's (master) ones included. */
    public List<FdbEntry> fdbAll(int ifindex) {
        return fdbDump(ifindex, e -> e.ifindex() == ifindex);
    }

    private List<FdbEntry> fdbDump(int ifindex, Predicate<FdbEntry> keep) {
        // an ifinfomsg-sized header makes the kernel's legacy FDB dump filter by port (as `bridge fdb show dev`)
        return dump(
                "list fdb of #" + ifindex,
                RTM_GETNEIGH,
                w -> w.ifinfomsg(AF_BRIDGE, ifindex, 0, 0),
                NeighbourCodec::decodeFdb,
                keep);
    }

    // ------------------------------------------------------------------ batches

    /** A batch of neighbour/FDB writes, sent pipelined; see {@link EntryBatch}. */
    public EntryBatch batch() {
        return new EntryBatch(this);
    }

    BatchResult execute(List<EntryBatch.Op> ops) {
        List<BatchResult.Failure> failures = new ArrayList<>();
        int absent = 0;
        lock.lock();
        try {
            ensureOpen();
            for (int i = 0; i < ops.size(); i += BATCH_WINDOW) {
                int n = Math.min(BATCH_WINDOW, ops.size() - i);
                out.reset();
                int firstSeq = seq + 1;
                for (int k = 0; k < n; k++) {
                    EntryBatch.Op op = ops.get(i + k);
                    int m = out.begin(op.type(), NLM_F_REQUEST | NLM_F_ACK | op.flags(), nextSeq());
                    op.write(out);
                    out.end(m);
                }
                socket.send(out.array(), out.size());
                int[] errors = awaitAcks(firstSeq, n);
                for (int k = 0; k < n; k++) {
                    if (errors[k] == 0) {
                        continue;
                    }
                    EntryBatch.Op op = ops.get(i + k);
                    if (op.delete() && errors[k] == Errno.ENOENT.number()) {
                        absent++;
                    } else {
                        failures.add(new BatchResult.Failure(
                                i + k,
                                op.description(),
                                new NetlinkException(op.description() + " in " + namespace, errors[k], null)));
                    }
                }
            }
        } finally {
            lock.unlock();
        }
        return new BatchResult(ops.size(), ops.size() - failures.size(), absent, failures);
    }

    /** Reads ACKs for seq numbers firstSeq..firstSeq+n-1; returns the errno of each (0 = success). */
    private int[] awaitAcks(int firstSeq, int n) {
        int[] errors = new int[n];
        boolean[] seen = new boolean[n];
        int[] pending = {n};
        while (pending[0] > 0) {
            receiveEach((p, mlen, type, flags, s) -> {
                int k = s - firstSeq; // int arithmetic: correct across sequence wrap-around
                if (type == NLMSG_ERROR && k >= 0 && k < n && !seen[k]) {
                    seen[k] = true;
                    pending[0]--;
                    errors[k] = -in.getInt(p + NLMSG_HDRLEN);
                }
                return false;
            });
        }
        return errors;
    }

    // ------------------------------------------------------------------ transport

    private static void required(Object value, String what) {
        if (value == null) {
            throw new IllegalArgumentException(what + " must not be null");
        }
    }

    private int nextSeq() {
        return ++seq;
    }

    private void ensureOpen() {
        if (closed) {
            throw new IllegalStateException("netlink handle for " + namespace + " is closed");
        }
    }

    /** Visits one message of a received datagram; returns true when the caller has what it waited for. */
    @FunctionalInterface
    private interface MessageVisitor {
        boolean visit(int offset, int length, int type, int flags, int seq);
    }

    /** Receives one datagram and visits its messages in order; true if a visitor call returned true. */
    private boolean receiveEach(MessageVisitor visitor) {
        int len = socket.receive();
        for (int p = 0; p + NLMSG_HDRLEN <= len; ) {
            int mlen = in.getInt(p);
            if (mlen < NLMSG_HDRLEN || p + mlen > len) {
                return false; // truncated or malformed: nothing more to read in this datagram
            }
            if (visitor.visit(
                    p,
                    mlen,
                    Short.toUnsignedInt(in.getShort(p + 4)),
                    Short.toUnsignedInt(in.getShort(p + 6)),
                    in.getInt(p + 8))) {
                return true;
            }
            p += (mlen + 3) & ~3;
        }
        return false;
    }

    /** Sends one request with NLM_F_ACK and waits for its ACK; throws on a kernel error. */
    private void request(String operation, int type, int flags, Consumer<MessageWriter> body) {
        request(() -> operation, type, flags, body);
    }

    /** As above, with the description built only if the kernel refuses (hot paths: neighbours, FDB). */
    private void request(Supplier<String> operation, int type, int flags, Consumer<MessageWriter> body) {
        lock.lock();
        try {
            ensureOpen();
            int s = send(type, NLM_F_REQUEST | NLM_F_ACK | flags, body);
            boolean acked;
            do {
                acked = receiveEach((p, mlen, mtype, mflags, mseq) -> {
                    if (mseq == s && mtype == NLMSG_ERROR) {
                        throwIfError(operation.get(), p, mlen);
                        return true;
                    }
                    return false; // a stale reply to an earlier, abandoned request
                });
            } while (!acked);
        } finally {
            lock.unlock();
        }
    }

    /** Sends a GET (no dump) and decodes the single reply. */
    private <T> T getOne(String operation, int type, Consumer<MessageWriter> body, Decoder<T> decoder) {
        lock.lock();
        try {
            ensureOpen();
            int s = send(type, NLM_F_REQUEST, body);
            List<T> answer = new ArrayList<>(1);
            while (!receiveEach((p, mlen, mtype, mflags, mseq) -> {
                if (mseq != s) {
                    return false;
                }
                if (mtype == NLMSG_ERROR) {
                    throwIfError(operation, p, mlen);
                    return false;
                }
                T value = decoder.decode(in, p, mlen);
                return value != null && answer.add(value);
            })) {
                // keep reading until the reply arrives
            }
            return answer.getFirst();
        } finally {
            lock.unlock();
        }
    }

    /** A full dump, retried while the kernel reports it was interrupted by concurrent changes. */
    private <T> List<T> dump(
            String operation, int type, Consumer<MessageWriter> header, Decoder<T> decoder, Predicate<T> keep) {
        lock.lock();
        try {
            ensureOpen();
            for (int attempt = 1; attempt <= DUMP_ATTEMPTS; attempt++) {
                List<T> result = new ArrayList<>();
                if (!dumpOnce(operation, type, header, decoder, keep, result)) {
                    return result;
                }
            }
            throw new NetlinkException(
                    operation + " in " + namespace + " (inconsistent after " + DUMP_ATTEMPTS + " attempts)",
                    Errno.EINTR.number(),
                    null);
        } finally {
            lock.unlock();
        }
    }

    /** Returns true if the dump was flagged NLM_F_DUMP_INTR (must be retried). */
    private <T> boolean dumpOnce(
            String operation,
            int type,
            Consumer<MessageWriter> header,
            Decoder<T> decoder,
            Predicate<T> keep,
            List<T> result) {
        int s = send(type, NLM_F_REQUEST | NLM_F_DUMP, header);
        boolean[] interrupted = {false};
        while (!receiveEach((p, mlen, mtype, mflags, mseq) -> {
            if (mseq != s) {
                return false;
            }
            interrupted[0] |= (mflags & NLM_F_DUMP_INTR) != 0;
            if (mtype == NLMSG_DONE) {
                if (mlen >= NLMSG_HDRLEN + 4 && in.getInt(p + NLMSG_HDRLEN) < 0) {
                    throw new NetlinkException(operation + " in " + namespace, -in.getInt(p + NLMSG_HDRLEN), null);
                }
                return true;
            }
            if (mtype == NLMSG_ERROR) {
                throwIfError(operation, p, mlen);
            } else {
                T value = decoder.decode(in, p, mlen);
                if (value != null && keep.test(value)) {
                    result.add(value);
                }
            }
            return false;
        })) {
            // keep reading parts until NLMSG_DONE
        }
        return interrupted[0];
    }

    private int send(int type, int flags, Consumer<MessageWriter> body) {
        int s = nextSeq();
        out.reset();
        int m = out.begin(type, flags, s);
        body.accept(out);
        out.end(m);
        socket.send(out.array(), out.size());
        return s;
    }

    /** Throws for an NLMSG_ERROR carrying a non-zero code; returns for a plain ACK. */
    private void throwIfError(String operation, int p, int mlen) {
        int error = in.getInt(p + NLMSG_HDRLEN);
        if (error == 0) {
            return;
        }
        throw new NetlinkException(operation + " in " + namespace, -error, extendedAckMessage(p, mlen));
    }

    /** The NLMSGERR_ATTR_MSG text of an extended ACK, or null. */
    private String extendedAckMessage(int p, int mlen) {
        int flags = Short.toUnsignedInt(in.getShort(p + 6));
        if ((flags & NLM_F_ACK_TLVS) == 0) {
            return null;
        }
        int echoed = p + NLMSG_HDRLEN + 4;
        int echoedLen = (flags & NLM_F_CAPPED) != 0 ? NLMSG_HDRLEN : in.getInt(echoed);
        int tlvs = echoed + ((echoedLen + 3) & ~3);
        if (tlvs >= p + mlen) {
            return null;
        }
        return Attributes.parse(in, tlvs, p + mlen).string(NLMSGERR_ATTR_MSG);
    }
}
