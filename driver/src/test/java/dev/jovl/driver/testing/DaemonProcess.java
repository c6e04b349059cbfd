package dev.jovl.driver.testing;

import dev.jovl.netlink.testing.TestLab;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The real thing: {@code java -jar target/jovl.jar daemon ...} as a separate process, so that it
 * can be killed with SIGKILL. Its host is a {@link TestLab.Host} given by {@code --host-netns};
 * the store is reached from the test's own namespace (etcd on loopback).
 */
public final class DaemonProcess implements AutoCloseable {
    private static final Path JAR = Path.of("target", "jovl.jar");

    private final List<String> command;
    private final Path socket;
    private final Path log;
    private Process process;

    public DaemonProcess(TestLab lab, TestLab.Host host, String storeUrl) {
        Path run = lab.runDir(host.namespace().substring(host.namespace().lastIndexOf('-') + 1));
        this.socket = run.resolve("jovl.sock");
        this.log = Path.of("target", "it-logs", host.namespace() + ".log").toAbsolutePath();
        this.command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:TieredStopAtLevel=1",
                "-jar",
                JAR.toAbsolutePath().toString(),
                "daemon",
                "--store",
                storeUrl,
                "--host-netns",
                host.nsPath().toString(),
                "--advertise",
                "eth0",
                "--socket",
                socket.toString(),
                "--run-dir",
                run.toString(),
                "--host-id",
                host.namespace(),
                "--lease-ttl",
                "3",
                "--dead-host-grace",
                "10",
                "--reconcile-interval",
                "2",
                // no Docker here, even on a machine whose own dockerd listens on the default socket:
                // scope global would ask it about its cluster store and swarm (and refuse networks)
                "--docker-socket",
                run.resolve("no-docker.sock").toString()));
        lab.onClose(this::close);
    }

    /** Starts the process and waits until its socket answers. */
    public DaemonProcess start() {
        if (!Files.exists(JAR)) {
            throw new IllegalStateException(JAR.toAbsolutePath() + " is missing: integration tests run after package");
        }
        try {
            Files.createDirectories(log.getParent());
            process = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                    .start();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        Eventually.assertThat("daemon listening on " + socket + "\n" + logText(), Duration.ofSeconds(30), () -> {
            if (!process.isAlive()) {
                throw new IllegalStateException("daemon exited: " + logText());
            }
            return Files.exists(socket)
                    && DaemonFixture.post(socket, "/Plugin.Activate", "").status() == 200;
        });
        return this;
    }

    /** SIGKILL: no shutdown hook, no cleanup, as in a crash. */
    public void kill9() {
        process.destroyForcibly();
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    public Path socket() {
        return socket;
    }

    public String logText() {
        try {
            return Files.exists(log) ? Files.readString(log) : "";
        } catch (IOException e) {
            return e.toString();
        }
    }

    @Override
    public void close() {
        if (process != null && process.isAlive()) {
            kill9();
        }
    }
}
