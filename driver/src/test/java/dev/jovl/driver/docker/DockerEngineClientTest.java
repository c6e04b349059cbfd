package dev.jovl.driver.docker;

import static org.junit.jupiter.api.Assertions.*;

import dev.jovl.netlink.testing.Dockerd;
import dev.jovl.netlink.testing.TestLab;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** The engine client against a real dockerd (20.10 from Debian) that the test starts. */
class DockerEngineClientTest {

    private static TestLab lab;
    private static Dockerd dockerd;
    private static DockerEngineClient client;

    @BeforeAll
    static void startDockerd() throws Exception {
        Dockerd.assumeAvailable();
        lab = new TestLab("jsa");
        dockerd = lab.dockerd(List.of());
        dockerd.importBusybox("jsa-busybox");
        dockerd.docker(
                "network",
                "create",
                "--subnet",
                "10.77.0.0/24",
                "--gateway",
                "10.77.0.1",
                "-o",
                "jovl.test=yes",
                "--label",
                "team=jsa",
                "jsa-net");
        client = new DockerEngineClient(dockerd.socket(), Duration.ofSeconds(10));
    }

    @AfterAll
    static void stopDockerd() throws Exception {
        if (client != null) {
            client.close();
        }
        if (lab != null) {
            lab.close();
        }
    }

    @Test
    void inspectsNetworksByNameAndId() throws Exception {
        assertFalse(client.apiVersion().isEmpty());
        DockerNetwork byName = client.inspectNetwork("jsa-net").orElseThrow();
        assertEquals("jsa-net", byName.name());
        assertEquals("bridge", byName.driver());
        assertEquals("local", byName.scope());
        assertEquals("yes", byName.options().get("jovl.test"));
        assertEquals("jsa", byName.labels().get("team"));
        assertEquals(List.of(new DockerNetwork.IpamConfig("10.77.0.0/24", "10.77.0.1", null)), byName.ipam());
        assertEquals(byName, client.inspectNetwork(byName.id()).orElseThrow());
        assertTrue(client.inspectNetwork("jsa-no-such-network").isEmpty());
        assertThrows(IllegalArgumentException.class, () -> client.inspectNetwork("../containers/json"));
    }

    @Test
    void unreachableSocketIsAClearError() {
        try (DockerEngineClient missing =
                new DockerEngineClient(dockerd.dir().resolve("absent.sock"), Duration.ofSeconds(2))) {
            DockerApiException e = assertThrows(DockerApiException.class, () -> missing.inspectNetwork("jsa-net"));
            assertTrue(e.getMessage().contains("absent.sock"), e.getMessage());
        }
    }

    @Test
    void followsContainerLifecycleThroughEventsAndReconnectsAfterDockerRestart() throws Exception {
        BlockingQueue<DockerEvent> events = new LinkedBlockingQueue<>();
        AtomicInteger connects = new AtomicInteger();
        try (DockerEventStream stream = client.watchEvents(new DockerEventListener() {
                    @Override
                    public void onConnected() {
                        connects.incrementAndGet();
                    }

                    @Override
                    public void onEvent(DockerEvent event) {
                        events.add(event);
                    }
                })
                .startAlone()) {
            awaitTrue(() -> connects.get() == 1, "first connect");
            String id = dockerd.docker(
                    "run",
                    "-d",
                    "--name",
                    "jsa-web",
                    "--network",
                    "jsa-net",
                    "--network-alias",
                    "www",
                    "jsa-busybox",
                    "sleep",
                    "600");
            DockerEvent connect = next(events, "network", "connect");
            assertEquals(id, connect.containerId());
            assertEquals("jsa-net", connect.attributes().get("name"));
            assertEquals(id, next(events, "container", "start").actorId());

            DockerContainer web = client.inspectContainer(id).orElseThrow();
            assertEquals("jsa-web", web.name());
            assertTrue(web.running());
            DockerContainer.Attachment on = web.networks().get("jsa-net");
            assertEquals(client.inspectNetwork("jsa-net").orElseThrow().id(), on.networkId());
            assertNotNull(on.endpointId());
            assertTrue(on.ipv4().startsWith("10.77.0."), on.ipv4());
            assertNull(on.ipv6());
            assertTrue(on.aliases().contains("www"), on.aliases().toString());
            assertTrue(client.runningContainerIds().contains(id));
            assertEquals(web, client.inspectContainer("jsa-web").orElseThrow());

            dockerd.docker("stop", "-t", "0", id);
            next(events, "container", "die");
            next(events, "network", "disconnect");
            assertFalse(client.inspectContainer(id).orElseThrow().running());
            assertFalse(client.runningContainerIds().contains(id));
            dockerd.docker("rm", id);
            next(events, "container", "destroy");
            assertTrue(client.inspectContainer(id).isEmpty());

            dockerd.restart();
            awaitTrue(() -> connects.get() == 2, "reconnect after the daemon restarted");
            String again = dockerd.docker(
                    "run", "-d", "--name", "jsa-web2", "--network", "jsa-net", "jsa-busybox", "sleep", "600");
            assertEquals(again, next(events, "container", "start").actorId());
            dockerd.docker("rm", "-f", again);
        }
    }

    private static DockerEvent next(BlockingQueue<DockerEvent> events, String type, String action)
            throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
        while (System.nanoTime() < deadline) {
            DockerEvent e = events.poll(1, TimeUnit.SECONDS);
            if (e != null && e.type().equals(type) && e.action().equals(action)) {
                return e;
            }
        }
        throw new AssertionError("no " + type + " " + action + " event within 30 s");
    }

    static void awaitTrue(java.util.function.BooleanSupplier condition, String what) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out waiting for " + what);
            }
            Thread.sleep(50);
        }
    }
}
