package dev.jovl.driver.docker;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jovl.driver.dns.DnsServer;
import dev.jovl.driver.dns.Dnsmasq;
import dev.jovl.driver.dns.HostContainerClients;
import dev.jovl.driver.dns.NameFeed;
import dev.jovl.driver.dns.NameRegistry;
import dev.jovl.driver.dns.NameTable;
import dev.jovl.driver.dns.UpstreamForwarder;
import dev.jovl.kvstore.Lease;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.testing.Dockerd;
import dev.jovl.netlink.testing.Shell;
import dev.jovl.netlink.testing.TestLab;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Names across two independent Docker daemons, the standalone setting: each host's publisher
 * writes its containers' names to one store, host 2 runs jovl's DNS responder in its own
 * namespace on the address its dockerd has as {@code --dns}, and a container on host 2 resolves
 * a container of host 1 through Docker's embedded 127.0.0.11. The networks are Docker bridge
 * networks standing in for jovl overlays (the name path does not depend on the driver).
 */
class StandaloneNamesTest {

    /** jovl's DNS address on host 2: on its loopback, so Docker's resolver reaches it from containers. */
    private static final String DNS_ADDRESS = "10.253.0.1";

    @TempDir
    Path dir;

    @Test
    void containerOnOneHostResolvesContainersOfTheOtherThroughDockersEmbeddedDns() throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(Dnsmasq.installed(), "skipping: dnsmasq (package dnsmasq-base) is not installed");
        try (Resources toClose = new Resources()) {
            TestLab lab = new TestLab("jsa");
            toClose.add(lab);
            Dockerd h1 = lab.dockerd(List.of());
            toClose.add(h1);
            Dockerd h2 = lab.dockerd(List.of("--dns", DNS_ADDRESS));
            toClose.add(h2);
            Shell.ok("ip", "-n", h2.netns(), "addr", "add", DNS_ADDRESS + "/32", "dev", "lo");
            for (Dockerd h : List.of(h1, h2)) {
                h.importBusybox("jsa-busybox");
            }
            h1.docker("network", "create", "--subnet", "10.81.0.0/24", "jsa-stack");
            h2.docker("network", "create", "--subnet", "10.82.0.0/24", "jsa-stack");

            // the upstream resolver of host 2, reached from host 2's namespace as jovl forwards from there
            Shell.ok("ip", "-n", h2.netns(), "addr", "add", "10.253.0.2/32", "dev", "lo");
            Dnsmasq upstream = Dnsmasq.startIn(h2.netns(), "10.253.0.2", List.of("example.test,192.0.2.7"));
            toClose.add(upstream);

            Store store1 = Stores.open("file:" + dir.resolve("store"));
            toClose.add(store1);
            Store store2 = Stores.open("file:" + dir.resolve("store"));
            toClose.add(store2);
            Lease lease1 = store1.grantLease(Duration.ofSeconds(10));
            toClose.add(lease1);
            Lease lease2 = store2.grantLease(Duration.ofSeconds(10));
            toClose.add(lease2);

            DockerEngineClient docker1 = new DockerEngineClient(h1.socket(), Duration.ofSeconds(10));
            toClose.add(docker1);
            DockerEngineClient docker2 = new DockerEngineClient(h2.socket(), Duration.ofSeconds(10));
            toClose.add(docker2);
            ContainerNamePublisher publisher1 = new ContainerNamePublisher(
                    docker1, new NameRegistry(store1), byName(docker1, "jsa-stack"), "h1", () -> lease1);
            ContainerNamePublisher publisher2 = new ContainerNamePublisher(
                    docker2, new NameRegistry(store2), byName(docker2, "jsa-stack"), "h2", () -> lease2);
            toClose.add(docker1.watchEvents(publisher1).startAlone());
            toClose.add(docker2.watchEvents(publisher2).startAlone());

            NameTable table = new NameTable();
            toClose.add(NameFeed.start(new NameRegistry(store2), table));
            UpstreamForwarder forwarder = new UpstreamForwarder(List.of(upstream.address()), Duration.ofSeconds(2));
            DnsServer dns;
            NetNs hostNs = NetNs.open(Path.of("/run/netns", h2.netns()));
            toClose.add(hostNs);
            // who may ask as in standalone mode: the containers on host 2's Docker bridges
            dns = hostNs.call(() -> DnsServer.start(
                    new InetSocketAddress(InetAddress.getByName(DNS_ADDRESS), 53),
                    table,
                    forwarder,
                    new HostContainerClients(hostNs, InetAddress.getByName(DNS_ADDRESS)),
                    DnsServer.Limits.DEFAULT));
            toClose.add(dns);

            String web = h1.docker(
                    "run",
                    "-d",
                    "--name",
                    "web",
                    "--network",
                    "jsa-stack",
                    "--network-alias",
                    "www",
                    "jsa-busybox",
                    "sleep",
                    "600");
            String webIp =
                    h1.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"jsa-stack\").IPAddress}}", web);
            assertTrue(webIp.startsWith("10.81.0."), webIp);
            await(() -> table.lookup("web") != null, "web published by h1 and seen by h2's table");

            String lookup = h2.docker(
                    "run",
                    "--rm",
                    "--network",
                    "jsa-stack",
                    "jsa-busybox",
                    "sh",
                    "-c",
                    "nslookup -type=a web; nslookup -type=a web.jsa-stack; nslookup -type=a www; nslookup -type=a example.test; nslookup -type=a missing.test; true");
            assertEquals(
                    3,
                    count(lookup, "Address: " + webIp),
                    "web, web.jsa-stack and www resolve to h1's container:\n" + lookup);
            assertTrue(lookup.contains("Address: 192.0.2.7"), "other names are forwarded upstream:\n" + lookup);
            assertTrue(lookup.contains("can't find missing.test: NXDOMAIN"), "NXDOMAIN passes through:\n" + lookup);

            h1.docker("stop", "-t", "0", web);
            await(() -> table.lookup("web") == null, "web's name goes when it stops");
            String gone = h2.docker(
                    "run", "--rm", "--network", "jsa-stack", "jsa-busybox", "sh", "-c", "nslookup -type=a web; true");
            assertFalse(gone.contains(webIp), gone);

            // web moves to host 2: the name follows it (host 2's own Docker answers it there too)
            h1.docker("rm", web);
            String moved =
                    h2.docker("run", "-d", "--name", "web", "--network", "jsa-stack", "jsa-busybox", "sleep", "600");
            String movedIp =
                    h2.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"jsa-stack\").IPAddress}}", moved);
            await(
                    () -> table.lookup("web.jsa-stack") != null
                            && InetAddressText.of(
                                            table.lookup("web.jsa-stack").ipv4().getFirst())
                                    .equals(movedIp),
                    "web follows to h2");

            // host 2 dies: its lease ends and its names go everywhere
            lease2.close();
            await(() -> table.lookup("web") == null, "names of a host whose lease ended vanish");
            System.out.println("DNS stats: " + dns.stats());
        }
    }

    /** Docker networks named {@code name} are the overlay {@code name}. */
    private static ContainerNamePublisher.OverlayLookup byName(DockerEngineClient docker, String name) {
        ConcurrentHashMap<String, Optional<String>> cache = new ConcurrentHashMap<>();
        return id -> cache.computeIfAbsent(id, k -> {
            try {
                return docker.inspectNetwork(k).map(DockerNetwork::name).filter(name::equals);
            } catch (DockerApiException e) {
                throw new IllegalStateException(e);
            }
        });
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }

    private static void await(BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting until " + what);
            }
            Thread.sleep(50);
        }
    }

    private static final class InetAddressText {
        static String of(byte[] address) {
            try {
                return InetAddress.getByAddress(address).getHostAddress();
            } catch (java.net.UnknownHostException e) {
                throw new IllegalArgumentException(e);
            }
        }
    }
}
