package dev.jovl.driver.dns;

import java.net.InetAddress;

/**
 * Who may use the DNS responder. jovl answers and forwards only for the containers of its own
 * host, never for the underlay or the internet (an open resolver amplifies: 17x to 142x). Every
 * other source gets REFUSED, over UDP and TCP alike, and nothing is forwarded for it.
 */
@FunctionalInterface
public interface DnsClients {

    boolean allows(InetAddress source);

    /** Loopback and this host's own addresses only (tests, and a responder on loopback). */
    static DnsClients thisHostOnly() {
        return UpstreamServers::isLocal;
    }
}
