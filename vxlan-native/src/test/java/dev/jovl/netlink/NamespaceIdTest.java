package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** RTM_GETNSID: the id a namespace gives another is the one its veths report for their peers there. */
class NamespaceIdTest extends NamespaceTestBase {

    @Test
    void theIdOfAPeersNamespaceIsTheOneItsVethReports() {
        NetNs sandbox = spaces.netns("idsb");
        NetNs container = spaces.netns("idct");
        NetNs unrelated = spaces.netns("idun");
        NetlinkHandle s = spaces.handle(sandbox);
        s.addLink(VethSpec.builder("ve-id", "eth0").up().peerNetns(container).build());

        int reported = s.link("ve-id").linkNetnsId();
        assertTrue(reported >= 0, "the veth reports its peer's namespace id");
        assertEquals(reported, s.nsidOf(container));
        assertEquals(-1, s.nsidOf(unrelated), "no id given to a namespace nothing here points at");
    }
}
