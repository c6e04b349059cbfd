package dev.jovl.overlay.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import dev.jovl.overlay.NetworkLocks;
import dev.jovl.overlay.state.NetworkRecord;
import dev.jovl.overlay.testing.FakeDataplane;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ServiceLoadBalancingTest {
    private static final String NET = "n1";
    private static final Duration REAPPLY = Duration.ofSeconds(30);

    private final FakeDataplane dataplane = new FakeDataplane();
    private final Map<String, Optional<NetworkServices>> directory = new HashMap<>();
    private final RecordingKernel kernel = new RecordingKernel();
    /** jovl's own view: the addresses of the endpoints whose interface is up (all by default). */
    private final Map<String, Set<IpAddress>> live = new HashMap<>();

    private final AtomicLong clock = new AtomicLong();
    private final ServiceLoadBalancing lb = new ServiceLoadBalancing(
            dataplane,
            new NetworkLocks(),
            id -> {
                Optional<NetworkServices> s = directory.get(id);
                if (s == null) {
                    throw new IllegalStateException("directory down for " + id);
                }
                return s;
            },
            id -> Optional.ofNullable(live.getOrDefault(id, everything())),
            kernel,
            Duration.ofMillis(500),
            REAPPLY,
            clock::get);

    /** What the kernel side was asked to do, and the VIPs it holds as a result. */
    private static final class RecordingKernel implements SandboxLoadBalancer {
        final List<LoadBalancerPlan> applied = new ArrayList<>();
        final Map<String, Set<String>> vips = new HashMap<>();

        @Override
        public boolean apply(String networkId, LoadBalancerPlan plan) {
            applied.add(plan);
            vips.put(networkId, plan.vips());
            return true;
        }

        @Override
        public Set<String> installedVips(String networkId) {
            return vips.getOrDefault(networkId, Set.of());
        }
    }

    private static Set<IpAddress> everything() {
        Set<IpAddress> all = new java.util.HashSet<>();
        for (int i = 1; i < 255; i++) {
            all.add(IpAddress.parse("10.0.1." + i));
        }
        return all;
    }

    private void sandbox(String id) {
        dataplane.repair(new NetworkRecord(id, 42, 1450, false, List.of(), List.of(), Map.of(), "h1", 0, true));
    }

    private static NetworkServices web(String... tasks) {
        return new NetworkServices(
                List.of(Cidr.parse("10.0.1.0/24")),
                List.of(new VirtualService(
                        "web",
                        IpAddress.parse("10.0.1.2"),
                        java.util.Arrays.stream(tasks).map(IpAddress::parse).toList())));
    }

    @Test
    void aChangeIsWrittenOnceAndAgainOnlyWhenTheServicesChange() throws Exception {
        sandbox(NET);
        directory.put(NET, Optional.of(web("10.0.1.3", "10.0.1.4")));
        lb.reconcileAll();
        lb.reconcileAll();
        assertEquals(1, kernel.applied.size());

        directory.put(NET, Optional.of(web("10.0.1.3"))); // a task stopped
        lb.reconcileAll();
        assertEquals(2, kernel.applied.size());
        assertTrue(kernel.applied.get(1).rules().contains("DNAT --to-destination 10.0.1.3\n"));
        assertFalse(kernel.applied.get(1).rules().contains("10.0.1.4"));
    }

    @Test
    void aTaskDockerStillListsButWhoseEndpointIsGoneLeavesTheRotation() throws Exception {
        sandbox(NET);
        directory.put(NET, Optional.of(web("10.0.1.3", "10.0.1.4")));
        lb.reconcileAll();
        live.put(NET, Set.of(IpAddress.parse("10.0.1.3"))); // 10.0.1.4's DeleteEndpoint reached the store
        lb.reconcileAll();
        assertEquals(2, kernel.applied.size());
        assertFalse(
                kernel.applied.get(1).rules().contains("10.0.1.4"),
                kernel.applied.get(1).rules());
        assertEquals(Set.of("10.0.1.2/24"), kernel.applied.get(1).vips(), "the VIP stays while the service exists");
    }

    @Test
    void untilJovlsOwnViewIsLoadedNothingIsWritten() throws Exception {
        sandbox(NET);
        directory.put(NET, Optional.of(web("10.0.1.3")));
        live.put(NET, null); // a restarted daemon before its first store listing
        lb.reconcileAll();
        assertTrue(kernel.applied.isEmpty());
        live.remove(NET);
        lb.reconcileAll();
        assertEquals(1, kernel.applied.size());
    }

    @Test
    void theSamePlanIsWrittenAgainAfterTheReapplyInterval() throws Exception {
        sandbox(NET);
        directory.put(NET, Optional.of(web("10.0.1.3")));
        lb.reconcileAll();
        clock.addAndGet(REAPPLY.toNanos() - 1);
        lb.reconcileAll();
        assertEquals(1, kernel.applied.size());
        clock.addAndGet(1);
        lb.reconcileAll();
        assertEquals(2, kernel.applied.size(), "rules changed behind jovl's back are put right");
    }

    @Test
    void anUnknownAnswerKeepsWhatIsInstalled() throws Exception {
        sandbox(NET);
        directory.put(NET, Optional.of(web("10.0.1.3")));
        lb.reconcileAll();
        directory.put(NET, Optional.empty()); // Docker did not answer
        clock.addAndGet(REAPPLY.toNanos() * 2);
        lb.reconcileAll();
        assertEquals(1, kernel.applied.size());
        assertEquals(Set.of("10.0.1.2/24"), kernel.installedVips(NET));
    }

    @Test
    void outsideSwarmANetworkWithoutVipsIsNeverWritten() throws Exception {
        sandbox(NET);
        directory.put(NET, Optional.of(NetworkServices.NONE));
        lb.reconcileAll();
        clock.addAndGet(REAPPLY.toNanos() * 2);
        lb.reconcileAll();
        assertTrue(kernel.applied.isEmpty());
    }

    @Test
    void vipsLeftByAnEarlierRunAreRemovedWhenNoServiceWantsThem() throws Exception {
        sandbox(NET);
        kernel.vips.put(NET, Set.of("10.0.1.2/24")); // installed before a restart
        directory.put(NET, Optional.of(NetworkServices.NONE));
        lb.reconcileAll();
        assertEquals(List.of(LoadBalancerPlan.EMPTY), kernel.applied);
        assertTrue(kernel.installedVips(NET).isEmpty());
    }

    @Test
    void oneFailingNetworkDoesNotStopTheOthersAndTheFailureIsReported() {
        sandbox("bad");
        sandbox(NET);
        directory.put(NET, Optional.of(web("10.0.1.3")));
        // "bad" has no directory entry: its question throws
        IllegalStateException e = assertThrows(IllegalStateException.class, lb::reconcileAll);
        assertTrue(e.getMessage().contains("bad"), e.getMessage());
        assertEquals(1, kernel.applied.size());
    }

    @Test
    void aRemovedSandboxIsForgottenAndACreatedOneWrittenAfresh() throws Exception {
        sandbox(NET);
        directory.put(NET, Optional.of(web("10.0.1.3")));
        lb.reconcileAll();
        dataplane.removeSandbox(NET);
        kernel.vips.clear(); // the rules went with the namespace
        lb.reconcileAll();
        assertEquals(1, kernel.applied.size());
        sandbox(NET);
        lb.reconcileAll();
        assertEquals(2, kernel.applied.size());
    }
}
