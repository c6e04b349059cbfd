package dev.jovl.netlink.testing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Runs setup commands of the test harness (ip, ping): the harness plays Docker and the hosts. */
public final class Shell {
    private Shell() {}

    public record Result(int exit, String output) {}

    public static Result run(String... command) {
        try {
            Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
            p.getOutputStream().close();
            byte[] out = p.getInputStream().readAllBytes();
            if (!p.waitFor(120, TimeUnit.SECONDS)) {
                p.destroyForcibly();
                throw new IllegalStateException("timed out: " + String.join(" ", command));
            }
            return new Result(p.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + String.join(" ", command), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** Runs and requires exit status 0; returns the output. */
    public static String ok(String... command) {
        Result r = run(command);
        if (r.exit() != 0) {
            throw new IllegalStateException(
                    "failed (" + r.exit() + "): " + String.join(" ", command) + "\n" + r.output());
        }
        return r.output();
    }

    public static List<String> lines(String... command) {
        return ok(command).lines().filter(l -> !l.isBlank()).toList();
    }
}
