package dev.jovl.examples.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A jovl daemon in a process of its own (so its RSS and CPU time are its own), started from
 * {@code driver/target/jovl.jar} with the JVM running the benchmark and its default settings.
 */
final class DaemonProcess implements AutoCloseable {
    /** Linux reports CPU time in clock ticks of 1/100 s (USER_HZ) on every architecture jovl runs on. */
    private static final int TICKS_PER_SECOND = 100;

    private final Process process;
    private final Path socket;
    private final String metricsUrl;
    private final long startedAtNanos;

    private DaemonProcess(Process process, Path socket, String metricsUrl, long startedAtNanos) {
        this.process = process;
        this.socket = socket;
        this.metricsUrl = metricsUrl;
        this.startedAtNanos = startedAtNanos;
    }

    /** Starts {@code java -jar jar daemon args...} with its output in {@code log} (appended). */
    static DaemonProcess start(Path jar, Path socket, int metricsPort, List<String> args, Path log) throws IOException {
        Files.deleteIfExists(socket);
        List<String> cmd = new ArrayList<>();
        cmd.add(ProcessHandle.current().info().command().orElse("java"));
        cmd.add("--enable-native-access=ALL-UNNAMED");
        // extra JVM options for the daemon alone (a profiler, a heap limit), space-separated
        String extra =
                System.getenv().getOrDefault("SCALE_DAEMON_JAVA_OPTS", "").trim();
        if (!extra.isEmpty()) {
            cmd.addAll(List.of(extra.split("\\s+")));
        }
        cmd.add("-jar");
        cmd.add(jar.toString());
        cmd.add("daemon");
        cmd.addAll(List.of(
                "--socket", socket.toString(), "--metrics-listen", "127.0.0.1:" + metricsPort, "--log-level", "info"));
        cmd.addAll(args);
        long t0 = System.nanoTime();
        Process p = new ProcessBuilder(cmd)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        return new DaemonProcess(p, socket, "http://127.0.0.1:" + metricsPort + "/metrics", t0);
    }

    long startedAtNanos() {
        return startedAtNanos;
    }

    /** Waits until the plugin socket exists; returns when (nanoTime). */
    long awaitSocket(Duration within) throws InterruptedException {
        long deadline = System.nanoTime() + within.toNanos();
        while (!Files.exists(socket)) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("the daemon did not open " + socket + " (see its log)");
            }
            Thread.sleep(5);
        }
        return System.nanoTime();
    }

    Path socket() {
        return socket;
    }

    long rssKib() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc", Long.toString(process.pid()), "status"))) {
            if (line.startsWith("VmRSS:")) {
                return Long.parseLong(line.replaceAll("[^0-9]", ""));
            }
        }
        throw new IOException("no VmRSS for process " + process.pid());
    }

    /** User + system CPU time of the daemon so far. */
    long cpuMillis() throws IOException {
        String stat = Files.readString(Path.of("/proc", Long.toString(process.pid()), "stat"));
        // fields after the command name (which may hold spaces) in parentheses: state is field 3
        String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
        long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime (14), stime (15)
        return ticks * 1000 / TICKS_PER_SECOND;
    }

    /** The sum of every sample of a metric family in the daemon's Prometheus text. */
    double metric(String name) throws IOException, InterruptedException {
        try (HttpClient c = HttpClient.newHttpClient()) {
            String body = c.send(
                            HttpRequest.newBuilder(URI.create(metricsUrl))
                                    .timeout(Duration.ofSeconds(10))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString())
                    .body();
            return PrometheusText.sum(body, name);
        }
    }

    /** SIGTERM (the daemon's orderly stop), then SIGKILL after 30 s. */
    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            process.waitFor(10, TimeUnit.SECONDS);
        }
    }
}
