package dev.jovl.overlay.services;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LoadBalancerPlanTest {
    private static final List<Cidr> SUBNET = List.of(Cidr.parse("10.0.1.0/24"));

    private static VirtualService service(String name, String vip, String... tasks) {
        return new VirtualService(
                name,
                IpAddress.parse(vip),
                java.util.Arrays.stream(tasks).map(IpAddress::parse).toList());
    }

    @Test
    void threeTasksAreTakenInTurnAndEachTaskReachesOnlyTheOthers() {
        LoadBalancerPlan plan = LoadBalancerPlan.of(new NetworkServices(
                SUBNET, List.of(service("vipweb", "10.0.1.2", "10.0.1.5", "10.0.1.3", "10.0.1.4"))));

        assertEquals(Set.of("10.0.1.2/24"), plan.vips());
        String expected = """
                *nat
                :PREROUTING ACCEPT [0:0]
                :INPUT ACCEPT [0:0]
                :OUTPUT ACCEPT [0:0]
                :POSTROUTING ACCEPT [0:0]
                :JOVL-VIP-1 - [0:0]
                :JOVL-VIP-1-1 - [0:0]
                :JOVL-VIP-1-2 - [0:0]
                :JOVL-VIP-1-3 - [0:0]
                -A PREROUTING -d 10.0.1.2/32 -p tcp -m comment --comment "jovl vipweb" -j JOVL-VIP-1
                -A PREROUTING -d 10.0.1.2/32 -p udp -m comment --comment "jovl vipweb" -j JOVL-VIP-1
                -A JOVL-VIP-1 -s 10.0.1.3/32 -j JOVL-VIP-1-1
                -A JOVL-VIP-1-1 -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.1.4
                -A JOVL-VIP-1-1 -j DNAT --to-destination 10.0.1.5
                -A JOVL-VIP-1 -s 10.0.1.4/32 -j JOVL-VIP-1-2
                -A JOVL-VIP-1-2 -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.1.3
                -A JOVL-VIP-1-2 -j DNAT --to-destination 10.0.1.5
                -A JOVL-VIP-1 -s 10.0.1.5/32 -j JOVL-VIP-1-3
                -A JOVL-VIP-1-3 -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.1.3
                -A JOVL-VIP-1-3 -j DNAT --to-destination 10.0.1.4
                -A JOVL-VIP-1 -m statistic --mode nth --every 3 --packet 0 -j DNAT --to-destination 10.0.1.3
                -A JOVL-VIP-1 -m statistic --mode nth --every 2 --packet 0 -j DNAT --to-destination 10.0.1.4
                -A JOVL-VIP-1 -j DNAT --to-destination 10.0.1.5
                COMMIT
                """;
        assertEquals(expected, plan.rules());
        assertTrue(plan.skipped().isEmpty());
    }

    @Test
    void theOrderDockerListsTasksAndServicesInDoesNotChangeThePlan() {
        LoadBalancerPlan a = LoadBalancerPlan.of(new NetworkServices(
                SUBNET,
                List.of(service("a", "10.0.1.2", "10.0.1.5", "10.0.1.3"), service("b", "10.0.1.9", "10.0.1.10"))));
        LoadBalancerPlan b = LoadBalancerPlan.of(new NetworkServices(
                SUBNET,
                List.of(
                        service("b", "10.0.1.9", "10.0.1.10", "10.0.1.10"),
                        service("a", "10.0.1.2", "10.0.1.3", "10.0.1.5"))));
        assertEquals(a, b);
        assertEquals(List.of("10.0.1.2/24", "10.0.1.9/24"), List.copyOf(a.vips()));
    }

    @Test
    void aServiceWithoutTasksKeepsItsVipAndHasNoRules() {
        LoadBalancerPlan plan = LoadBalancerPlan.of(new NetworkServices(SUBNET, List.of(service("idle", "10.0.1.2"))));
        assertEquals(Set.of("10.0.1.2/24"), plan.vips());
        assertFalse(plan.rules().contains("DNAT"), plan.rules());
    }

    @Test
    void aSingleTaskTakesEveryConnection() {
        LoadBalancerPlan plan =
                LoadBalancerPlan.of(new NetworkServices(SUBNET, List.of(service("one", "10.0.1.2", "10.0.1.7"))));
        assertTrue(plan.rules().contains("-A JOVL-VIP-1 -j DNAT --to-destination 10.0.1.7\n"), plan.rules());
        assertFalse(plan.rules().contains("statistic"), plan.rules());
    }

    @Test
    void aVipOutsideEverySubnetIsReportedAndNotInstalled() {
        LoadBalancerPlan plan =
                LoadBalancerPlan.of(new NetworkServices(SUBNET, List.of(service("stray", "10.9.9.2", "10.0.1.3"))));
        assertTrue(plan.isEmpty());
        assertEquals(LoadBalancerPlan.EMPTY.rules(), plan.rules());
        assertEquals(1, plan.skipped().size());
        assertTrue(
                plan.skipped().get(0).startsWith("stray: VIP 10.9.9.2"),
                plan.skipped().toString());
    }

    @Test
    void noServicesIsTheEmptyPlan() {
        assertSame(LoadBalancerPlan.EMPTY, LoadBalancerPlan.of(NetworkServices.NONE));
        assertTrue(LoadBalancerPlan.EMPTY.rules().startsWith("*nat\n"));
        assertTrue(LoadBalancerPlan.EMPTY.rules().endsWith("COMMIT\n"));
    }

    @Test
    void aNameThatCouldBreakTheRuleTextIsCutToSafeCharacters() {
        LoadBalancerPlan plan = LoadBalancerPlan.of(
                new NetworkServices(SUBNET, List.of(service("we\"b -j ACCEPT", "10.0.1.2", "10.0.1.3"))));
        assertTrue(plan.rules().contains("--comment \"jovl web-jACCEPT\""), plan.rules());
    }

    @Test
    void ipv6IsRefusedAtTheDoor() {
        assertThrows(IllegalArgumentException.class, () -> service("v6", "fd00::2", "10.0.1.3"));
        assertThrows(IllegalArgumentException.class, () -> service("v6", "10.0.1.2", "fd00::3"));
    }
}
