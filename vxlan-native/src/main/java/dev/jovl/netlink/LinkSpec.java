package dev.jovl.netlink;

/**
 * What to create: {@link BridgeSpec}, {@link VxlanSpec} or {@link VethSpec}. Each is sent as ONE
 * RTM_NEWLINK request (CREATE|EXCL), so the kernel either makes all of it (both veth ends, the
 * master, the up state, the target namespace) or nothing.
 */
public sealed interface LinkSpec permits BridgeSpec, VxlanSpec, VethSpec {
    /** Name, MTU, MAC, up, master and target namespace of the (first) device. */
    LinkOptions options();

    /** The IFLA_INFO_KIND value. */
    String kind();
}
