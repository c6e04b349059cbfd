package dev.jovl.driver.cli;

/** The command line is wrong: the message says how, and the usage text follows. */
public final class UsageException extends RuntimeException {
    public UsageException(String message) {
        super(message);
    }
}
