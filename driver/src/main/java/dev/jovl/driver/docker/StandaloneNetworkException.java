package dev.jovl.driver.docker;

/**
 * A standalone-mode network cannot join its overlay: it disagrees with the other hosts, its name
 * is not known yet, or its VNI is taken. The message is written for the user who typed
 * {@code docker network create} or {@code docker run}: Docker shows it as it is.
 */
public final class StandaloneNetworkException extends RuntimeException {
    public StandaloneNetworkException(String message) {
        super(message);
    }

    public StandaloneNetworkException(String message, Throwable cause) {
        super(message, cause);
    }
}
