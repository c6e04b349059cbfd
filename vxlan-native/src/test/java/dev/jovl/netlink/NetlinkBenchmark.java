package dev.jovl.netlink;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * Side-by-side cost of programming peers (one permanent ARP entry + one FDB entry per peer) on a
 * VXLAN device inside a throwaway namespace:
 * <ol>
 *   <li>one {@code ip}/{@code bridge} process per entry (a sample, extrapolated),</li>
 *   <li>{@code ip -batch} / {@code bridge -batch} (one process per table),</li>
 *   <li>this library, one request + ACK at a time,</li>
 *   <li>this library, pipelined {@link EntryBatch}.</li>
 * </ol>
 * plus link create/delete rates. Every phase is checked by dumping the tables afterwards.
 * Run: {@code ./mvnw -q -pl vxlan-native test-compile exec:exec} (as root); see README.md.
 */
public final class NetlinkBenchmark {
    private final int peers = Integer.getInteger("peers", 10_000);
    private final int processSample = Integer.getInteger("processSample", 500);
    private final int links = Integer.getInteger("links", 500);
    private final int rounds = Integer.getInteger("rounds", 3);

    private final List<InetAddress> ips = new ArrayList<>();
    private final List<MacAddress> macs = new ArrayList<>();
    private final List<InetAddress> vteps = new ArrayList<>();
    private NetNs ns;
    private NetlinkHandle h;
    private int vx;

    public static void main(String[] args) throws Exception {
        try (TestNamespaces spaces = new TestNamespaces()) {
            new NetlinkBenchmark().run(spaces);
        }
    }

    private void run(TestNamespaces spaces) throws Exception {
        ns = spaces.create("bench");
        h = spaces.handle(ns);
        h.addLink(BridgeSpec.builder("br0").up().build());
        h.addLink(VxlanSpec.builder("vx0").vni(777).local(InetAddress.ofLiteral("10.7.0.1")).proxy(true)
                .master(h.link("br0")).up().build());
        vx = h.link("vx0").index();
        for (int i = 0; i < peers; i++) {
            InetAddress ip = InetAddress.ofLiteral("10." + (128 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255));
            ips.add(ip);
            macs.add(MacAddress.fromIPv4((Inet4Address) ip));
            vteps.add(InetAddress.ofLiteral("10.7." + (1 + i / 250 % 250) + "." + (1 + i % 250)));
        }
        System.out.printf(Locale.ROOT, "kernel %s, %d CPUs, %s%n", System.getProperty("os.version"),
                Runtime.getRuntime().availableProcessors(), Runtime.version());
        System.out.printf(Locale.ROOT, "%d peers = %d entries (ARP + FDB) on a VXLAN device in namespace %s%n%n",
                peers, 2 * peers, ns.path().getFileName());
        System.out.printf(Locale.ROOT, "%-44s %12s %12s %14s %14s%n", "method", "add ms", "delete ms", "add entries/s",
                "del entries/s");

        perProcess();
        ipBatch();
        for (int r = 1; r <= rounds; r++) {
            librarySequential(r);
        }
        for (int r = 1; r <= rounds; r++) {
            libraryPipelined(r);
        }
        System.out.println();
        linkRates(spaces);
    }

    private void report(String method, int entries, long addNanos, long delNanos) {
        System.out.printf(Locale.ROOT, "%-44s %12.1f %12.1f %14.0f %14.0f%n", method, addNanos / 1e6, delNanos / 1e6,
                entries / (addNanos / 1e9), entries / (delNanos / 1e9));
    }

    private void expectEntries(int expected) {
        int n = h.neighbours(vx).size();
        int f = h.fdb(vx).size();
        if (n != expected || f != expected) {
            throw new IllegalStateException("expected " + expected + " ARP and FDB entries, found " + n + " and " + f);
        }
    }

    /** (a) one process per entry: a shell loop of ip/bridge commands, the way scripts do it. */
    private void perProcess() throws Exception {
        int s = Math.min(processSample, peers);
        StringBuilder add = new StringBuilder();
        StringBuilder del = new StringBuilder();
        for (int i = 0; i < s; i++) {
            add.append(neighAdd(i, "ip ")).append('\n').append(fdbAdd(i, "bridge ")).append('\n');
            del.append(fdbDel(i, "bridge ")).append('\n').append(neighDel(i, "ip ")).append('\n');
        }
        long a = timeIn("sh", add);
        expectEntries(s);
        long d = timeIn("sh", del);
        expectEntries(0);
        report("(a) ip/bridge process per entry (" + s + " peers)", 2 * s, a, d);
        System.out.printf(Locale.ROOT, "%-44s %12.1f %12.1f   (extrapolated from the sample)%n",
                "    ... extrapolated to " + peers + " peers", a / 1e6 * peers / s, d / 1e6 * peers / s);
    }

    /** (b) ip -batch and bridge -batch: one process per table. */
    private void ipBatch() throws Exception {
        StringBuilder neighAdd = new StringBuilder();
        StringBuilder fdbAdd = new StringBuilder();
        StringBuilder neighDel = new StringBuilder();
        StringBuilder fdbDel = new StringBuilder();
        for (int i = 0; i < peers; i++) {
            neighAdd.append(neighAdd(i, "")).append('\n');
            fdbAdd.append(fdbAdd(i, "")).append('\n');
            fdbDel.append(fdbDel(i, "")).append('\n');
            neighDel.append(neighDel(i, "")).append('\n');
        }
        long a = timeIn("ip", neighAdd) + timeIn("bridge", fdbAdd);
        expectEntries(peers);
        long d = timeIn("bridge", fdbDel) + timeIn("ip", neighDel);
        expectEntries(0);
        report("(b) ip -batch + bridge -batch", 2 * peers, a, d);
    }

    /** (c1) the library, one request and one ACK at a time. */
    private void librarySequential(int round) {
        long t0 = System.nanoTime();
        for (int i = 0; i < peers; i++) {
            h.setNeighbour(vx, ips.get(i), macs.get(i));
            h.setFdb(vx, macs.get(i), vteps.get(i));
        }
        long a = System.nanoTime() - t0;
        expectEntries(peers);
        t0 = System.nanoTime();
        for (int i = 0; i < peers; i++) {
            h.deleteFdb(vx, macs.get(i), vteps.get(i));
            h.deleteNeighbour(vx, ips.get(i));
        }
        long d = System.nanoTime() - t0;
        expectEntries(0);
        report("(c1) library, request+ACK each, round " + round, 2 * peers, a, d);
    }

    /** (c2) the library's pipelined batch (256 requests per send, ACKs matched by sequence number). */
    private void libraryPipelined(int round) {
        long t0 = System.nanoTime();
        EntryBatch add = h.batch();
        for (int i = 0; i < peers; i++) {
            add.setNeighbour(vx, ips.get(i), macs.get(i)).setFdb(vx, macs.get(i), vteps.get(i));
        }
        add.execute().throwIfFailed();
        long a = System.nanoTime() - t0;
        expectEntries(peers);
        t0 = System.nanoTime();
        EntryBatch del = h.batch();
        for (int i = 0; i < peers; i++) {
            del.deleteFdb(vx, macs.get(i), vteps.get(i)).deleteNeighbour(vx, ips.get(i));
        }
        del.execute().throwIfFailed();
        long d = System.nanoTime() - t0;
        expectEntries(0);
        report("(c2) library, pipelined batch, round " + round, 2 * peers, a, d);
    }

    /** Creates {@code links} devices, then deletes them, timing each half (deletes wait for RCU in the kernel). */
    private void linkRates(TestNamespaces spaces) throws Exception {
        System.out.printf(Locale.ROOT, "%-44s %12s %12s %14s %14s%n", "links (" + links + " of each)", "create ms",
                "delete ms", "creates/s", "deletes/s");
        NetNs sandbox = spaces.create("benchsb");
        NetlinkHandle sb = spaces.handle(sandbox);
        sb.addLink(BridgeSpec.builder("br0").up().build());
        int br0 = sb.link("br0").index();

        timeLinks("library: bridge", i -> h.addLink(BridgeSpec.builder("jvnb" + i).build()),
                i -> h.deleteLink("jvnb" + i));
        // the driver's Join: sandbox end on br0 and up, peer born in the "host" namespace
        timeLinks("library: veth, peer born in another netns",
                i -> sb.addLink(VethSpec.builder("jvnv" + i, "jvnp" + i).mtu(1450).master(br0).up().peerNetns(ns).build()),
                i -> sb.deleteLink("jvnv" + i));
        // the driver's sandbox setup: VXLAN created from the underlay straight into the sandbox
        timeLinks("library: vxlan into sandbox netns",
                i -> h.addLink(VxlanSpec.builder("jvnx" + i).vni(10_000 + i).netns(sandbox).master(br0).up().build()),
                i -> sb.deleteLink("jvnx" + i));

        int s = Math.min(links, 100);
        StringBuilder add = new StringBuilder();
        StringBuilder del = new StringBuilder();
        for (int i = 0; i < s; i++) {
            add.append("ip link add jvnb").append(i).append(" type bridge\n");
            del.append("ip link del jvnb").append(i).append('\n');
        }
        long a = timeIn("sh", add);
        long d = timeIn("sh", del);
        System.out.printf(Locale.ROOT, "%-44s %12.1f %12.1f %14.0f %14.0f%n", "ip link per process: bridge (" + s + ")",
                a / 1e6, d / 1e6, s / (a / 1e9), s / (d / 1e9));
        add.setLength(0);
        del.setLength(0);
        for (int i = 0; i < links; i++) {
            add.append("link add jvnb").append(i).append(" type bridge\n");
            del.append("link del jvnb").append(i).append('\n');
        }
        a = timeIn("ip", add);
        d = timeIn("ip", del);
        System.out.printf(Locale.ROOT, "%-44s %12.1f %12.1f %14.0f %14.0f%n", "ip -batch: bridge", a / 1e6, d / 1e6,
                links / (a / 1e9), links / (d / 1e9));
        if (h.links().size() != 3 || sb.links().size() != 2) {
            throw new IllegalStateException("links left behind: " + h.links() + " " + sb.links());
        }
    }

    private void timeLinks(String what, java.util.function.IntConsumer create, java.util.function.IntConsumer delete) {
        long t0 = System.nanoTime();
        for (int i = 0; i < links; i++) {
            create.accept(i);
        }
        long a = System.nanoTime() - t0;
        t0 = System.nanoTime();
        for (int i = 0; i < links; i++) {
            delete.accept(i);
        }
        long d = System.nanoTime() - t0;
        System.out.printf(Locale.ROOT, "%-44s %12.1f %12.1f %14.0f %14.0f%n", what, a / 1e6, d / 1e6,
                links / (a / 1e9), links / (d / 1e9));
    }

    private String neighAdd(int i, String tool) {
        return tool + "neigh replace " + ips.get(i).getHostAddress() + " lladdr " + macs.get(i) + " dev vx0 nud permanent";
    }

    private String neighDel(int i, String tool) {
        return tool + "neigh del " + ips.get(i).getHostAddress() + " dev vx0";
    }

    private String fdbAdd(int i, String tool) {
        return tool + "fdb replace " + macs.get(i) + " dev vx0 dst " + vteps.get(i).getHostAddress() + " self permanent";
    }

    private String fdbDel(int i, String tool) {
        return tool + "fdb del " + macs.get(i) + " dev vx0 dst " + vteps.get(i).getHostAddress() + " self";
    }

    /**
     * Runs {@code tool} on a script inside the namespace and returns the wall time: "sh" runs each
     * line as its own process; "ip"/"bridge" read it with -batch.
     */
    private long timeIn(String tool, CharSequence script) throws IOException {
        Path file = Files.createTempFile("jvn-bench", ".txt");
        try {
            Files.writeString(file, script);
            List<String> cmd = tool.equals("sh")
                    ? List.of("nsenter", "--net=" + ns.path(), "sh", "-e", file.toString())
                    : List.of("nsenter", "--net=" + ns.path(), tool, "-batch", file.toString());
            long t0 = System.nanoTime();
            Cli.Result r = Cli.run(cmd);
            long t = System.nanoTime() - t0;
            if (r.exit() != 0) {
                throw new IllegalStateException(cmd + " failed: " + r.out());
            }
            return t;
        } finally {
            Files.deleteIfExists(file);
        }
    }
}
