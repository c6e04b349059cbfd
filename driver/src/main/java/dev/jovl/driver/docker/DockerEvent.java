package dev.jovl.driver.docker;

import java.util.Map;

/**
 * One message of Docker's event stream ({@code GET /events}).
 *
 * @param type       {@code container}, {@code network}, ...
 * @param action     {@code start}, {@code die}, {@code destroy}, {@code connect}, {@code disconnect}, ...
 * @param actorId    the container id (container events) or network id (network events)
 * @param attributes for network events {@code container} (its id), {@code name}, {@code type} (driver)
 */
public record DockerEvent(String type, String action, String actorId, Map<String, String> attributes, long timeNano) {

    public DockerEvent {
        attributes = Map.copyOf(attributes);
    }

    /** The container this event is about, whatever its type; {@code null} if none. */
    public String containerId() {
        return "container".equals(type) ? actorId : attributes.get("container");
    }
}
