package dev.jovl.overlay.kernel;

import dev.jovl.netlink.Link;
import dev.jovl.netlink.LinkAddress;
import dev.jovl.netlink.NetlinkHandle;
import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

/**
 * Finds the VTEP address and the underlay MTU from {@code --advertise}: an IP address (the
 * interface carrying it gives the MTU), an interface name (its first IPv4 address, else IPv6), or
 * nothing (the interface of the default route).
 */
public final class UnderlayProbe {

    /** The address other hosts reach this one at, and the MTU of the interface that carries it. */
    public record Underlay(String interfaceName, String vtep, int mtu) {}

    private UnderlayProbe() {}

    public static Underlay probe(NetlinkHandle host, String advertise) {
        if (advertise == null || advertise.isBlank()) {
            String iface = defaultRouteInterface()
                    .orElseThrow(() -> new IllegalArgumentException(
                            "no --advertise given and no default route to guess the underlay from; "
                                    + "pass --advertise IP-or-interface"));
            return byInterface(host, iface);
        }
        if (Character.isDigit(advertise.charAt(0)) || advertise.indexOf(':') >= 0) {
            InetAddress ip;
            try {
                ip = InetAddress.ofLiteral(advertise);
            } catch (IllegalArgumentException e) {
                return byInterface(host, advertise);
            }
            for (Link link : host.links()) {
                for (LinkAddress a : host.addresses(link.name())) {
                    if (a.address().equals(ip)) {
                        return new Underlay(link.name(), ip.getHostAddress(), link.mtu());
                    }
                }
            }
            throw new IllegalArgumentException("--advertise " + advertise + " is not an address of any interface here");
        }
        return byInterface(host, advertise);
    }

    private static Underlay byInterface(NetlinkHandle host, String name) {
        Link link = host.findLink(name)
                .orElseThrow(() -> new IllegalArgumentException("--advertise " + name + ": no such interface"));
        List<LinkAddress> addresses = host.addresses(name);
        LinkAddress chosen = addresses.stream()
                .filter(a -> a.address() instanceof Inet4Address)
                .findFirst()
                .or(() -> addresses.stream()
                        .filter(a -> !a.address().isLinkLocalAddress())
                        .findFirst())
                .orElseThrow(() -> new IllegalArgumentException("interface " + name + " has no usable address"));
        return new Underlay(name, chosen.address().getHostAddress(), link.mtu());
    }

    /** The interface of the IPv4 default route, from /proc/net/route (this process's namespace). */
    static Optional<String> defaultRouteInterface() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/net/route"))) {
                String[] f = line.trim().split("\\s+");
                if (f.length > 2 && f[1].equals("00000000") && !f[0].equals("Iface")) {
                    return Optional.of(f[0]);
                }
            }
        } catch (IOException e) {
            return Optional.empty();
        }
        return Optional.empty();
    }
}
