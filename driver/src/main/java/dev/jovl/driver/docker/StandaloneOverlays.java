package dev.jovl.driver.docker;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import dev.jovl.kvstore.KeyValue;
import dev.jovl.kvstore.Op;
import dev.jovl.kvstore.RecordJson;
import dev.jovl.kvstore.Store;
import dev.jovl.kvstore.Txn;
import dev.jovl.net.LogText;
import dev.jovl.overlay.state.StoreLayout;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Standalone mode ({@code --scope local}): every host runs {@code docker network create} itself
 * and gets its own network id; this joins those networks into one overlay by name.
 *
 * <p>The overlay name is {@code -o jovl.network=NAME} if given (known at {@code CreateNetwork},
 * so a mismatch is refused right there), else the Docker network's name, which Docker does not
 * pass to the driver and does not know itself until {@code CreateNetwork} has returned. It is
 * then looked up over the Engine API in the background right after {@code CreateNetwork}, and
 * at the latest by {@link #overlayFor} from {@code CreateEndpoint}, which fails with the
 * mismatch if there is one.
 *
 * <p>Store layout (every write a create-if-absent or compare-and-set, so racing hosts agree):
 * <pre>
 * jovl/v1/overlays/&lt;name&gt;                  {@link Overlay}: spec, member hosts and their network ids
 * jovl/v1/local-networks/&lt;host&gt;/&lt;netid&gt;   this host's Docker network: spec and overlay name once bound
 * </pre>
 * The local-network record outlives a restart of jovl (Docker never replays CreateNetwork).
 * The overlay record goes when the last member host deletes its network. The overlay's data
 * plane (VNI, endpoints) is the driver's ordinary network keyed by {@link #overlayId(String)},
 * the same on every host.
 */
public final class StandaloneOverlays implements ContainerNamePublisher.OverlayLookup, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(StandaloneOverlays.class);
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]{0,127}");
    private static final int MAX_ATTEMPTS = 20;
    /** How long the background lookup waits for Docker to know a new network. */
    private static final List<Duration> LOOKUP_DELAYS = List.of(
            Duration.ofMillis(20),
            Duration.ofMillis(50),
            Duration.ofMillis(100),
            Duration.ofMillis(200),
            Duration.ofMillis(500),
            Duration.ofSeconds(1),
            Duration.ofSeconds(2),
            Duration.ofSeconds(5),
            Duration.ofSeconds(10),
            Duration.ofSeconds(30));

    /** This host's Docker network, as kept under {@code jovl/v1/local-networks/<host>/<id>}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    public record LocalNetwork(String networkId, NetworkSpec spec, String overlay) {}

    private final Store store;
    private final DockerEngineClient docker;
    private final String host;
    private final Map<String, String> bound = new ConcurrentHashMap<>();
    private final Map<String, String> failures = new ConcurrentHashMap<>();
    private final Map<String, Thread> pending = new ConcurrentHashMap<>();
    private volatile java.util.function.BiConsumer<String, String> onJoined = (networkId, name) -> {};
    private volatile boolean closed;

    public StandaloneOverlays(Store store, DockerEngineClient docker, String host) {
        this.store = store;
        this.docker = docker;
        this.host = requireName("host id", host);
    }

    public static String overlayKey(String name) {
        return StoreLayout.overlay(name);
    }

    /**
     * The id under which the driver keeps overlay {@code name} (network record, VNI claim,
     * endpoints): derived from the name alone, so every host computes the same one, and shaped
     * like a Docker network id (64 hex digits).
     */
    public static String overlayId(String name) {
        try {
            byte[] digest = java.security.MessageDigest.getInstance("SHA-256")
                    .digest(("jovl-overlay/" + name).getBytes(StandardCharsets.UTF_8));
            return java.util.HexFormat.of().formatHex(digest);
        } catch (java.security.NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }

    public String localKey(String networkId) {
        return StoreLayout.localNetwork(host, networkId);
    }

    /**
     * From {@code CreateNetwork}: records the network and, with {@code -o jovl.network}, joins
     * its overlay now; otherwise starts the background lookup of its name. Idempotent.
     *
     * @return the overlay name if the network joined it now ({@code -o jovl.network}), else empty
     * @throws StandaloneNetworkException the overlay exists with another spec; nothing is written then
     * @throws IllegalArgumentException   malformed id or name
     */
    public Optional<String> networkCreated(String networkId, NetworkSpec spec) {
        requireName("network id", networkId);
        spec.explicitOverlayName().ifPresent(n -> requireName("jovl.network", n));
        Optional<LocalNetwork> existing = local(networkId);
        if (existing.isPresent() && !existing.get().spec().equals(spec)) {
            throw new StandaloneNetworkException("network " + networkId + " was already created with other settings; "
                    + String.join("; ", existing.get().spec().differencesFrom(spec)));
        }
        if (spec.explicitOverlayName().isPresent()) {
            join(networkId, spec, spec.explicitOverlayName().get());
            return spec.explicitOverlayName();
        }
        if (existing.isEmpty()) {
            store.put(localKey(networkId), encode(new LocalNetwork(networkId, spec, null)));
        } else if (existing.get().overlay() != null) {
            bound.put(networkId, existing.get().overlay());
            return Optional.of(existing.get().overlay());
        }
        lookUpInBackground(networkId);
        return Optional.empty();
    }

    /**
     * The overlay of this host's Docker network {@code networkId}, joining it now if that has not
     * happened yet (for {@code CreateEndpoint} and {@code Join}, when Docker knows the network).
     *
     * @throws StandaloneNetworkException unknown network, name not known to Docker, or a mismatch
     */
    public Overlay overlayFor(String networkId) {
        LocalNetwork local = local(networkId)
                .orElseThrow(() -> new StandaloneNetworkException("network " + networkId
                        + " is not a jovl network of this host (CreateNetwork never reached jovl)"));
        String name = local.overlay();
        if (name == null) {
            name = dockerName(networkId)
                    .orElseThrow(() -> new StandaloneNetworkException(
                            "Docker does not know network " + networkId + " yet; cannot find its name"));
            join(networkId, local.spec(), name);
        }
        Optional<KeyValue> kv = store.get(overlayKey(name));
        if (kv.isEmpty()) {
            // bound once, but the overlay record is gone (removed by hand?): create it again
            join(networkId, local.spec(), name);
            kv = store.get(overlayKey(name));
        }
        return decode(
                kv.orElseThrow(() -> new StandaloneNetworkException("overlay " + networkId + " vanished"))
                        .value(),
                Overlay.class);
    }

    /**
     * The overlay name of {@code networkId} if it is a jovl network of this host that has joined
     * its overlay; no Docker call (for the name publisher, on every container event).
     */
    @Override
    public Optional<String> overlayOf(String networkId) {
        String name = bound.get(networkId);
        if (name != null) {
            return Optional.of(name);
        }
        Optional<String> stored = local(networkId).map(LocalNetwork::overlay);
        stored.ifPresent(n -> bound.put(networkId, n));
        return stored;
    }

    /**
     * Called (network id, overlay name) each time a network of this host newly joins its overlay,
     * also from the background lookup.
     */
    public void onJoined(java.util.function.BiConsumer<String, String> listener) {
        this.onJoined = listener;
    }

    /** Why the background lookup could not join {@code networkId}, if it failed. */
    public Optional<String> failure(String networkId) {
        return Optional.ofNullable(failures.get(networkId));
    }

    /**
     * From {@code DeleteNetwork}: leaves the overlay (removing its record when this was the last
     * host) and forgets the network. Idempotent.
     *
     * @return the overlay's name if this host was its last member (the caller then removes the
     *         overlay's data plane records), else empty
     */
    public Optional<String> networkDeleted(String networkId) {
        Thread lookup = pending.remove(networkId);
        if (lookup != null) {
            lookup.interrupt();
        }
        return retried("could not leave the overlay of network " + networkId, () -> {
            Optional<KeyValue> localKv = store.get(localKey(networkId));
            if (localKv.isEmpty()) {
                bound.remove(networkId);
                failures.remove(networkId);
                return Optional.empty();
            }
            LocalNetwork local = decode(localKv.get().value(), LocalNetwork.class);
            Txn.Builder txn = Txn.builder()
                    .add(Op.deleteIfVersion(localKey(networkId), localKv.get().version()));
            boolean last = false;
            if (local.overlay() != null) {
                Optional<KeyValue> overlayKv = store.get(overlayKey(local.overlay()));
                if (overlayKv.isPresent()) {
                    Overlay overlay = decode(overlayKv.get().value(), Overlay.class);
                    if (networkId.equals(overlay.members().get(host))) {
                        Overlay left = overlay.withoutMember(host);
                        if (left.members().isEmpty()) {
                            txn.add(Op.deleteIfVersion(
                                    overlayKey(overlay.name()), overlayKv.get().version()));
                            last = true;
                        } else {
                            txn.add(Op.compareAndSet(
                                    overlayKey(overlay.name()), overlayKv.get().version(), encode(left)));
                        }
                    }
                }
            }
            store.commit(txn.build()); // a conflict: another host changed the overlay meanwhile, read again
            bound.remove(networkId);
            failures.remove(networkId);
            log.info(
                    "network {} left overlay {}{}",
                    networkId,
                    LogText.escape(local.overlay()),
                    last ? " (its last host)" : "");
            return last ? Optional.of(local.overlay()) : Optional.empty();
        });
    }

    /** Runs a read-decide-write step again while it loses races; {@code failure} says what gave up. */
    private static <T> T retried(String failure, java.util.function.Supplier<T> step) {
        try {
            return new dev.jovl.kvstore.retry.StoreRetry(MAX_ATTEMPTS).call(step);
        } catch (dev.jovl.kvstore.retry.StoreRetry.GaveUp e) {
            throw new StandaloneNetworkException(failure + ": too much contention", e);
        }
    }

    /**
     * Forgets this host's networks that Docker no longer knows (deleted while jovl was down, when
     * Docker's DeleteNetwork only logged its failure). Call once Docker is reachable.
     */
    public void dropNetworksDockerForgot() throws DockerApiException {
        for (KeyValue kv : store.list(StoreLayout.localNetworksOf(host)).entries()) {
            String networkId = kv.key().substring(kv.key().lastIndexOf('/') + 1);
            if (docker.inspectNetwork(networkId).isEmpty()) {
                log.info("Docker no longer knows network {}: leaving its overlay", networkId);
                networkDeleted(networkId);
            }
        }
    }

    private void lookUpInBackground(String networkId) {
        pending.computeIfAbsent(
                networkId,
                id -> Thread.ofVirtual()
                        .name("jovl-name-lookup-" + id.substring(0, Math.min(12, id.length())))
                        .start(() -> {
                            try {
                                for (Duration delay : LOOKUP_DELAYS) {
                                    Thread.sleep(delay);
                                    if (closed
                                            || local(id).isEmpty()
                                            || overlayOf(id).isPresent()) {
                                        return;
                                    }
                                    Optional<DockerNetwork> network;
                                    try {
                                        network = docker.inspectNetwork(id);
                                    } catch (DockerApiException e) {
                                        log.debug("network {}: Docker not reachable yet: {}", id, e.getMessage());
                                        continue;
                                    }
                                    try {
                                        if (network.isPresent()) {
                                            join(
                                                    id,
                                                    local(id).orElseThrow().spec(),
                                                    requireName(
                                                            "Docker network name",
                                                            network.get().name()));
                                            return;
                                        }
                                    } catch (StandaloneNetworkException | IllegalArgumentException e) {
                                        failures.put(id, e.getMessage());
                                        log.error("network {}: {}", id, e.getMessage());
                                        return;
                                    } catch (RuntimeException e) {
                                        log.warn(
                                                "network {}: joining its overlay failed, will retry: {}",
                                                id,
                                                e.toString());
                                    }
                                }
                                log.warn(
                                        "Docker did not report the name of network {}; it joins its overlay at its first container",
                                        id);
                            } catch (InterruptedException e) {
                                // network deleted or shutting down
                            } finally {
                                pending.remove(id);
                            }
                        }));
    }

    private Optional<String> dockerName(String networkId) {
        try {
            return docker.inspectNetwork(networkId)
                    .map(DockerNetwork::name)
                    .map(n -> requireName("Docker network name", n));
        } catch (DockerApiException e) {
            throw new StandaloneNetworkException(
                    "cannot ask Docker for the name of network " + networkId + " (" + docker.socket() + "): "
                            + e.getMessage(),
                    e);
        }
    }

    /** Joins (or creates) overlay {@code name} for this host's network {@code networkId}. */
    private void join(String networkId, NetworkSpec spec, String name) {
        retried("could not join overlay " + name, () -> {
            Optional<KeyValue> overlayKv = store.get(overlayKey(name));
            Optional<KeyValue> localKv = store.get(localKey(networkId));
            Op localOp = localKv.isEmpty()
                    ? Op.create(localKey(networkId), encode(new LocalNetwork(networkId, spec, name)))
                    : Op.compareAndSet(
                            localKey(networkId),
                            localKv.get().version(),
                            encode(new LocalNetwork(networkId, spec, name)));
            if (localKv.isPresent()) {
                LocalNetwork local = decode(localKv.get().value(), LocalNetwork.class);
                if (local.overlay() != null && !local.overlay().equals(name)) {
                    throw new StandaloneNetworkException(
                            "network " + networkId + " already belongs to overlay " + local.overlay());
                }
            }
            Txn txn;
            if (overlayKv.isEmpty()) {
                Overlay created = new Overlay(name, spec, Map.of(host, networkId));
                txn = Txn.of(Op.create(overlayKey(name), encode(created)), localOp);
            } else {
                Overlay overlay = decode(overlayKv.get().value(), Overlay.class);
                List<String> diffs = spec.differencesFrom(overlay.spec());
                if (!diffs.isEmpty()) {
                    throw new StandaloneNetworkException(
                            "network " + name + " differs from the same network on "
                                    + String.join(", ", overlay.members().keySet()) + ": " + String.join("; ", diffs)
                                    + ". Create it with the same --subnet, --gateway, --ip-range, -o options and flags on every host.");
                }
                String other = overlay.members().get(host);
                if (other != null && !other.equals(networkId)) {
                    throw new StandaloneNetworkException("overlay " + name + " is already joined by Docker network "
                            + other + " on this host; one Docker network per overlay and host");
                }
                if (other != null
                        && localKv.isPresent()
                        && name.equals(decode(localKv.get().value(), LocalNetwork.class)
                                .overlay())) {
                    bound.put(networkId, name);
                    return null; // already joined: a resent request
                }
                txn = Txn.of(
                        Op.compareAndSet(
                                overlayKey(name),
                                overlayKv.get().version(),
                                encode(overlay.withMember(host, networkId))),
                        localOp);
            }
            store.commit(txn); // a conflict: another host created or joined the overlay meanwhile, read again
            bound.put(networkId, name);
            failures.remove(networkId);
            log.info("network {} joined overlay {}", networkId, LogText.escape(name));
            onJoined.accept(networkId, name);
            return null;
        });
    }

    private Optional<LocalNetwork> local(String networkId) {
        return store.get(localKey(networkId)).map(kv -> decode(kv.value(), LocalNetwork.class));
    }

    private static String requireName(String what, String value) {
        if (value == null || !NAME.matcher(value).matches()) {
            throw new IllegalArgumentException("bad " + what + ": '" + value + "'");
        }
        return value;
    }

    private static byte[] encode(Object value) {
        return RecordJson.write(value);
    }

    private static <T> T decode(byte[] value, Class<T> type) {
        try {
            return RecordJson.read(value, type, type.getSimpleName());
        } catch (UncheckedIOException e) {
            throw new StandaloneNetworkException(
                    "unreadable " + type.getSimpleName() + " record in the store: " + e.getMessage(), e);
        }
    }

    @Override
    public void close() {
        closed = true;
        pending.values().forEach(Thread::interrupt);
    }
}
