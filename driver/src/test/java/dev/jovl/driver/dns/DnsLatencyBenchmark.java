package dev.jovl.driver.dns;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * How fast jovl's DNS responder answers a known container name over UDP on loopback, with a
 * table of {@code -Dnames=N} containers (default 10,000): sequential round trips (one query in
 * flight, what a resolving container sees) and throughput with {@code -Dclients=N} concurrent
 * clients. Prints figures; asserts nothing. Run (see driver/README-standalone.md):
 * <pre>
 * ./mvnw -q -pl driver -am test-compile &amp;&amp; ./mvnw -q -pl driver exec:exec -Dexec.executable=java \
 *   -Dexec.classpathScope=test -Dexec.args="-cp %classpath dev.jovl.driver.dns.DnsLatencyBenchmark"
 * </pre>
 */
public final class DnsLatencyBenchmark {

    public static void main(String[] args) throws Exception {
        int names = Integer.getInteger("names", 10_000);
        int queries = Integer.getInteger("queries", 200_000);
        int clients = Integer.getInteger("clients", 4);
        int seconds = Integer.getInteger("seconds", 5);

        List<NameRecord> records = new ArrayList<>();
        for (int i = 0; i < names; i++) {
            records.add(new NameRecord(
                    "bench",
                    "e" + i,
                    "c" + i,
                    "web" + i,
                    List.of("alias" + i),
                    "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255),
                    null,
                    "h1"));
        }
        NameTable table = new NameTable();
        long t0 = System.nanoTime();
        table.replaceAll(records);
        System.out.printf(
                "table of %,d containers (%,d names) built in %.1f ms (cold)%n",
                names, table.size(), (System.nanoTime() - t0) / 1e6);
        // what one container start costs once warm: one record in, one out
        int changes = 20_000;
        long t1 = System.nanoTime();
        for (int i = 0; i < changes; i++) {
            NameRecord r = records.get(i % names);
            table.remove(r.overlay(), r.endpointId());
            table.put(r);
        }
        System.out.printf(
                "one record removed and added again: %.1f us each (mean of %,d, table stays %,d names)%n",
                (System.nanoTime() - t1) / 1e3 / changes, changes, table.size());

        try (DnsServer server = DnsServer.start(
                new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                table,
                new UpstreamForwarder(List.of(), Duration.ofSeconds(1)))) {
            InetSocketAddress address = server.address();
            byte[][] prepared = new byte[1024][];
            for (int i = 0; i < prepared.length; i++) {
                int n = (i * 7919) % names;
                prepared[i] = DnsTestClient.query(
                        i, (i % 2 == 0 ? "web" + n : "alias" + n + ".bench"), DnsWire.TYPE_A, false);
            }
            sequential(address, prepared, Math.min(queries, 50_000), false); // warm-up
            long[] rtt = sequential(address, prepared, queries, true);
            Arrays.sort(rtt);
            System.out.printf(
                    "sequential UDP round trips, %,d queries for known names (loopback, client included):%n", queries);
            System.out.printf(
                    "  p50 %.1f us  p90 %.1f us  p99 %.1f us  p99.9 %.1f us  max %.1f us  mean %.1f us%n",
                    pct(rtt, 50),
                    pct(rtt, 90),
                    pct(rtt, 99),
                    pct(rtt, 99.9),
                    rtt[rtt.length - 1] / 1e3,
                    Arrays.stream(rtt).average().orElse(0) / 1e3);
            throughput(address, prepared, clients, seconds);
            System.out.println("server counters: " + server.stats());
        }
    }

    private static long[] sequential(InetSocketAddress server, byte[][] prepared, int count, boolean check)
            throws Exception {
        long[] rtt = new long[count];
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.setSoTimeout(2000);
            byte[] buffer = new byte[512];
            DatagramPacket in = new DatagramPacket(buffer, buffer.length);
            for (int i = 0; i < count; i++) {
                byte[] q = prepared[i % prepared.length];
                long start = System.nanoTime();
                socket.send(new DatagramPacket(q, q.length));
                socket.receive(in);
                rtt[i] = System.nanoTime() - start;
                if (check && (DnsWire.u16(buffer, 6) != 1 || DnsWire.u16(buffer, 0) != DnsWire.u16(q, 0))) {
                    throw new IllegalStateException("query " + i + " was not answered with one record");
                }
            }
        }
        return rtt;
    }

    private static void throughput(InetSocketAddress server, byte[][] prepared, int clients, int seconds)
            throws Exception {
        AtomicLong answered = new AtomicLong();
        long end = System.nanoTime() + Duration.ofSeconds(seconds).toNanos();
        List<Thread> threads = new ArrayList<>();
        for (int c = 0; c < clients; c++) {
            int offset = c * 131;
            threads.add(Thread.ofPlatform().start(() -> {
                try (DatagramSocket socket = new DatagramSocket()) {
                    socket.connect(server);
                    socket.setSoTimeout(2000);
                    byte[] buffer = new byte[512];
                    DatagramPacket in = new DatagramPacket(buffer, buffer.length);
                    for (int i = offset; System.nanoTime() < end; i++) {
                        byte[] q = prepared[i % prepared.length];
                        socket.send(new DatagramPacket(q, q.length));
                        socket.receive(in);
                        answered.incrementAndGet();
                    }
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            }));
        }
        for (Thread t : threads) {
            t.join();
        }
        System.out.printf(
                "throughput with %d concurrent clients (one query in flight each): %,.0f answers/s%n",
                clients, answered.get() / (double) seconds);
    }

    private static double pct(long[] sorted, double p) {
        int i = (int) Math.min(sorted.length - 1, Math.ceil(p / 100.0 * sorted.length) - 1);
        return sorted[Math.max(0, i)] / 1e3;
    }
}
