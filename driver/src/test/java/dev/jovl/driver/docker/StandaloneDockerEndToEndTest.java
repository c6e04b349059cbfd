package dev.jovl.driver.docker;

import static org.junit.jupiter.api.Assertions.*;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.jovl.driver.Daemon;
import dev.jovl.driver.dns.Dnsmasq;
import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.driver.testing.Eventually;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.netlink.testing.Dockerd;
import dev.jovl.netlink.testing.TestLab;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Standalone mode end to end: two simulated hosts, each with a real dockerd 20.10 (no cluster
 * store) that finds that host's jovl daemon (started with {@code --scope local}) and has jovl's
 * DNS address as its {@code --dns}. Each host runs {@code docker network create} itself; a
 * container on host 2 pings and fetches a web page from a container of host 1 by name, an
 * upstream name (served by dnsmasq on a third machine of the underlay) and an NXDOMAIN come through, the name goes when the container stops and follows
 * it to the other host, and a network with another subnet is refused.
 */
class StandaloneDockerEndToEndTest {

    private static final Duration CONVERGE = Duration.ofSeconds(20);

    @Test
    void containersResolveAndReachEachOtherByNameAcrossIndependentDockers() throws Exception {
        Dockerd.assumeAvailable();
        assumeTrue(Dnsmasq.installed(), "skipping: dnsmasq (package dnsmasq-base) is not installed");
        try (Resources toClose = new Resources()) {
            TestLab lab = new TestLab("jsa");
            toClose.add(lab);
            TestLab.Host h1 = lab.host();
            TestLab.Host h2 = lab.host();
            Path storeDir = Files.createTempDirectory("jsa-store");
            toClose.add(() -> DockerTestFiles.deleteTree(storeDir));
            Store store = Stores.open("file:" + storeDir);
            toClose.add(store);
            // the site's resolver: a third machine on the underlay, which jovl forwards other names to
            TestLab.Host resolver = lab.host();
            Dnsmasq upstream =
                    Dnsmasq.startIn(resolver.namespace(), resolver.ip(), List.of("upstream.test,192.0.2.77"));
            toClose.add(upstream);

            Dockerd[] dockerds = new Dockerd[2];
            Daemon[] daemons = new Daemon[2];
            TestLab.Host[] hosts = {h1, h2};
            for (int i = 0; i < 2; i++) {
                TestLab.Host h = hosts[i];
                var options = DaemonFixture.options(
                        lab,
                        h,
                        "file:" + storeDir,
                        "--scope",
                        "local",
                        "--docker-socket",
                        "/nonexistent-yet",
                        "--dns-upstream",
                        resolver.ip());
                Path pluginsDir = options.socket().getParent();
                Files.createDirectories(pluginsDir);
                dockerds[i] = lab.dockerd(h, pluginsDir, List.of("--dns", h.ip()));
                toClose.add(dockerds[i]);
                options = DaemonFixture.options(
                        lab,
                        h,
                        "file:" + storeDir,
                        "--scope",
                        "local",
                        "--docker-socket",
                        dockerds[i].socket().toString(),
                        "--dns-upstream",
                        resolver.ip());
                daemons[i] = DaemonFixture.start(options, h, store);
                toClose.add(daemons[i]);
                dockerds[i].importBusybox("jsa-busybox");
                Files.writeString(dockerds[i].dir().resolve("index.html"), "hello-from-web\n");
            }
            Dockerd d1 = dockerds[0];
            Dockerd d2 = dockerds[1];
            // stopping containers and dockerds must come before the daemons go: close order is reversed
            toClose.add(() -> {
                for (Dockerd d : dockerds) {
                    d.close();
                }
            });

            for (Dockerd d : dockerds) {
                d.docker(
                        "network",
                        "create",
                        "-d",
                        "jovl",
                        "--ipam-driver",
                        "jovl",
                        "--subnet",
                        "10.95.0.0/24",
                        "jsa-stack");
            }
            String web = d1.docker(
                    "run",
                    "-d",
                    "--name",
                    "web",
                    "--network",
                    "jsa-stack",
                    "--network-alias",
                    "www",
                    "-v",
                    d1.dir().resolve("index.html") + ":/www/index.html:ro",
                    "jsa-busybox",
                    "httpd",
                    "-f",
                    "-p",
                    "80",
                    "-h",
                    "/www");
            String webIp =
                    d1.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"jsa-stack\").IPAddress}}", web);

            String[] last = {""};
            try {
                Eventually.assertThat("a container on host 2 reaches web on host 1 by name", CONVERGE, () -> {
                    last[0] = run(
                            d2,
                            "ping -c1 -W2 web && timeout 5 wget -qO- http://web/ && timeout 5 wget -qO- http://www.jsa-stack/");
                    return last[0].endsWith("hello-from-web\nhello-from-web");
                });
            } catch (AssertionError e) {
                throw new AssertionError(e.getMessage() + "; web at " + webIp + "; last try said:\n" + last[0], e);
            }
            String lookups = run(
                    d2, "nslookup -type=a web; nslookup -type=a upstream.test; nslookup -type=a missing.test; true");
            assertTrue(lookups.contains("Address: " + webIp), lookups);
            assertTrue(lookups.contains("Address: 192.0.2.77"), "forwarded upstream: " + lookups);
            assertTrue(lookups.contains("can't find missing.test: NXDOMAIN"), lookups);

            d1.docker("stop", "-t", "0", web);
            Eventually.assertThat(
                    "web's name goes when it stops",
                    CONVERGE,
                    () -> !run(d2, "nslookup -type=a web; true").contains(webIp));

            d1.docker("rm", web);
            String moved = d2.docker(
                    "run",
                    "-d",
                    "--name",
                    "web",
                    "--network",
                    "jsa-stack",
                    "-v",
                    d2.dir().resolve("index.html") + ":/www/index.html:ro",
                    "jsa-busybox",
                    "httpd",
                    "-f",
                    "-p",
                    "80",
                    "-h",
                    "/www");
            String movedIp =
                    d2.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"jsa-stack\").IPAddress}}", moved);
            Eventually.assertThat(
                    "host 1 finds web on host 2 now",
                    CONVERGE,
                    () -> run(d1, "nslookup -type=a web.jsa-stack; timeout 5 wget -qO- http://web/; true")
                            .contains("Address: " + movedIp));

            IOException refused = assertThrows(
                    IOException.class,
                    () -> d2.docker(
                            "network",
                            "create",
                            "-d",
                            "jovl",
                            "--ipam-driver",
                            "jovl",
                            "--subnet",
                            "10.96.0.0/24",
                            "-o",
                            "jovl.network=jsa-stack",
                            "jsa-other"));
            assertTrue(refused.getMessage().contains("IPv4 pools: 10.96.0.0/24"), refused.getMessage());
        }
    }

    /** Runs {@code script} in a throwaway busybox container on the overlay; its output. */
    private static String run(Dockerd d, String script) {
        try {
            return d.docker("run", "--rm", "--network", "jsa-stack", "jsa-busybox", "sh", "-c", script);
        } catch (IOException e) {
            return e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "";
        }
    }
}
