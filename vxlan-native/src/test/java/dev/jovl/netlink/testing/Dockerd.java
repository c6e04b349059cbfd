package dev.jovl.netlink.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real dockerd of a {@link TestLab} ({@link TestLab#dockerd}), in a network namespace of the
 * lab and a private mount namespace, with its own data root, exec root and API socket. Torn down
 * completely by {@link #close()} (the lab's close calls it): containers, dockerd and its
 * containerd, and its directory; the lab removes the namespace.
 */
public final class Dockerd implements AutoCloseable {

    private static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
    private static final Path DOCKER_CLI = findCli();

    private final Path dir;
    private final String netns;
    private final Path pluginsDir;
    private final List<String> extraArgs;
    private Process process;
    private boolean closed;

    Dockerd(Path dir, String netns, Path pluginsDir, List<String> extraArgs) {
        this.dir = dir;
        this.netns = netns;
        this.pluginsDir = pluginsDir;
        this.extraArgs = List.copyOf(extraArgs);
    }

    /** Skips the calling test (JUnit assumption) with the reason if dockerd cannot run here. */
    public static void assumeAvailable() {
        String reason = unavailableReason();
        org.junit.jupiter.api.Assumptions.assumeTrue(reason == null, "skipping: " + reason);
    }

    /** Why dockerd cannot run here, or null if it can. */
    public static String unavailableReason() {
        if (!Files.isExecutable(DOCKERD)) {
            return "no dockerd at " + DOCKERD + " (package docker.io)";
        }
        if (DOCKER_CLI == null) {
            return "no docker CLI";
        }
        if (!"root".equals(System.getProperty("user.name"))) {
            return "dockerd tests need root";
        }
        return null;
    }

    private static Path findCli() {
        for (String p : List.of("/usr/bin/docker", "/usr/local/bin/docker")) {
            if (Files.isExecutable(Path.of(p))) {
                return Path.of(p);
            }
        }
        return null;
    }

    public Path socket() {
        return dir.resolve("docker.sock");
    }

    public Path dir() {
        return dir;
    }

    public String netns() {
        return netns;
    }

    void start() throws IOException, InterruptedException {
        startDaemon();
    }

    private void startDaemon() throws IOException, InterruptedException {
        List<String> dockerd = new ArrayList<>(List.of(
                "nsenter",
                "--net=/run/netns/" + netns,
                DOCKERD.toString(),
                "--data-root",
                dir.resolve("data").toString(),
                "--exec-root",
                dir.resolve("exec").toString(),
                "-H",
                "unix://" + socket(),
                "--pidfile",
                dir.resolve("docker.pid").toString(),
                "--iptables=false",
                "--ip6tables=false",
                "--bridge=none"));
        dockerd.addAll(extraArgs);
        List<String> command = new ArrayList<>(List.of("unshare", "--mount", "--propagation", "private"));
        if (pluginsDir == null) {
            command.addAll(dockerd);
        } else {
            // its own /run/docker/plugins, so each simulated host's dockerd finds its own jovl
            command.addAll(List.of(
                    "sh", "-c", "mount --bind \"$0\" /run/docker/plugins && exec \"$@\"", pluginsDir.toString()));
            command.addAll(dockerd);
        }
        Files.deleteIfExists(socket());
        process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(
                        dir.resolve("dockerd.log").toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        while (true) {
            if (!process.isAlive()) {
                throw new IOException("dockerd exited with " + process.exitValue() + ": " + logTail());
            }
            if (Files.exists(socket())
                    && cli(List.of("version", "--format", "{{.Server.Version}}"))
                                    .exit()
                            == 0) {
                return;
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("dockerd did not come up in 60 s: " + logTail());
            }
            Thread.sleep(200);
        }
    }

    /** Stops dockerd gracefully and starts it again on the same state. */
    public void restart() throws IOException, InterruptedException {
        stopDaemon();
        startDaemon();
    }

    private synchronized void stopDaemon() throws InterruptedException {
        if (process == null) {
            return;
        }
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
        }
        process = null;
        // dockerd stops the containerd it started; if it was killed, do it here, by its pid file
        Path containerdPid = dir.resolve("exec/containerd/containerd.pid");
        try {
            if (Files.exists(containerdPid)) {
                long pid = Long.parseLong(Files.readString(containerdPid).trim());
                ProcessHandle.of(pid).ifPresent(p -> {
                    if (p.info().command().orElse("").contains("containerd")) {
                        p.destroyForcibly();
                    }
                });
            }
        } catch (IOException | NumberFormatException e) {
            // nothing to stop
        }
    }

    public String logTail() {
        try {
            List<String> lines = Files.readAllLines(dir.resolve("dockerd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 15), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    private Shell.Result cli(List<String> args) {
        List<String> command = new ArrayList<>(List.of(DOCKER_CLI.toString(), "-H", "unix://" + socket()));
        command.addAll(args);
        return Shell.run(command.toArray(String[]::new));
    }

    /** Runs the docker CLI against this daemon; returns its trimmed output, throws on failure. */
    public String docker(String... args) throws IOException, InterruptedException {
        Shell.Result r = cli(List.of(args));
        if (r.exit() != 0) {
            throw new IOException("docker " + String.join(" ", args) + " failed (" + r.exit() + "): " + r.output());
        }
        return r.output().trim();
    }

    /** Imports examples/lib/jex.sh's busybox image (tag {@code name}): no registry is reachable here. */
    public void importBusybox(String name) throws IOException, InterruptedException {
        docker("import", "-c", "CMD [\"sh\"]", TestLab.jexImage("busybox").toString(), name);
    }

    /** Idempotent; the lab calls it too. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        try {
            if (process != null && process.isAlive()) {
                Shell.Result ps = cli(List.of("ps", "-aq"));
                if (ps.exit() == 0 && !ps.output().isBlank()) {
                    List<String> rm = new ArrayList<>(List.of("rm", "-f"));
                    rm.addAll(List.of(ps.output().trim().split("\\s+")));
                    cli(rm);
                }
            }
        } catch (RuntimeException e) {
            // go on tearing down
        }
        try {
            stopDaemon();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try (Stream<Path> files = Files.walk(dir)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // best effort: a leftover directory in /tmp does no harm to the next run
        }
    }
}
