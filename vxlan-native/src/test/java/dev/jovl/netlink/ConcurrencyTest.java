package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.*;

import dev.jovl.net.MacAddress;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** One handle shared by several threads; dumps stay complete while the kernel table changes under them. */
class ConcurrencyTest extends NamespaceTestBase {

    @Test
    void oneHandleServesManyThreads() throws Exception {
        NetNs ns = spaces.netns("conc");
        NetlinkHandle h = spaces.handle(ns);
        h.addLink(VxlanSpec.builder("vx0")
                .vni(11)
                .local(InetAddress.ofLiteral("10.7.0.1"))
                .up()
                .build());
        int vx = h.link("vx0").index();
        int threads = 4;
        int perThread = 250;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int t = 0; t < threads; t++) {
                int base = t;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < perThread; i++) {
                        Inet4Address ip = (Inet4Address) InetAddress.ofLiteral("10.130." + base + "." + i);
                        MacAddress mac = MacAddress.fromIPv4(ip);
                        if (i % 2 == 0) {
                            h.setNeighbour(vx, ip, mac);
                            h.setFdb(vx, mac, InetAddress.ofLiteral("10.7.0.2"));
                        } else {
                            h.batch()
                                    .setNeighbour(vx, ip, mac)
                                    .setFdb(vx, mac, InetAddress.ofLiteral("10.7.0.3"))
                                    .execute()
                                    .throwIfFailed();
                        }
                        if (i % 50 == 0) {
                            h.neighbours(vx); // dumps interleaved with writes from other threads
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get();
            }
        } finally {
            pool.shutdownNow();
        }
        assertEquals(threads * perThread, h.neighbours(vx).size());
        assertEquals(threads * perThread, h.fdb(vx).size());
        assertEquals(
                threads * perThread,
                Cli.in(ns, "bridge", "fdb", "show", "dev", "vx0")
                        .lines()
                        .filter(l -> l.contains(" self permanent"))
                        .count());
    }

    @Test
    void linkDumpsStayCompleteWhileLinksComeAndGo() throws Exception {
        NetNs ns = spaces.netns("dump");
        NetlinkHandle h = spaces.handle(ns);
        int stable = 60; // enough 1-2 KiB link messages to need several dump parts
        for (int i = 0; i < stable; i++) {
            h.addLink(BridgeSpec.builder("jvns" + i).build());
        }
        AtomicBoolean stop = new AtomicBoolean();
        Thread churn = Thread.ofPlatform().start(() -> {
            try (NetlinkHandle other = NetlinkHandle.open(ns)) { // a second socket in the same namespace
                for (int i = 0; !stop.get(); i = (i + 1) % 20) {
                    other.addLink(BridgeSpec.builder("jvnc" + i).build());
                    other.deleteLink("jvnc" + i);
                }
            }
        });
        try {
            for (int round = 0; round < 30; round++) {
                List<String> names = h.links().stream().map(Link::name).toList();
                for (int i = 0; i < stable; i++) {
                    assertTrue(names.contains("jvns" + i), "round " + round + " lost jvns" + i);
                }
                assertEquals(names.size(), names.stream().distinct().count(), "no duplicates: " + names);
            }
        } finally {
            stop.set(true);
            churn.join();
        }
    }
}
