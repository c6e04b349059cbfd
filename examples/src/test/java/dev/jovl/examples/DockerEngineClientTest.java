package dev.jovl.examples;

import static dev.jovl.examples.Cluster.eventually;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.driver.docker.DockerContainer;
import dev.jovl.driver.docker.DockerEngineClient;
import dev.jovl.driver.docker.DockerEvent;
import dev.jovl.driver.docker.DockerEventStream;
import dev.jovl.driver.docker.DockerFacts;
import dev.jovl.driver.docker.DockerNetwork;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * jovl's Docker Engine API client against a real dockerd 20.10: host 1 of the shared hosts (cluster
 * store mode), its socket reached from the test JVM. Reconnecting after a dockerd restart is checked
 * on standalone hosts, where jovl itself follows Docker's events ({@link StandaloneModeTest}).
 */
@ExtendWith(SharedHosts.class)
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class DockerEngineClientTest {
    private static final String NET = "dec-net";
    private static final Duration EVENT_WITHIN = Duration.ofSeconds(30);
    private Cluster c;
    private String host;
    private DockerEngineClient client;

    @BeforeAll
    void networkOnHostOne(Cluster cluster) {
        c = cluster;
        host = c.host(1);
        c.createNetwork(
                host,
                NET,
                "--subnet",
                "10.77.0.0/24",
                "--gateway",
                "10.77.0.1",
                "-o",
                "com.docker.network.driver.mtu=1400",
                "--label",
                "team=dec");
        client = new DockerEngineClient(Path.of(c.hosts().dockerSocket(host)), Duration.ofSeconds(10));
    }

    @AfterAll
    void cleanUp() {
        if (client != null) {
            client.close();
        }
        c.removeContainersQuietly(host, "dec-web");
        c.removeNetworkQuietly(host, NET);
    }

    @Test
    void readsTheDaemonsFacts() throws Exception {
        assertFalse(client.apiVersion().isEmpty());
        DockerFacts facts = client.facts();
        assertEquals(20, facts.majorVersion(), facts.serverVersion());
        assertTrue(facts.hasClusterStore(), "the shared hosts' dockerds run with --cluster-store: " + facts);
        assertEquals(SimulatedHosts.JOVL_STORE, facts.clusterStore(), "dockerd's --cluster-store");
        assertFalse(facts.inSwarm());
    }

    @Test
    void inspectsNetworksByNameAndId() throws Exception {
        DockerNetwork byName = client.inspectNetwork(NET).orElseThrow();
        assertEquals(NET, byName.name());
        assertEquals("jovl", byName.driver());
        assertEquals("global", byName.scope());
        assertEquals("1400", byName.options().get("com.docker.network.driver.mtu"));
        assertEquals("dec", byName.labels().get("team"));
        assertEquals(List.of(new DockerNetwork.IpamConfig("10.77.0.0/24", "10.77.0.1", null)), byName.ipam());
        assertEquals(byName, client.inspectNetwork(byName.id()).orElseThrow());
        assertTrue(client.inspectNetwork("dec-no-such-network").isEmpty());
    }

    @Test
    void followsAContainersLifeThroughEventsAndInspection() throws Exception {
        RecordedDockerEvents events = new RecordedDockerEvents();
        try (DockerEventStream stream = client.watchEvents(events).startAlone()) {
            eventually(Duration.ofSeconds(30), "the event stream connects", () -> events.connects() == 1);
            c.runShell(host, "dec-web", NET, "--network-alias", "www");
            String id = c.hosts()
                    .docker(host, "inspect", "-f", "{{.Id}}", "dec-web")
                    .orFail()
                    .trimmedOut();
            DockerEvent connect = events.next("network", "connect", EVENT_WITHIN);
            assertEquals(id, connect.containerId());
            assertEquals(NET, connect.attributes().get("name"));
            assertEquals(id, events.next("container", "start", EVENT_WITHIN).actorId());

            DockerContainer web = client.inspectContainer(id).orElseThrow();
            assertEquals("dec-web", web.name());
            assertTrue(web.running());
            DockerContainer.Attachment on = web.networks().get(NET);
            assertEquals(client.inspectNetwork(NET).orElseThrow().id(), on.networkId());
            assertNotNull(on.endpointId());
            assertEquals(c.ip(host, "dec-web", NET), on.ipv4());
            assertTrue(on.ipv4().startsWith("10.77.0."), on.ipv4());
            assertNull(on.ipv6());
            assertTrue(on.aliases().contains("www"), on.aliases().toString());
            assertTrue(client.runningContainerIds().contains(id));
            assertEquals(web, client.inspectContainer("dec-web").orElseThrow());

            c.hosts().docker(host, "stop", "-t", "0", id).orFail();
            events.next("container", "die", EVENT_WITHIN);
            assertEquals(
                    NET,
                    events.next("network", "disconnect", EVENT_WITHIN)
                            .attributes()
                            .get("name"));
            assertFalse(client.inspectContainer(id).orElseThrow().running());
            assertFalse(client.runningContainerIds().contains(id));
            c.hosts().docker(host, "rm", id).orFail();
            events.next("container", "destroy", EVENT_WITHIN);
            assertTrue(client.inspectContainer(id).isEmpty());
            assertEquals(1, events.connects(), "one connection for the whole life");
        }
    }
}
