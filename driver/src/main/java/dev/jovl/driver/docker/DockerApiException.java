package dev.jovl.driver.docker;

import java.io.IOException;

/** Docker answered with an error status (or not at all, or not in HTTP). */
public final class DockerApiException extends IOException {

    private final int status;

    public DockerApiException(int status, String message) {
        super(message);
        this.status = status;
    }

    public DockerApiException(String message, Throwable cause) {
        super(message, cause);
        this.status = 0;
    }

    /** The HTTP status, or 0 when there was no HTTP answer (socket missing, timeout, garbage). */
    public int status() {
        return status;
    }
}
