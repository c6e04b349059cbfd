package dev.jovl.ipam.protocol;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonFormat;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Map;

/**
 * The JSON bodies of Docker's IpamDriver endpoints, field names exactly as Docker's Go structs
 * spell them (LN {@code ipams/remote/api/api.go}). Requests are read tolerantly, like Docker's own
 * decoder: unknown fields are ignored, names match case-insensitively, and a missing or null field
 * is the empty value. Responses always carry every field.
 */
public final class IpamProtocol {

    private IpamProtocol() {}

    /** The {@code RequestAddressType} value Docker sends when it asks for the gateway. */
    public static final String GATEWAY_REQUEST_TYPE = "com.docker.network.gateway";

    public static final String REQUEST_ADDRESS_TYPE = "RequestAddressType";
    /** The option carrying the endpoint's MAC when the driver said RequiresMACAddress. */
    public static final String MAC_ADDRESS_OPTION = "com.docker.network.endpoint.macaddress";
    /**
     * libnetwork's {@code ipamapi.AllocSerialPrefix}. swarmkit's allocator sets it to "true" on every
     * RequestAddress it sends (gateway, VIP, task and attachment addresses); Docker's daemon never
     * sends it on a RequestAddress. jovl reads it as "this request comes from the swarm".
     */
    public static final String SERIAL_ALLOCATION_OPTION = "com.docker.network.ipam.serial";

    /** {@code /IpamDriver.GetCapabilities} response. */
    public record CapabilitiesResponse(
            @JsonProperty("RequiresMACAddress") boolean requiresMacAddress,
            @JsonProperty("RequiresRequestReplay") boolean requiresRequestReplay) {}

    /** {@code /IpamDriver.GetDefaultAddressSpaces} response. */
    public record AddressSpacesResponse(
            @JsonProperty("LocalDefaultAddressSpace") String localDefaultAddressSpace,
            @JsonProperty("GlobalDefaultAddressSpace") String globalDefaultAddressSpace) {}

    /** {@code /IpamDriver.RequestPool} request: Pool is {@code --subnet}, SubPool {@code --ip-range}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    public record RequestPoolRequest(
            @JsonProperty("AddressSpace") String addressSpace,
            @JsonProperty("Pool") String pool,
            @JsonProperty("SubPool") String subPool,
            @JsonProperty("Options") Map<String, String> options,
            @JsonProperty("V6") Boolean v6) {
        public RequestPoolRequest {
            addressSpace = addressSpace == null ? "" : addressSpace;
            pool = pool == null ? "" : pool;
            subPool = subPool == null ? "" : subPool;
            options = options == null ? Map.of() : Map.copyOf(options);
            v6 = v6 != null && v6;
        }
    }

    /** {@code /IpamDriver.RequestPool} response. */
    public record RequestPoolResponse(
            @JsonProperty("PoolID") String poolId,
            @JsonProperty("Pool") String pool,
            @JsonProperty("Data") Map<String, String> data) {
        public RequestPoolResponse {
            data = data == null ? Map.of() : Map.copyOf(data);
        }
    }

    /** {@code /IpamDriver.ReleasePool} request. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    public record ReleasePoolRequest(@JsonProperty("PoolID") String poolId) {
        public ReleasePoolRequest {
            poolId = poolId == null ? "" : poolId;
        }
    }

    /** {@code /IpamDriver.RequestAddress} request: Address is a plain IP, or empty for "any". */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    public record RequestAddressRequest(
            @JsonProperty("PoolID") String poolId,
            @JsonProperty("Address") String address,
            @JsonProperty("Options") Map<String, String> options) {
        public RequestAddressRequest {
            poolId = poolId == null ? "" : poolId;
            address = address == null ? "" : address;
            options = options == null ? Map.of() : Map.copyOf(options);
        }

        public boolean isGateway() {
            return GATEWAY_REQUEST_TYPE.equals(options.get(REQUEST_ADDRESS_TYPE));
        }

        /** Sent by swarmkit's network allocator (see {@link #SERIAL_ALLOCATION_OPTION}). */
        public boolean isSwarmAllocation() {
            return "true".equals(options.get(SERIAL_ALLOCATION_OPTION));
        }
    }

    /** {@code /IpamDriver.RequestAddress} response: Address in CIDR form, e.g. {@code 10.10.0.2/24}. */
    public record RequestAddressResponse(
            @JsonProperty("Address") String address,
            @JsonProperty("Data") Map<String, String> data) {
        public RequestAddressResponse {
            data = data == null ? Map.of() : Map.copyOf(data);
        }
    }

    /** {@code /IpamDriver.ReleaseAddress} request: Address is a plain IP. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    @JsonFormat(with = JsonFormat.Feature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
    public record ReleaseAddressRequest(
            @JsonProperty("PoolID") String poolId,
            @JsonProperty("Address") String address) {
        public ReleaseAddressRequest {
            poolId = poolId == null ? "" : poolId;
            address = address == null ? "" : address;
        }
    }

    /** The {@code {}} answer of ReleasePool and ReleaseAddress. */
    public static final class EmptyResponse {
        public static final EmptyResponse INSTANCE = new EmptyResponse();

        private EmptyResponse() {}

        /** Makes Jackson write {@code {}} instead of refusing a bean without properties. */
        @JsonAnyGetter
        public Map<String, Object> none() {
            return Map.of();
        }

        @Override
        public String toString() {
            return "{}";
        }
    }
}
