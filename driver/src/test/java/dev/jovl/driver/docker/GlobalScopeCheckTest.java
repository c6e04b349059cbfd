package dev.jovl.driver.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The Docker 23+ safety of --scope global: which Docker facts let a network be created. */
class GlobalScopeCheckTest {

    @Test
    void docker20WithAClusterStoreMayCreateGlobalNetworks() {
        assertEquals(
                Optional.empty(),
                GlobalScopeCheck.refusal(new DockerFacts("20.10.24+dfsg1", "etcd://192.168.222.2:2379", "inactive")));
    }

    @Test
    void anyDockerInSwarmModeMayCreateThem() {
        assertEquals(Optional.empty(), GlobalScopeCheck.refusal(new DockerFacts("20.10.24+dfsg1", null, "active")));
        assertEquals(Optional.empty(), GlobalScopeCheck.refusal(new DockerFacts("27.5.1", null, "active")));
    }

    @Test
    void docker23AndLaterOutsideSwarmAreToldToUseScopeLocal() {
        for (String version : new String[] {"23.0.0", "24.0.7", "28.2.2"}) {
            Optional<String> refusal = GlobalScopeCheck.refusal(new DockerFacts(version, null, "inactive"));
            assertTrue(refusal.isPresent(), version);
            assertTrue(refusal.get().contains("--scope local"), refusal.get());
            assertTrue(refusal.get().contains("JOVL_SCOPE=local"), refusal.get());
            assertTrue(refusal.get().contains("Docker " + version + " has no cluster store"), refusal.get());
        }
    }

    @Test
    void docker20WithoutAClusterStoreIsRefusedToo() {
        Optional<String> refusal = GlobalScopeCheck.refusal(new DockerFacts("20.10.24+dfsg1", "", "inactive"));
        assertTrue(refusal.isPresent());
        assertTrue(refusal.get().contains("runs without --cluster-store"), refusal.get());
    }

    @Test
    void aSwarmNodeThatIsNotActiveYetCountsAsOutsideSwarm() {
        assertTrue(GlobalScopeCheck.refusal(new DockerFacts("24.0.7", null, "pending"))
                .isPresent());
        assertTrue(GlobalScopeCheck.refusal(new DockerFacts("24.0.7", null, "locked"))
                .isPresent());
    }

    @Test
    void majorVersionsAreReadFromTheFrontOfTheVersion() {
        assertEquals(20, new DockerFacts("20.10.24+dfsg1", null, "").majorVersion());
        assertEquals(28, new DockerFacts("28.2.2", null, "").majorVersion());
        assertEquals(-1, new DockerFacts("dev", null, "").majorVersion());
        assertEquals(-1, new DockerFacts("", null, "").majorVersion());
    }
}
