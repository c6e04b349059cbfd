package dev.jovl.examples;

/** What a finished command printed and returned. */
record CommandResult(String command, int exitCode, String out, String err) {

    boolean succeeded() {
        return exitCode == 0;
    }

    /** Returns this result if the command succeeded, otherwise fails with everything it printed. */
    CommandResult orFail() {
        if (exitCode != 0) {
            throw new AssertionError(describe());
        }
        return this;
    }

    String trimmedOut() {
        return out.strip();
    }

    String describe() {
        return "`" + command + "` exited " + exitCode + "\n--- stdout\n" + out + "--- stderr\n" + err;
    }
}
