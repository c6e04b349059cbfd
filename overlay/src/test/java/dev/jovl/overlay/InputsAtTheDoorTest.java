package dev.jovl.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Stores;
import dev.jovl.overlay.state.AddressPool;
import dev.jovl.overlay.testing.CoreHost;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * What the overlay refuses before it writes anything, so that no host ever has to program a
 * record it cannot: malformed or scoped addresses, pools that are no subnet, endpoint addresses
 * outside the network's pools or that no interface can own, unusable MACs.
 */
class InputsAtTheDoorTest {

    @ParameterizedTest
    @ValueSource(
            strings = {
                "10/8",
                "010.0.0.0/8",
                "10.0.0.1/24",
                "0.0.0.0/0",
                "10.0.0.0/+24",
                "10.0.0.0/2\u0664",
                "fd00::/129",
                "10.0.0.0"
            })
    void aPoolThatIsNoProperSubnetIsRefused(String pool) {
        assertThrows(OverlayException.Invalid.class, () -> Inputs.pool("s", pool, null, null, "IPv4Data[0]", false));
    }

    @Test
    void gatewayAndAuxAddressesMustLieInThePool() {
        AddressPool ok =
                Inputs.pool("s", "10.1.0.0/24", "10.1.0.1/24", Map.of("r", "10.1.0.254/24"), "IPv4Data[0]", false);
        assertEquals("10.1.0.1/24", ok.gateway());
        OverlayException e = assertThrows(
                OverlayException.Invalid.class,
                () -> Inputs.pool("s", "10.1.0.0/24", "10.2.0.1/24", null, "IPv4Data[0]", false));
        assertTrue(e.getMessage().contains("outside the pool"), e.getMessage());
        assertThrows(
                OverlayException.Invalid.class,
                () -> Inputs.pool("s", "10.1.0.0/24", null, Map.of("r", "10.9.0.1/24"), "IPv4Data[0]", false));
        assertThrows(OverlayException.Invalid.class, () -> Inputs.pool("s", "::/0", null, null, "IPv6Data[0]", true));
    }

    @ParameterizedTest
    @CsvSource(
            delimiter = '|',
            value = {
                "10.1.0.7/24|fe80::1%eth0/64|",
                "10.2.0.7/24||",
                "224.0.0.5/24||",
                "127.0.0.1/8||",
                "0.0.0.0/24||",
                "192.0.2.1/24||",
                "10.1.0.7/24||00:00:00:00:00:00",
                "10.1.0.7/24||01:00:5e:00:00:01",
                "10.1.0.7/24|fd99::7/64|",
            })
    void anEndpointThatCannotBeProgrammedIsRefusedAndNothingIsWritten(
            String ipv4, String ipv6, String mac, @TempDir Path dir) {
        try (Store store = Stores.open("file:" + dir.resolve("s"));
                CoreHost h = new CoreHost(store, "192.0.2.1", dir.resolve("h"), new VniRange(5000, 5009))) {
            NetworkId net = new NetworkId("a".repeat(64));
            h.overlay.createNetwork(
                    net,
                    NetworkOptions.of(Map.of(), false),
                    List.of(
                            new AddressPool("s", "10.1.0.0/24", null, Map.of()),
                            new AddressPool("s", "192.0.2.0/24", null, Map.of())),
                    List.of(new AddressPool("s", "fd00::/64", null, Map.of())));
            EndpointId ep = new EndpointId("e".repeat(64));
            assertThrows(
                    OverlayException.Invalid.class,
                    () -> h.overlay.createEndpoint(net, ep, EndpointAddresses.checked(ipv4, ipv6, mac, "Interface.")));
            assertTrue(h.state.endpoint(net.value(), ep.value()).isEmpty());
            // and the same endpoint with good values goes in
            h.overlay.createEndpoint(
                    net, ep, EndpointAddresses.checked("10.1.0.7/24", "fd00::7/64", null, "Interface."));
            assertEquals(
                    "fd00::7/64",
                    h.state
                            .endpoint(net.value(), ep.value())
                            .orElseThrow()
                            .value()
                            .ipv6());
        }
    }
}
