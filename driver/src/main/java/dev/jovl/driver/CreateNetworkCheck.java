package dev.jovl.driver;

/**
 * A condition on Docker's side that {@code CreateNetwork} must meet before jovl makes a network
 * (the {@code --scope global} check of Docker 23+). It refuses by throwing
 * {@link dev.jovl.overlay.OverlayException#invalid}, which Docker shows to the user.
 */
@FunctionalInterface
public interface CreateNetworkCheck {
    CreateNetworkCheck NONE = () -> {};

    void check();
}
