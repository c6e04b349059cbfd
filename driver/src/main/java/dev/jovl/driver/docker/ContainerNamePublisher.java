package dev.jovl.driver.docker;

import dev.jovl.driver.dns.NameRecord;
import dev.jovl.driver.dns.NameRegistry;
import dev.jovl.kvstore.Lease;
import dev.jovl.net.LogText;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Learns the names of this host's containers on jovl networks from Docker (its event stream and,
 * after every (re)connect, a full listing) and keeps this host's records in the
 * {@link NameRegistry} equal to them: written when a container starts or joins a network,
 * removed when it stops, leaves or is removed.
 *
 * <p>Each event is handled by inspecting the container again rather than trusting the event's
 * content: events can arrive late or twice, the inspection says how things are now, and so
 * handling is idempotent. The records are bound to the host's lease.
 */
public final class ContainerNamePublisher implements DockerEventListener {

    /** Which Docker networks are jovl overlays, and their overlay names. */
    @FunctionalInterface
    public interface OverlayLookup {
        /** The overlay name of Docker network {@code networkId}, or empty if it is not jovl's. */
        Optional<String> overlayOf(String networkId);
    }

    private static final Logger log = LoggerFactory.getLogger(ContainerNamePublisher.class);

    private final DockerEngineClient docker;
    private final NameRegistry registry;
    private final OverlayLookup overlays;
    private final String host;
    private final Supplier<Lease> lease;
    /** What this host has in the store, by store key: the state the next change is compared to. */
    private final Map<String, NameRecord> published = new HashMap<>();

    public ContainerNamePublisher(
            DockerEngineClient docker,
            NameRegistry registry,
            OverlayLookup overlays,
            String host,
            Supplier<Lease> lease) {
        this.docker = docker;
        this.registry = registry;
        this.overlays = overlays;
        this.host = host;
        this.lease = lease;
    }

    @Override
    public void onConnected() {
        try {
            resync();
        } catch (DockerApiException e) {
            log.warn("listing Docker containers for names failed: {}", e.getMessage());
        }
    }

    @Override
    public void onEvent(DockerEvent event) {
        String containerId = event.containerId();
        if (containerId == null || containerId.isEmpty()) {
            return;
        }
        try {
            syncContainer(containerId);
        } catch (DockerApiException e) {
            log.warn(
                    "inspecting container {} after {} {} failed: {}",
                    containerId,
                    event.type(),
                    event.action(),
                    e.getMessage());
        }
    }

    /**
     * Makes this host's records equal to its running containers: writes missing or changed ones
     * (with the current lease, so this also re-binds them after a lease was lost), deletes the
     * rest. Call after reconnecting to Docker or to the store.
     */
    public synchronized void resync() throws DockerApiException {
        Map<String, NameRecord> desired = new HashMap<>();
        for (String id : docker.runningContainerIds()) {
            docker.inspectContainer(id).ifPresent(c -> desired.putAll(recordsOf(c)));
        }
        published.clear();
        for (NameRecord record : registry.listHost(host)) {
            published.put(NameRegistry.key(record), record);
        }
        apply(published.keySet().stream().toList(), desired, true);
    }

    /** Brings the records of one container in line with what Docker says about it now. */
    public synchronized void syncContainer(String containerId) throws DockerApiException {
        Map<String, NameRecord> desired =
                docker.inspectContainer(containerId).map(this::recordsOf).orElse(Map.of());
        List<String> mine = published.entrySet().stream()
                .filter(e -> e.getValue().containerId().equals(containerId))
                .map(Map.Entry::getKey)
                .toList();
        apply(mine, desired, false);
    }

    /** The records this host has written, by key (a copy, for status output and tests). */
    public synchronized Map<String, NameRecord> published() {
        return Map.copyOf(published);
    }

    private void apply(List<String> current, Map<String, NameRecord> desired, boolean rewriteAll) {
        for (String key : current) {
            if (!desired.containsKey(key)) {
                NameRecord gone = published.remove(key);
                registry.remove(gone.overlay(), gone.endpointId());
                log.info(
                        "name {} on {} removed (endpoint {})",
                        LogText.escape(gone.name()),
                        LogText.escape(gone.overlay()),
                        gone.endpointId());
            }
        }
        for (Map.Entry<String, NameRecord> e : desired.entrySet()) {
            NameRecord before = published.get(e.getKey());
            if (rewriteAll || !e.getValue().equals(before)) {
                registry.publish(e.getValue(), lease.get());
                published.put(e.getKey(), e.getValue());
                if (!e.getValue().equals(before)) {
                    log.info(
                            "name {} on {} -> {} (endpoint {})",
                            LogText.escape(e.getValue().name()),
                            LogText.escape(e.getValue().overlay()),
                            e.getValue().ipv4() != null
                                    ? e.getValue().ipv4()
                                    : e.getValue().ipv6(),
                            e.getValue().endpointId());
                }
            }
        }
    }

    /** One record per jovl network the container is running on with an address. */
    private Map<String, NameRecord> recordsOf(DockerContainer container) {
        Map<String, NameRecord> records = new HashMap<>();
        if (!container.running()) {
            return records;
        }
        for (DockerContainer.Attachment a : container.networks().values()) {
            if (a.networkId() == null || a.endpointId() == null || (a.ipv4() == null && a.ipv6() == null)) {
                continue;
            }
            Optional<String> overlay = overlays.overlayOf(a.networkId());
            if (overlay.isEmpty()) {
                continue;
            }
            try {
                NameRecord record = new NameRecord(
                        overlay.get(),
                        a.endpointId(),
                        container.id(),
                        container.name(),
                        a.aliases(),
                        a.ipv4(),
                        a.ipv6(),
                        host);
                records.put(NameRegistry.key(record), record);
            } catch (IllegalArgumentException e) {
                log.warn(
                        "container {} on {}: not publishing its name: {}",
                        LogText.escape(container.name()),
                        LogText.escape(overlay.get()),
                        LogText.escape(e.getMessage()));
            }
        }
        return records;
    }
}
