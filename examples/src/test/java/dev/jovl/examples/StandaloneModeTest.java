package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jovl.driver.docker.DockerEngineClient;
import dev.jovl.driver.docker.DockerEventStream;
import dev.jovl.overlay.state.StoreLayout;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Standalone mode end to end (driver/README-standalone.md), as {@code demo.sh --mode standalone}
 * sets it up: two Docker 20.10 hosts without cluster store, each with {@code --dns <its eth0>},
 * each running jovl {@code --scope local} with its own Docker's socket; etcd is jovl's store only,
 * and the kv host also runs the site's resolver (dnsmasq, authoritative for {@code .test}), which
 * jovl forwards other names to. Each host runs {@code docker network create} itself.
 *
 * <p>Checked, in order (the steps build on each other): the two same-named networks join one
 * overlay by Docker's name (jovl's store record); a container on host 2 reaches host 1's by name
 * and alias; Docker's embedded DNS answers host 1's names, an upstream name and NXDOMAIN through
 * jovl; networks differing from the overlay are refused, at create or at the first container; a
 * name goes when its container stops and follows it to the other host; a host's names vanish
 * with its lease when its jovl dies and come back with it; after a dockerd restart that lost
 * Docker's network database, jovl's event stream (and a {@link DockerEngineClient}'s) reconnects,
 * the networks Docker forgot are dropped from the store, and a network created again works.
 *
 * <p>Its own set of hosts (state /tmp/jexa, underlay jexa-ul, cgroups jexa-*), apart from the
 * suite's shared ones; everything is removed at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneModeTest {
    private static final String SET = System.getProperty("jovl.standalone.hosts", "jexa");
    private static final String NET = "sa-stack";
    private static final String SUBNET = "10.95.0.0/24";
    /** The kv host: etcd for jovl, and the site's resolver that jovl forwards other names to. */
    private static final String RESOLVER = "192.168.222.2";
    /** Short, so a dead host's names go soon; the daemon's minimum is 2 s. */
    private static final String LEASE_TTL = "6";

    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final ObjectMapper JSON = new ObjectMapper();

    private final Path root = SimulatedHosts.findRepoRoot();
    private SimulatedHosts hosts;
    private Cluster c;
    private String h1;
    private String h2;
    /** Each host's Docker network id of {@link #NET}, by the host's jovl host id (its VTEP address). */
    private final Map<String, String> members = new LinkedHashMap<>();

    @BeforeAll
    void twoStandaloneHosts() {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/sbin/dockerd")), "dockerd missing (scripts/install-deps)");
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/sbin/dnsmasq")), "dnsmasq missing (package dnsmasq-base)");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (namespaces, dockerd)");
        hosts = new SimulatedHosts(
                root,
                root.resolve("examples/target/" + SET + "-logs"),
                Map.of(
                        "JEX_STATE", "/tmp/" + SET,
                        "JEX_UL", SET + "-ul",
                        "JEX_CGROUP_PREFIX", SET + "-",
                        "JEX_STANDALONE_DNS", "eth0",
                        "JEX_OWNER_WAIT", "240"));
        String buildProblem = hosts.buildJovl();
        Assumptions.assumeTrue(buildProblem == null, () -> "jovl.jar cannot be built:\n" + buildProblem);
        long t0 = System.nanoTime();
        hosts.up(2, "standalone");
        hosts.in(
                        "jex-kv",
                        "sh",
                        "-c",
                        "dnsmasq --conf-file=/dev/null --no-resolv --no-hosts --listen-address=" + RESOLVER
                                + " --bind-interfaces --port=53 --local=/test/ --user=root --cache-size=0"
                                + " --host-record=upstream.test,192.0.2.77 >/dev/null 2>&1")
                .orFail();
        h1 = hosts.host(1);
        h2 = hosts.host(2);
        for (String h : hosts.hosts()) {
            startJovl(h);
        }
        System.err.printf(
                "[e2e] 2 standalone hosts with dockerd and jovl up in %.1f s%n", (System.nanoTime() - t0) / 1e9);
        c = new Cluster(hosts, "jovl", "jovl");
        for (String h : hosts.hosts()) {
            members.put(SimulatedHosts.underlayIp(h), c.createNetwork(h, NET, "--subnet", SUBNET));
        }
        c.runWeb(h1, "web", NET, "--network-alias", "www");
        c.runShell(h1, "sa-shell1", NET);
        c.runShell(h2, "sa-shell2", NET);
    }

    private void startJovl(String host) {
        hosts.startJovl(
                host,
                "--scope",
                "local",
                "--docker-socket",
                hosts.dockerSocket(host),
                "--dns-upstream",
                RESOLVER,
                "--lease-ttl",
                LEASE_TTL);
    }

    @AfterAll
    void tearDown() {
        if (hosts != null) {
            hosts.close();
        }
    }

    @Test
    @Order(1)
    void sameNamedNetworksOfBothHostsAreOneOverlayByDockersName() {
        eventually(
                CONVERGE,
                "both hosts' " + NET + " are members of overlay " + NET,
                () -> members.equals(overlayMembers(NET)),
                () -> "store says " + overlayMembers(NET) + ", Docker's ids " + members);
    }

    @Test
    @Order(2)
    void containerOnHostTwoReachesHostOnesByNameAndAlias() {
        eventually(CONVERGE, "sa-shell2 (host 2) pings web (host 1) by name", () -> c.pings(h2, "sa-shell2", "web"));
        assertTrue(c.fetches(h2, "sa-shell2", "web"), "HTTP to web by name");
        assertTrue(c.fetches(h2, "sa-shell2", "www." + NET), "HTTP to web by alias.network");
        assertTrue(c.pings(h1, "web", "sa-shell2"), "and back by name");
    }

    @Test
    @Order(3)
    void dockersEmbeddedDnsAnswersThroughJovlUpstreamNamesAndNxdomainIncluded() {
        String webIp = c.ip(h1, "web", NET);
        String lookups = nslookup(h2, "sa-shell2", "web", "web." + NET, "www", "upstream.test", "missing.test");
        assertEquals(3, count(lookups, "Address: " + webIp), "web, web." + NET + " and www:\n" + lookups);
        assertTrue(lookups.contains("Address: 192.0.2.77"), "other names are forwarded upstream:\n" + lookups);
        assertTrue(lookups.contains("can't find missing.test: NXDOMAIN"), "NXDOMAIN passes through:\n" + lookups);
    }

    @Test
    @Order(4)
    void networksDifferingFromTheOverlayAreRefused() {
        CommandResult named = hosts.docker(
                h2,
                "network",
                "create",
                "-d",
                "jovl",
                "--ipam-driver",
                "jovl",
                "--subnet",
                "10.96.0.0/24",
                "-o",
                "jovl.network=" + NET,
                "sa-other");
        assertFalse(named.succeeded(), "another subnet under an explicit overlay name: " + named.describe());
        assertTrue(named.err().contains("IPv4 pools: 10.96.0.0/24"), named.describe());
        assertEquals(members, overlayMembers(NET), "the refused network changed nothing");

        // by Docker's name: the create is answered before Docker can say the name, so the first
        // container on it is what is refused, with the reason
        c.createNetwork(h1, "sa-diff", "--subnet", "10.70.0.0/24");
        c.createNetwork(h2, "sa-diff", "--subnet", "10.60.0.0/24");
        String[] last = {""};
        eventually(
                CONVERGE,
                "a container on host 2's sa-diff is refused with the differing pools",
                () -> {
                    CommandResult r = hosts.docker(h2, "run", "--rm", "--net", "sa-diff", Cluster.IMAGE, "true");
                    if (r.succeeded()) {
                        fail("a container started on a network that differs from its overlay");
                    }
                    last[0] = r.err();
                    return r.err().contains("IPv4 pools: 10.60.0.0/24");
                },
                () -> last[0]);
        c.removeNetworkQuietly(h2, "sa-diff");
        c.removeNetworkQuietly(h1, "sa-diff");
    }

    @Test
    @Order(5)
    void nameGoesWhenItsContainerStopsAndFollowsItToTheOtherHost() {
        String webIp = c.ip(h1, "web", NET);
        hosts.docker(h1, "stop", "-t", "0", "web").orFail();
        eventually(
                CONVERGE,
                "web's name goes on host 2 when it stops on host 1",
                () -> unresolved(h2, "sa-shell2", "web", webIp));
        hosts.docker(h1, "rm", "web").orFail();

        c.runWeb(h2, "web", NET);
        String movedIp = c.ip(h2, "web", NET);
        eventually(
                CONVERGE,
                "host 1 finds web on host 2",
                () -> nslookup(h1, "sa-shell1", "web." + NET).contains("Address: " + movedIp));
        assertTrue(c.fetches(h1, "sa-shell1", "web"), "HTTP to web, now on host 2");
    }

    @Test
    @Order(6)
    void namesOfAHostWhoseJovlDiedVanishWithItsLeaseAndReturnWithIt() {
        String webIp = c.ip(h2, "web", NET);
        hosts.kill9Jovl(h2);
        eventually(
                CONVERGE,
                "web (host 2) no longer resolves on host 1 once host 2's lease ended",
                () -> unresolved(h1, "sa-shell1", "web", webIp));
        startJovl(h2);
        eventually(
                CONVERGE,
                "host 2's restarted jovl publishes web again",
                () -> nslookup(h1, "sa-shell1", "web").contains("Address: " + webIp));
    }

    @Test
    @Order(7)
    void afterDockerdLostItsNetworksTheEventStreamsReconnectAndTheForgottenNetworkIsDropped() throws Exception {
        c.removeContainersQuietly(h2, "web", "sa-shell2");
        String vtep2 = SimulatedHosts.underlayIp(h2);
        String oldId = members.get(vtep2);
        assertTrue(storeValue(StoreLayout.localNetwork(vtep2, oldId)) != null, "host 2's network is in the store");
        RecordedDockerEvents events = new RecordedDockerEvents();
        try (DockerEngineClient client =
                        new DockerEngineClient(Path.of(hosts.dockerSocket(h2)), Duration.ofSeconds(10));
                DockerEventStream stream = client.watchEvents(events).startAlone()) {
            assertFalse(client.facts().hasClusterStore(), "standalone: " + client.facts());
            eventually(CONVERGE, "the event stream connects", () -> events.connects() == 1);
            hosts.stopDockerd(h2);
            // Docker's network database gone (a reset Docker): it no longer knows sa-stack
            Files.delete(hosts.hostDir(h2).resolve("data/network/files/local-kv.db"));
            hosts.startDockerd(h2);
            eventually(CONVERGE, "the event stream reconnects to the new dockerd", () -> events.connects() == 2);
        }
        eventually(
                CONVERGE,
                "host 2's jovl drops the network its Docker forgot",
                () -> storeValue(StoreLayout.localNetwork(vtep2, oldId)) == null
                        && Map.of(SimulatedHosts.underlayIp(h1), members.get(SimulatedHosts.underlayIp(h1)))
                                .equals(overlayMembers(NET)),
                () -> "overlay members " + overlayMembers(NET));

        members.put(vtep2, c.createNetwork(h2, NET, "--subnet", SUBNET));
        c.runShell(h2, "sa-shell2", NET);
        String shellIp = c.ip(h2, "sa-shell2", NET);
        eventually(CONVERGE, "the network created again joins the overlay", () -> members.equals(overlayMembers(NET)));
        eventually(
                CONVERGE,
                "a container started after dockerd's restart is found by name from host 1",
                () -> nslookup(h1, "sa-shell1", "sa-shell2").contains("Address: " + shellIp));
        eventually(CONVERGE, "and reached", () -> c.pings(h1, "sa-shell1", "sa-shell2"));
    }

    /** busybox nslookup of each name (A records) in a container; everything it printed. */
    private String nslookup(String host, String container, String... names) {
        StringBuilder script = new StringBuilder();
        for (String name : names) {
            script.append("nslookup -type=a ").append(name).append(" 2>&1; ");
        }
        // the lookups' own failures are output; failing to run them at all is the test's failure
        return hosts.docker(host, "exec", container, "sh", "-c", script + "true")
                .orFail()
                .out();
    }

    /** The name does not resolve (an answer without its address is not enough: the lookup must fail). */
    private boolean unresolved(String host, String container, String name, String address) {
        String out = nslookup(host, container, name);
        return !out.contains("Address: " + address) && out.contains("can't find " + name);
    }

    /** The overlay's members as jovl stored them: host id to that host's Docker network id. */
    private Map<String, String> overlayMembers(String overlay) {
        String value = storeValue(StoreLayout.overlay(overlay));
        Map<String, String> found = new LinkedHashMap<>();
        if (value != null) {
            try {
                JsonNode m = JSON.readTree(value).path("members");
                m.properties().forEach(e -> found.put(e.getKey(), e.getValue().asText()));
            } catch (IOException e) {
                throw new UncheckedIOException("overlay record " + overlay + ": " + value, e);
            }
        }
        return found;
    }

    /** The value of a key in jovl's etcd, or null if there is none. */
    private String storeValue(String key) {
        String out = hosts.etcdctl("get", "--print-value-only", key).orFail().trimmedOut();
        return out.isEmpty() ? null : out;
    }

    private static int count(String text, String part) {
        int n = 0;
        for (int i = text.indexOf(part); i >= 0; i = text.indexOf(part, i + 1)) {
            n++;
        }
        return n;
    }
}
