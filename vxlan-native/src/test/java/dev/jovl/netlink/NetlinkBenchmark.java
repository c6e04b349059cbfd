package dev.jovl.netlink;

import com.sun.management.OperatingSystemMXBean;
import dev.jovl.net.MacAddress;
import dev.jovl.netlink.testing.TestLab;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

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
        try (TestLab spaces = new TestLab("jvn")) {
            new NetlinkBenchmark().run(spaces);
        }
    }

    private void run(TestLab spaces) throws Exception {
        ns = spaces.netns("bench");
        h = spaces.handle(ns);
        h.addLink(BridgeSpec.builder("br0").up().build());
        h.addLink(VxlanSpec.builder("vx0")
                .vni(777)
                .local(InetAddress.ofLiteral("10.7.0.1"))
                .proxy(true)
                .master(h.link("br0"))
                .up()
                .build());
        vx = h.link("vx0").index();
        for (int i = 0; i < peers; i++) {
            InetAddress ip =
                    InetAddress.ofLiteral("10." + (128 + (i >> 16)) + "." + ((i >> 8) & 255) + "." + (i & 255));
            ips.add(ip);
            macs.add(MacAddress.fromIPv4((Inet4Address) ip));
            vteps.add(InetAddress.ofLiteral("10.7." + (1 + i / 250 % 250) + "." + (1 + i % 250)));
        }
        System.out.printf(
                Locale.ROOT,
                "kernel %s, %d CPUs, %s%n",
                System.getProperty("os.version"),
                Runtime.getRuntime().availableProcessors(),
                Runtime.version());
        System.out.printf(
                Locale.ROOT,
                "%d peers = %d entries (ARP + FDB) on a VXLAN device in namespace %s%n%n",
                peers,
                2 * peers,
                ns.path().getFileName());
        System.out.println("wall = elapsed ms; cpu = user+system CPU ms of the work (the whole JVM for the library,");
        System.out.println(
                "JIT and GC included; the ip/bridge processes for iproute2, 10 ms resolution). Both include");
        System.out.println("the kernel's netlink work, which runs in the sender's context. CPU time is far less");
        System.out.println(
                "sensitive to other load on the machine than wall time. Rates are entries (or links) per second.");
        System.out.printf(
                Locale.ROOT,
                "%-44s %9s %9s %9s %9s %10s %10s %10s %10s%n",
                "method",
                "add wall",
                "add cpu",
                "del wall",
                "del cpu",
                "add/s",
                "del/s",
                "add/cpu-s",
                "del/cpu-s");

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

    /** Elapsed and CPU time of one measured phase. */
    record Timing(long wallNanos, long cpuNanos) {
        Timing plus(Timing o) {
            return new Timing(wallNanos + o.wallNanos, cpuNanos + o.cpuNanos);
        }
    }

    private static final OperatingSystemMXBean OS =
            (OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();

    /** Times work done in this JVM; CPU is the whole process's (JIT and GC threads included). */
    private static Timing timeHere(Runnable work) {
        long cpu = OS.getProcessCpuTime();
        long wall = System.nanoTime();
        work.run();
        return new Timing(System.nanoTime() - wall, OS.getProcessCpuTime() - cpu);
    }

    private static String rate(int count, long nanos) {
        return nanos <= 0 ? "-" : String.format(Locale.ROOT, "%.0f", count / (nanos / 1e9));
    }

    private void report(String method, int entries, Timing add, Timing del) {
        System.out.printf(
                Locale.ROOT,
                "%-44s %9.1f %9.1f %9.1f %9.1f %10s %10s %10s %10s%n",
                method,
                add.wallNanos / 1e6,
                add.cpuNanos / 1e6,
                del.wallNanos / 1e6,
                del.cpuNanos / 1e6,
                rate(entries, add.wallNanos),
                rate(entries, del.wallNanos),
                rate(entries, add.cpuNanos),
                rate(entries, del.cpuNanos));
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
            add.append(neighAdd(i, "ip "))
                    .append('\n')
                    .append(fdbAdd(i, "bridge "))
                    .append('\n');
            del.append(fdbDel(i, "bridge "))
                    .append('\n')
                    .append(neighDel(i, "ip "))
                    .append('\n');
        }
        Timing a = timeIn("sh", add);
        expectEntries(s);
        Timing d = timeIn("sh", del);
        expectEntries(0);
        report("(a) ip/bridge process per entry (" + s + " peers)", 2 * s, a, d);
        System.out.printf(
                Locale.ROOT,
                "%-44s %9.0f %9.0f %9.0f %9.0f   (ms, extrapolated from the sample)%n",
                "    ... extrapolated to " + peers + " peers",
                a.wallNanos / 1e6 * peers / s,
                a.cpuNanos / 1e6 * peers / s,
                d.wallNanos / 1e6 * peers / s,
                d.cpuNanos / 1e6 * peers / s);
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
        Timing a = timeIn("ip", neighAdd).plus(timeIn("bridge", fdbAdd));
        expectEntries(peers);
        Timing d = timeIn("bridge", fdbDel).plus(timeIn("ip", neighDel));
        expectEntries(0);
        report("(b) ip -batch + bridge -batch", 2 * peers, a, d);
    }

    /** (c1) the library, one request and one ACK at a time. */
    private void librarySequential(int round) {
        Timing a = timeHere(() -> {
            for (int i = 0; i < peers; i++) {
                h.setNeighbour(vx, ips.get(i), macs.get(i));
                h.setFdb(vx, macs.get(i), vteps.get(i));
            }
        });
        expectEntries(peers);
        Timing d = timeHere(() -> {
            for (int i = 0; i < peers; i++) {
                h.deleteFdb(vx, macs.get(i), vteps.get(i));
                h.deleteNeighbour(vx, ips.get(i));
            }
        });
        expectEntries(0);
        report("(c1) library, request+ACK each, round " + round, 2 * peers, a, d);
    }

    /** (c2) the library's pipelined batch (256 requests per send, ACKs matched by sequence number). */
    private void libraryPipelined(int round) {
        Timing a = timeHere(() -> {
            EntryBatch add = h.batch();
            for (int i = 0; i < peers; i++) {
                add.setNeighbour(vx, ips.get(i), macs.get(i)).setFdb(vx, macs.get(i), vteps.get(i));
            }
            add.execute().throwIfFailed();
        });
        expectEntries(peers);
        Timing d = timeHere(() -> {
            EntryBatch del = h.batch();
            for (int i = 0; i < peers; i++) {
                del.deleteFdb(vx, macs.get(i), vteps.get(i)).deleteNeighbour(vx, ips.get(i));
            }
            del.execute().throwIfFailed();
        });
        expectEntries(0);
        report("(c2) library, pipelined batch, round " + round, 2 * peers, a, d);
    }

    /** Creates {@code links} devices, then deletes them, timing each half (deletes wait for RCU in the kernel). */
    private void linkRates(TestLab spaces) throws Exception {
        System.out.printf(
                Locale.ROOT,
                "%-44s %9s %9s %9s %9s %10s %10s %10s %10s%n",
                "links (" + links + " of each)",
                "add wall",
                "add cpu",
                "del wall",
                "del cpu",
                "add/s",
                "del/s",
                "add/cpu-s",
                "del/cpu-s");
        NetNs sandbox = spaces.netns("benchsb");
        NetlinkHandle sb = spaces.handle(sandbox);
        sb.addLink(BridgeSpec.builder("br0").up().build());
        int br0 = sb.link("br0").index();

        timeLinks(
                "library: bridge",
                i -> h.addLink(BridgeSpec.builder("jvnb" + i).build()),
                i -> h.deleteLink("jvnb" + i));
        // the driver's Join: sandbox end on br0 and up, peer born in the "host" namespace
        timeLinks(
                "library: veth, peer born in another netns",
                i -> sb.addLink(VethSpec.builder("jvnv" + i, "jvnp" + i)
                        .mtu(1450)
                        .master(br0)
                        .up()
                        .peerNetns(ns)
                        .build()),
                i -> sb.deleteLink("jvnv" + i));
        // the driver's sandbox setup: VXLAN created from the underlay straight into the sandbox
        timeLinks(
                "library: vxlan into sandbox netns",
                i -> h.addLink(VxlanSpec.builder("jvnx" + i)
                        .vni(10_000 + i)
                        .netns(sandbox)
                        .master(br0)
                        .up()
                        .build()),
                i -> sb.deleteLink("jvnx" + i));

        int s = Math.min(links, 100);
        StringBuilder add = new StringBuilder();
        StringBuilder del = new StringBuilder();
        for (int i = 0; i < s; i++) {
            add.append("ip link add jvnb").append(i).append(" type bridge\n");
            del.append("ip link del jvnb").append(i).append('\n');
        }
        report("ip link per process: bridge (" + s + ")", s, timeIn("sh", add), timeIn("sh", del));
        add.setLength(0);
        del.setLength(0);
        for (int i = 0; i < links; i++) {
            add.append("link add jvnb").append(i).append(" type bridge\n");
            del.append("link del jvnb").append(i).append('\n');
        }
        report("ip -batch: bridge", links, timeIn("ip", add), timeIn("ip", del));
        if (h.links().size() != 3 || sb.links().size() != 2) {
            throw new IllegalStateException("links left behind: " + h.links() + " " + sb.links());
        }
    }

    private void timeLinks(String what, java.util.function.IntConsumer create, java.util.function.IntConsumer delete) {
        Timing a = timeHere(() -> {
            for (int i = 0; i < links; i++) {
                create.accept(i);
            }
        });
        Timing d = timeHere(() -> {
            for (int i = 0; i < links; i++) {
                delete.accept(i);
            }
        });
        report(what, links, a, d);
    }

    private String neighAdd(int i, String tool) {
        return tool + "neigh replace " + ips.get(i).getHostAddress() + " lladdr " + macs.get(i)
                + " dev vx0 nud permanent";
    }

    private String neighDel(int i, String tool) {
        return tool + "neigh del " + ips.get(i).getHostAddress() + " dev vx0";
    }

    private String fdbAdd(int i, String tool) {
        return tool + "fdb replace " + macs.get(i) + " dev vx0 dst "
                + vteps.get(i).getHostAddress() + " self permanent";
    }

    private String fdbDel(int i, String tool) {
        return tool + "fdb del " + macs.get(i) + " dev vx0 dst " + vteps.get(i).getHostAddress() + " self";
    }

    /**
     * Runs {@code tool} on a script inside the namespace and returns the wall time: "sh" runs each
     * line as its own process; "ip"/"bridge" read it with -batch.
     */
    private Timing timeIn(String tool, CharSequence script) throws IOException {
        Path file = Files.createTempFile("jvn-bench", ".txt");
        try {
            Files.writeString(file, script);
            String run = tool.equals("sh") ? "sh -e " + file : tool + " -batch " + file;
            // `times` prints the CPU time of the shell's children: the ip/bridge processes
            List<String> cmd = List.of("nsenter", "--net=" + ns.path(), "sh", "-c", run + " && times");
            long t0 = System.nanoTime();
            Cli.Result r = Cli.run(cmd);
            long wall = System.nanoTime() - t0;
            if (r.exit() != 0) {
                throw new IllegalStateException(cmd + " failed: " + r.out());
            }
            return new Timing(wall, childrenCpuNanos(r.out()));
        } finally {
            Files.deleteIfExists(file);
        }
    }

    /** Parses the last line of dash's `times` ("0m1.230000s 0m2.340000s" = children user, system). */
    private static long childrenCpuNanos(String out) {
        String[] lines = out.strip().split("\n");
        Matcher m = Pattern.compile("(\\d+)m([\\d.]+)s (\\d+)m([\\d.]+)s").matcher(lines[lines.length - 1].strip());
        if (!m.matches()) {
            throw new IllegalStateException("cannot read `times` output: " + out);
        }
        double seconds = Integer.parseInt(m.group(1)) * 60
                + Double.parseDouble(m.group(2))
                + Integer.parseInt(m.group(3)) * 60
                + Double.parseDouble(m.group(4));
        return (long) (seconds * 1e9);
    }
}
