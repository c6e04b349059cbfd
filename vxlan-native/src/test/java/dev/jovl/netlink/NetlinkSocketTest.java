package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

/** The raw socket: a lost reply becomes an error after the receive timeout, not a hung thread. */
class NetlinkSocketTest {
    @Test
    void receiveWithoutAReplyTimesOutWithEagain() {
        try (NetlinkSocket s = NetlinkSocket.open(300)) {
            assertTrue(s.portId() != 0, "the kernel assigned a port id");
            ErrnoException e = assertThrows(ErrnoException.class, s::receive);
            assertTrue(e.is(Errno.EAGAIN), e.getMessage());
            assertTrue(e.getMessage().contains("no reply within 300 ms"), e.getMessage());
        }
    }

    @Test
    void closedSocketRefusesUse() {
        NetlinkSocket s = NetlinkSocket.open();
        s.close();
        s.close(); // idempotent
        assertThrows(IllegalStateException.class, s::receive);
    }

    @Test
    void closedHandleRefusesUse() {
        NetlinkHandle h = NetlinkHandle.open(); // read-only use of the test's own namespace
        assertFalse(h.links().isEmpty());
        h.close();
        h.close();
        assertThrows(IllegalStateException.class, h::links);
    }
}
