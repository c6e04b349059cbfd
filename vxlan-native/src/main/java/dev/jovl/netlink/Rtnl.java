package dev.jovl.netlink;

/**
 * rtnetlink numbers, checked against linux/{netlink,rtnetlink,if_link,if_addr,neighbour,veth}.h.
 * Only what this module sends or reads.
 */
final class Rtnl {
    private Rtnl() {}

    // nlmsghdr types
    static final int NLMSG_NOOP = 1, NLMSG_ERROR = 2, NLMSG_DONE = 3;
    static final int RTM_NEWLINK = 16, RTM_DELLINK = 17, RTM_GETLINK = 18, RTM_SETLINK = 19;
    static final int RTM_NEWADDR = 20, RTM_DELADDR = 21, RTM_GETADDR = 22;
    static final int RTM_NEWNEIGH = 28, RTM_DELNEIGH = 29, RTM_GETNEIGH = 30;
    static final int RTM_NEWNSID = 88, RTM_GETNSID = 90;

    // nlmsghdr flags
    static final int NLM_F_REQUEST = 0x1, NLM_F_MULTI = 0x2, NLM_F_ACK = 0x4, NLM_F_DUMP_INTR = 0x10;
    static final int NLM_F_DUMP = 0x300, NLM_F_REPLACE = 0x100, NLM_F_EXCL = 0x200, NLM_F_CREATE = 0x400;
    // flags on NLMSG_ERROR replies
    static final int NLM_F_CAPPED = 0x100, NLM_F_ACK_TLVS = 0x200;
    static final int NLMSGERR_ATTR_MSG = 1;

    static final int NLMSG_HDRLEN = 16;
    static final int IFINFOMSG_LEN = 16;
    static final int IFADDRMSG_LEN = 8;
    static final int NDMSG_LEN = 12;

    // address families
    static final int AF_UNSPEC = 0, AF_INET = 2, AF_BRIDGE = 7, AF_INET6 = 10;

    // ifinfomsg flags
    static final int IFF_UP = 0x1;
    /** Carrier present (for a veth: both ends are up); reported by the kernel, cannot be set. */
    static final int IFF_LOWER_UP = 0x10000;

    // multicast groups (bits for sockaddr_nl.nl_groups)
    static final int RTMGRP_LINK = 0x1;

    // IFLA_*
    static final int IFLA_ADDRESS = 1, IFLA_IFNAME = 3, IFLA_MTU = 4, IFLA_LINK = 5, IFLA_MASTER = 10;
    static final int IFLA_TXQLEN = 13, IFLA_OPERSTATE = 16, IFLA_LINKINFO = 18, IFLA_NET_NS_PID = 19;
    static final int IFLA_NET_NS_FD = 28, IFLA_EXT_MASK = 29, IFLA_LINK_NETNSID = 37;
    static final int IFLA_INFO_KIND = 1, IFLA_INFO_DATA = 2, IFLA_INFO_SLAVE_KIND = 4;
    static final int VETH_INFO_PEER = 1;

    // IFLA_VXLAN_*
    static final int IFLA_VXLAN_ID = 1, IFLA_VXLAN_GROUP = 2, IFLA_VXLAN_LINK = 3, IFLA_VXLAN_LOCAL = 4;
    static final int IFLA_VXLAN_TTL = 5, IFLA_VXLAN_TOS = 6, IFLA_VXLAN_LEARNING = 7, IFLA_VXLAN_AGEING = 8;
    static final int IFLA_VXLAN_PROXY = 11, IFLA_VXLAN_L2MISS = 13, IFLA_VXLAN_L3MISS = 14;
    static final int IFLA_VXLAN_PORT = 15, IFLA_VXLAN_GROUP6 = 16, IFLA_VXLAN_LOCAL6 = 17;
    static final int IFLA_VXLAN_UDP_CSUM = 18;

    // IFA_*
    static final int IFA_ADDRESS = 1, IFA_LOCAL = 2, IFA_FLAGS = 8;
    static final int IFA_F_NODAD = 0x02;

    // NDA_* / NUD_* / NTF_*
    static final int NDA_DST = 1, NDA_LLADDR = 2, NDA_PORT = 6, NDA_VNI = 7, NDA_IFINDEX = 8, NDA_MASTER = 9;
    static final int NUD_PERMANENT = 0x80, NUD_NOARP = 0x40;
    static final int NTF_SELF = 0x02, NTF_MASTER = 0x04;

    // NETNSA_* (net_namespace.h); the request and reply bodies are a struct rtgenmsg, padded to 4
    static final int NETNSA_NSID = 1, NETNSA_FD = 3;
    static final int RTGENMSG_LEN = 4;

    static final int NLA_TYPE_MASK = ~(0x8000 | 0x4000); // strips NLA_F_NESTED and NLA_F_NET_BYTEORDER

    static String typeName(int type) {
        return switch (type) {
            case RTM_NEWLINK -> "RTM_NEWLINK";
            case RTM_DELLINK -> "RTM_DELLINK";
            case RTM_GETLINK -> "RTM_GETLINK";
            case RTM_SETLINK -> "RTM_SETLINK";
            case RTM_NEWADDR -> "RTM_NEWADDR";
            case RTM_DELADDR -> "RTM_DELADDR";
            case RTM_GETADDR -> "RTM_GETADDR";
            case RTM_NEWNEIGH -> "RTM_NEWNEIGH";
            case RTM_DELNEIGH -> "RTM_DELNEIGH";
            case RTM_GETNEIGH -> "RTM_GETNEIGH";
            case RTM_GETNSID -> "RTM_GETNSID";
            default -> "type " + type;
        };
    }
}
