package dev.jovl.overlay.kernel;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import dev.jovl.netlink.VethSpec;
import dev.jovl.netlink.testing.TestLab;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Two "containers" behind a sandbox, both namespaces kept by a bind mount; a process lives in one
 * only. The other is what dockerd leaves when its clean-up fails: jovl must tell them apart.
 */
class LiveNamespacesTest {

    @Test
    void aNamespaceWithoutProcessesIsNotLive() throws Exception {
        try (TestLab lab = new TestLab("jvl")) {
            assertTrue(LiveNamespaces.visible(), "the tests run in the host's PID namespace");
            NetNs sandbox = lab.netns("sb");
            NetNs running = lab.netns("run");
            NetNs torn = lab.netns("torn");
            NetlinkHandle s = lab.handle(sandbox);
            s.addLink(VethSpec.builder("ve-run", "eth0").up().peerNetns(running).build());
            s.addLink(VethSpec.builder("ve-torn", "eth0").up().peerNetns(torn).build());
            Process container = new ProcessBuilder("ip", "netns", "exec", lab.tag() + "-run", "sleep", "60")
                    .inheritIO()
                    .start();
            try {
                int runningId = s.link("ve-run").linkNetnsId();
                int tornId = s.link("ve-torn").linkNetnsId();
                long end = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
                Set<Integer> live;
                do { // until the process has entered its namespace
                    live = LiveNamespaces.idsIn(
                            s, LiveNamespaces.withProcesses().values());
                } while (!live.contains(runningId) && System.nanoTime() < end);
                assertTrue(live.contains(runningId), "the namespace a process lives in: " + live);
                assertFalse(live.contains(tornId), "the bind-mounted namespace without a process: " + live);
            } finally {
                container.destroyForcibly().waitFor();
            }
        }
    }
}
