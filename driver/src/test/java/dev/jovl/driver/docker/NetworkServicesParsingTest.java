package dev.jovl.driver.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import dev.jovl.net.Cidr;
import dev.jovl.net.IpAddress;
import dev.jovl.overlay.services.NetworkServices;
import dev.jovl.overlay.services.VirtualService;
import java.util.List;
import org.junit.jupiter.api.Test;

/** {@code GET /networks/<id>?verbose=true} of Docker 20.10 in swarm mode, as jovl reads it. */
class NetworkServicesParsingTest {

    /** Cut from a real answer on the simulated hosts (a VIP service, a dnsrr one, an attachable container). */
    private static final String INSPECT = """
            {"Name": "swj", "Id": "tapzv3xqbhb833rzukawffs8u", "Scope": "swarm", "Driver": "jovl:latest",
             "IPAM": {"Driver": "default", "Options": null, "Config": [{"Subnet": "10.0.1.0/24", "Gateway": "10.0.1.1"}]},
             "Services": {
               "": {"VIP": "<nil>", "Ports": [], "LocalLBIndex": 0,
                    "Tasks": [{"Name": "c2", "EndpointID": "e0", "EndpointIP": "10.0.1.9", "Info": null}]},
               "vipweb": {"VIP": "10.0.1.2", "Ports": [], "LocalLBIndex": 257,
                    "Tasks": [{"Name": "vipweb.3.c4", "EndpointID": "e3", "EndpointIP": "10.0.1.5", "Info": null},
                              {"Name": "vipweb.1.zk", "EndpointID": "e1", "EndpointIP": "10.0.1.3", "Info": null},
                              {"Name": "vipweb.2.b9", "EndpointID": "e2", "EndpointIP": "10.0.1.4", "Info": null}]},
               "web": {"VIP": "<nil>", "Ports": [], "LocalLBIndex": 256,
                    "Tasks": [{"Name": "web.2.vv", "EndpointID": "e5", "EndpointIP": "10.0.1.8", "Info": null}]}}}
            """;

    @Test
    void vipServicesAreReadWithEveryTaskAndDnsrrOnesAreLeftOut() throws Exception {
        NetworkServices s = DockerEngineClient.services(DockerEngineClient.JSON.readTree(INSPECT));
        assertEquals(List.of(Cidr.parse("10.0.1.0/24")), s.subnets());
        assertEquals(
                List.of(new VirtualService(
                        "vipweb",
                        IpAddress.parse("10.0.1.2"),
                        List.of(
                                IpAddress.parse("10.0.1.3"),
                                IpAddress.parse("10.0.1.4"),
                                IpAddress.parse("10.0.1.5")))),
                s.services());
    }

    @Test
    void aNetworkNotInUseHereHasNoServicesField() throws Exception {
        NetworkServices s = DockerEngineClient.services(DockerEngineClient.JSON.readTree(
                "{\"Name\": \"swj\", \"IPAM\": {\"Config\": [{\"Subnet\": \"10.0.1.0/24\"}]}, \"Containers\": null}"));
        assertEquals(List.of(), s.services());
    }

    @Test
    void aVipWithAPrefixIpv6AndGarbageAreHandled() throws Exception {
        NetworkServices s = DockerEngineClient.services(DockerEngineClient.JSON.readTree("""
                {"IPAM": {"Config": [{"Subnet": "10.0.1.0/24"}, {"Subnet": "fd00::/64"}, {"Subnet": "junk"}]},
                 "Services": {"a": {"VIP": "10.0.1.2/24", "Tasks": [{"EndpointIP": "10.0.1.3"}, {"EndpointIP": "fd00::3"},
                                                                     {"EndpointIP": ""}, {}]},
                              "b": {"VIP": "fd00::2", "Tasks": []},
                              "c": {"VIP": "not an address"}}}
                """));
        assertEquals(List.of(Cidr.parse("10.0.1.0/24")), s.subnets());
        assertEquals(
                List.of(new VirtualService("a", IpAddress.parse("10.0.1.2"), List.of(IpAddress.parse("10.0.1.3")))),
                s.services());
    }
}
