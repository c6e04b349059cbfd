package dev.jovl.driver.docker;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.jovl.net.Cidr;
import dev.jovl.net.Family;
import dev.jovl.net.IpAddress;
import dev.jovl.overlay.services.NetworkServices;
import dev.jovl.overlay.services.VirtualService;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * A small client for the Docker Engine API on its Unix socket: the few calls jovl needs to learn
 * network names and container names. Unversioned paths, so it works with any daemon version.
 *
 * <p>Never call it from inside {@code CreateNetwork}: Docker stores the network only after the
 * driver returns, so the lookup would not find it (and Docker would wait on jovl meanwhile).
 */
public final class DockerEngineClient implements AutoCloseable {

    public static final Path DEFAULT_SOCKET = Path.of("/var/run/docker.sock");
    /** Docker ids and names: what may be put into a request path unescaped. */
    private static final Pattern ID_OR_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,254}");

    private static final Duration STREAM_HEADER_TIMEOUT = Duration.ofSeconds(10);

    static final ObjectMapper JSON = new ObjectMapper();

    private final Path socket;
    private final Duration timeout;

    /**
     * @param socket  Docker's API socket, usually {@link #DEFAULT_SOCKET}
     * @param timeout for each request (not for the event stream, which runs until closed)
     */
    public DockerEngineClient(Path socket, Duration timeout) {
        this.socket = socket;
        this.timeout = timeout;
    }

    public Path socket() {
        return socket;
    }

    /** The daemon's API version ({@code GET /version}); a cheap reachability check. */
    public String apiVersion() throws DockerApiException {
        return getJson("/version")
                .orElseThrow(() -> new DockerApiException(404, "no /version"))
                .path("ApiVersion")
                .asText();
    }

    /** {@code GET /networks/<idOrName>}; empty if Docker does not know it. */
    public Optional<DockerNetwork> inspectNetwork(String idOrName) throws DockerApiException {
        return getJson("/networks/" + checked(idOrName)).map(DockerEngineClient::network);
    }

    /** {@code GET /info}: the version, the cluster store and the swarm state. */
    public DockerFacts facts() throws DockerApiException {
        JsonNode info = getJson("/info").orElseThrow(() -> new DockerApiException(404, "no /info"));
        return new DockerFacts(
                info.path("ServerVersion").asText(""),
                text(info, "ClusterStore"),
                info.path("Swarm").path("LocalNodeState").asText("inactive"));
    }

    /**
     * The VIP services of a network as this node's Docker knows them ({@code GET
     * /networks/<id>?verbose=true}, its {@code Services}: swarm's service table for the network,
     * every node's tasks included, on any node where the network is in use); empty if Docker does
     * not know the network here.
     */
    public Optional<NetworkServices> networkServices(String id) throws DockerApiException {
        return getJson("/networks/" + checked(id) + "?verbose=true").map(DockerEngineClient::services);
    }

    /** {@code GET /containers/<idOrName>/json}; empty if Docker does not know it (removed). */
    public Optional<DockerContainer> inspectContainer(String idOrName) throws DockerApiException {
        return getJson("/containers/" + checked(idOrName) + "/json").map(DockerEngineClient::container);
    }

    /** The ids of the running containers ({@code GET /containers/json}). */
    public List<String> runningContainerIds() throws DockerApiException {
        JsonNode list =
                getJson("/containers/json").orElseThrow(() -> new DockerApiException(404, "no /containers/json"));
        List<String> ids = new ArrayList<>();
        for (JsonNode c : list) {
            ids.add(c.path("Id").asText());
        }
        return ids;
    }

    /**
     * Container start/die/destroy and network connect/disconnect events, as a stream whose
     * {@link DockerEventStream#session} the caller runs as a supervised loop (it reconnects by
     * being run again).
     */
    public DockerEventStream watchEvents(DockerEventListener listener) {
        String filters = "{\"type\":[\"container\",\"network\"],"
                + "\"event\":[\"start\",\"die\",\"destroy\",\"connect\",\"disconnect\"]}";
        return new DockerEventStream(
                this, "/events?filters=" + URLEncoder.encode(filters, StandardCharsets.UTF_8), listener);
    }

    /**
     * Opens the event stream once, on a connection of its own: the caller reads its lines with
     * {@link UnixHttpClient#readLine()} until they end, and closes it.
     */
    UnixHttpClient openStream(String target) throws DockerApiException {
        UnixHttpClient http = connect(target);
        try {
            int status = http.stream(target);
            if (status != 200) {
                throw new DockerApiException(
                        status, "GET " + target + ": " + status + " " + errorMessage(readAll(http)));
            }
            return http;
        } catch (DockerApiException e) {
            http.close();
            throw e;
        } catch (IOException e) {
            http.close();
            throw failed(target, e);
        }
    }

    private static String readAll(UnixHttpClient http) throws IOException {
        StringBuilder body = new StringBuilder();
        for (String line = http.readLine(); line != null && body.length() < 4096; line = http.readLine()) {
            body.append(line);
        }
        return body.toString();
    }

    private Optional<JsonNode> getJson(String target) throws DockerApiException {
        // one connection per request: Docker's socket is local and cheap to dial
        try (UnixHttpClient http = connect(target)) {
            UnixHttpClient.Response response = http.get(target);
            if (response.status() == 404) {
                return Optional.empty();
            }
            if (response.status() != 200) {
                throw new DockerApiException(
                        response.status(),
                        "GET " + target + ": " + response.status() + " " + errorMessage(response.body()));
            }
            return Optional.of(JSON.readTree(response.body()));
        } catch (DockerApiException e) {
            throw e;
        } catch (IOException e) {
            throw failed(target, e);
        }
    }

    private UnixHttpClient connect(String target) throws DockerApiException {
        try {
            return UnixHttpClient.connect(socket, timeout);
        } catch (IOException e) {
            throw failed(target, e);
        }
    }

    private DockerApiException failed(String target, IOException e) {
        return new DockerApiException("GET " + target + " on " + socket + " failed: " + e.getMessage(), e);
    }

    /** Docker's error body is {@code {"message": "..."}}. */
    private static String errorMessage(String body) {
        try {
            JsonNode node = JSON.readTree(body);
            return node != null && node.has("message") ? node.get("message").asText() : body;
        } catch (IOException e) {
            return body;
        }
    }

    private static String checked(String idOrName) {
        if (idOrName == null || !ID_OR_NAME.matcher(idOrName).matches()) {
            throw new IllegalArgumentException("not a Docker id or name: " + idOrName);
        }
        return idOrName;
    }

    static DockerNetwork network(JsonNode n) {
        List<DockerNetwork.IpamConfig> ipam = new ArrayList<>();
        for (JsonNode c : n.path("IPAM").path("Config")) {
            ipam.add(new DockerNetwork.IpamConfig(text(c, "Subnet"), text(c, "Gateway"), text(c, "IPRange")));
        }
        return new DockerNetwork(
                n.path("Id").asText(),
                n.path("Name").asText(),
                n.path("Driver").asText(),
                n.path("Scope").asText(),
                n.path("Internal").asBoolean(),
                n.path("EnableIPv6").asBoolean(),
                stringMap(n.path("Options")),
                ipam,
                stringMap(n.path("Labels")));
    }

    /**
     * The {@code Services} of a verbose network inspect: {@code {"name": {"VIP": "10.0.1.2",
     * "Tasks": [{"EndpointIP": "10.0.1.3", ...}]}}}. A dnsrr service has the VIP {@code "<nil>"}
     * and is left out, as are IPv6 VIPs and anything that is not an address; the subnets are
     * the IPv4 ones of {@code IPAM.Config}.
     */
    static NetworkServices services(JsonNode n) {
        List<Cidr> subnets = new ArrayList<>();
        for (JsonNode c : n.path("IPAM").path("Config")) {
            String subnet = text(c, "Subnet");
            if (subnet != null && subnet.indexOf(':') < 0) {
                try {
                    subnets.add(Cidr.parse(subnet));
                } catch (IllegalArgumentException e) {
                    // not ours to judge: Docker accepted it; a VIP outside every subnet is reported later
                }
            }
        }
        List<VirtualService> services = new ArrayList<>();
        for (Map.Entry<String, JsonNode> e : n.path("Services").properties()) {
            IpAddress vip = ipv4(text(e.getValue(), "VIP"));
            if (vip == null || e.getKey().isEmpty()) {
                continue;
            }
            List<IpAddress> tasks = new ArrayList<>();
            for (JsonNode t : e.getValue().path("Tasks")) {
                IpAddress ip = ipv4(text(t, "EndpointIP"));
                if (ip != null) {
                    tasks.add(ip);
                }
            }
            services.add(new VirtualService(e.getKey(), vip, tasks));
        }
        return new NetworkServices(subnets, services);
    }

    /** An IPv4 address, with or without a prefix; null for "<nil>", IPv6 or anything else. */
    private static IpAddress ipv4(String text) {
        if (text == null) {
            return null;
        }
        int slash = text.indexOf('/');
        try {
            IpAddress ip = IpAddress.parse(slash < 0 ? text : text.substring(0, slash));
            return ip.family() == Family.V4 ? ip : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }

    static DockerContainer container(JsonNode c) {
        Map<String, DockerContainer.Attachment> networks = new LinkedHashMap<>();
        var fields = c.path("NetworkSettings").path("Networks").properties();
        for (Map.Entry<String, JsonNode> e : fields) {
            JsonNode a = e.getValue();
            List<String> aliases = new ArrayList<>();
            for (JsonNode alias : a.path("Aliases")) {
                aliases.add(alias.asText());
            }
            networks.put(
                    e.getKey(),
                    new DockerContainer.Attachment(
                            e.getKey(),
                            text(a, "NetworkID"),
                            text(a, "EndpointID"),
                            text(a, "IPAddress"),
                            text(a, "GlobalIPv6Address"),
                            aliases));
        }
        String name = c.path("Name").asText();
        return new DockerContainer(
                c.path("Id").asText(),
                name.startsWith("/") ? name.substring(1) : name,
                c.path("State").path("Running").asBoolean(),
                networks);
    }

    static DockerEvent event(JsonNode e) {
        JsonNode actor = e.path("Actor");
        return new DockerEvent(
                e.path("Type").asText(),
                e.path("Action").asText(),
                actor.path("ID").asText(),
                stringMap(actor.path("Attributes")),
                e.path("timeNano").asLong());
    }

    /** A JSON string field; empty strings and nulls (Docker's "not set") become {@code null}. */
    private static String text(JsonNode node, String field) {
        JsonNode v = node.get(field);
        return v == null || v.isNull() || v.asText().isEmpty() ? null : v.asText();
    }

    private static Map<String, String> stringMap(JsonNode node) {
        Map<String, String> map = new HashMap<>();
        if (node != null && node.isObject()) {
            for (Map.Entry<String, JsonNode> e : node.properties()) {
                map.put(e.getKey(), e.getValue().asText());
            }
        }
        return map;
    }

    @Override
    public void close() {
        // nothing held open: each request has its own connection
    }
}
