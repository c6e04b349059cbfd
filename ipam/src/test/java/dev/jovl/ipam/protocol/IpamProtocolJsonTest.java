package dev.jovl.ipam.protocol;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jovl.ipam.protocol.IpamProtocol.AddressSpacesResponse;
import dev.jovl.ipam.protocol.IpamProtocol.CapabilitiesResponse;
import dev.jovl.ipam.protocol.IpamProtocol.EmptyResponse;
import dev.jovl.ipam.protocol.IpamProtocol.ReleaseAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.ReleasePoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestAddressResponse;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolRequest;
import dev.jovl.ipam.protocol.IpamProtocol.RequestPoolResponse;
import java.util.List;
import java.util.Map;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.Test;

/** The JSON shapes Docker sends and expects (LN ipams/remote/api/api.go), with a plain ObjectMapper. */
class IpamProtocolJsonTest {

    private final ObjectMapper json = new ObjectMapper();

    private List<String> fieldNames(Object value) throws Exception {
        JsonNode node = json.valueToTree(value);
        return StreamSupport.stream(((Iterable<String>) node::fieldNames).spliterator(), false)
                .sorted()
                .toList();
    }

    @Test
    void responsesUseDockersExactFieldNames() throws Exception {
        assertEquals(
                List.of("RequiresMACAddress", "RequiresRequestReplay"),
                fieldNames(new CapabilitiesResponse(true, false)));
        assertEquals(
                List.of("GlobalDefaultAddressSpace", "LocalDefaultAddressSpace"),
                fieldNames(new AddressSpacesResponse("l", "g")));
        assertEquals(
                List.of("Data", "Pool", "PoolID"),
                fieldNames(new RequestPoolResponse("s/10.0.0.0/24", "10.0.0.0/24", null)));
        assertEquals(List.of("Address", "Data"), fieldNames(new RequestAddressResponse("10.0.0.2/24", null)));
        assertEquals("{}", json.writeValueAsString(EmptyResponse.INSTANCE));
        assertEquals(
                "{\"PoolID\":\"s/10.0.0.0/24\",\"Pool\":\"10.0.0.0/24\",\"Data\":{}}",
                json.writeValueAsString(new RequestPoolResponse("s/10.0.0.0/24", "10.0.0.0/24", Map.of())));
        assertEquals(
                "{\"RequiresMACAddress\":true,\"RequiresRequestReplay\":false}",
                json.writeValueAsString(new CapabilitiesResponse(true, false)));
    }

    @Test
    void readsWhatDockerSends() throws Exception {
        RequestPoolRequest pool = json.readValue("""
                {"AddressSpace":"jovl-local","Pool":"10.10.0.0/24","SubPool":"10.10.0.128/25",
                 "Options":{"a":"b"},"V6":false}
                """, RequestPoolRequest.class);
        assertEquals(
                new RequestPoolRequest("jovl-local", "10.10.0.0/24", "10.10.0.128/25", Map.of("a", "b"), false), pool);
        RequestAddressRequest gw = json.readValue("""
                {"PoolID":"jovl-local/10.10.0.0/24","Address":"10.10.0.1",
                 "Options":{"RequestAddressType":"com.docker.network.gateway"}}
                """, RequestAddressRequest.class);
        assertTrue(gw.isGateway());
        assertEquals("10.10.0.1", gw.address());
        RequestAddressRequest mac = json.readValue("""
                {"PoolID":"p","Address":"","Options":{"com.docker.network.endpoint.macaddress":"aa:bb:cc:dd:ee:ff"}}
                """, RequestAddressRequest.class);
        assertFalse(mac.isGateway());
        assertEquals(new ReleasePoolRequest("x"), json.readValue("{\"PoolID\":\"x\"}", ReleasePoolRequest.class));
        assertEquals(
                new ReleaseAddressRequest("x", "10.0.0.2"),
                json.readValue("{\"PoolID\":\"x\",\"Address\":\"10.0.0.2\"}", ReleaseAddressRequest.class));
    }

    @Test
    void toleratesUnknownNullMissingAndCase() throws Exception {
        RequestPoolRequest pool = json.readValue(
                "{\"Pool\":null,\"Options\":null,\"V6\":null,\"Future\":{\"x\":1}}", RequestPoolRequest.class);
        assertEquals(new RequestPoolRequest("", "", "", Map.of(), false), pool);
        RequestAddressRequest none = json.readValue("{}", RequestAddressRequest.class);
        assertEquals("", none.poolId());
        assertEquals(Map.of(), none.options());
        assertFalse(none.isGateway());
        RequestPoolRequest lower = json.readValue("{\"pool\":\"10.0.0.0/8\",\"v6\":true}", RequestPoolRequest.class);
        assertEquals("10.0.0.0/8", lower.pool());
        assertTrue(lower.v6());
        RequestAddressRequest numberOption =
                json.readValue("{\"PoolID\":\"p\",\"Options\":{\"n\":5}}", RequestAddressRequest.class);
        assertEquals("5", numberOption.options().get("n"));
    }
}
