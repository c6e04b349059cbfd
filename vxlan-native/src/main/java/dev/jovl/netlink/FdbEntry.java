package dev.jovl.netlink;

import dev.jovl.net.MacAddress;
import java.net.InetAddress;

/**
 * A bridge forwarding database entry. On a VXLAN device's own table ({@link #isSelf()}) it says
 * "frames for {@code mac} go to VTEP {@code dst}".
 *
 * @param dst         remote VTEP address, or null (bridge entries have none)
 * @param state       NUD_* bits (0x80 = permanent)
 * @param flags       NTF_* bits (0x02 self, 0x04 master)
 * @param masterIndex NDA_MASTER: the bridge, for entries of the bridge's table, else 0
 * @param vni         NDA_VNI, or -1 when not reported
 */
public record FdbEntry(int ifindex, MacAddress mac, InetAddress dst, int state, int flags, int masterIndex, int vni) {
    public boolean isSelf() {
        return (flags & Rtnl.NTF_SELF) != 0;
    }

    public boolean isMaster() {
        return (flags & Rtnl.NTF_MASTER) != 0 || masterIndex != 0;
    }

    public boolean isPermanent() {
        return (state & Rtnl.NUD_PERMANENT) != 0;
    }
}
