package dev.jovl.examples;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * The simulated Docker hosts of examples/lib (jex.sh), driven through its command line jexctl, so
 * the tests and the demo share one implementation of bringing hosts up and tearing them down.
 * Host names are jex-h1..jex-hN; the store is etcd on the kv host. One environment per state
 * directory ({@code JEX_STATE}): the suite's shared one, or a test's own (its settings given to
 * the constructor).
 */
final class SimulatedHosts implements AutoCloseable {
    static final Duration DOCKER_TIMEOUT = Duration.ofSeconds(90);
    static final String JOVL_STORE = "etcd://192.168.222.2:2379";

    private final Path repoRoot;
    private final Path jexctl;
    private final Map<String, String> env;
    private final String state;
    private final List<String> hosts = new ArrayList<>();

    SimulatedHosts(Path repoRoot, Path logDir) {
        this(repoRoot, logDir, Map.of());
    }

    /** {@code settings}: jex.sh variables of this environment ({@code JEX_STATE}, {@code JEX_UL}, ...). */
    SimulatedHosts(Path repoRoot, Path logDir, Map<String, String> settings) {
        this.repoRoot = repoRoot;
        this.jexctl = repoRoot.resolve("examples/lib/jexctl");
        Map<String, String> all = new java.util.HashMap<>(
                Map.of("JEX_LOGS", logDir.toString(), "JEX_VERBOSE", "1", "JEX_JAR", jar().toString()));
        all.putAll(settings);
        this.env = Map.copyOf(all);
        this.state = env.getOrDefault("JEX_STATE", System.getenv().getOrDefault("JEX_STATE", "/tmp/jex"));
    }

    /** The repository root, found from the working directory (the module or the root). */
    static Path findRepoRoot() {
        Path dir = Path.of("").toAbsolutePath();
        for (Path p = dir; p != null; p = p.getParent()) {
            if (Files.isRegularFile(p.resolve("examples/lib/jex.sh"))) {
                return p;
            }
        }
        throw new IllegalStateException("examples/lib/jex.sh not found above " + dir);
    }

    Path repoRoot() {
        return repoRoot;
    }

    /** The host's dockerd socket, reachable from the root namespace. */
    String dockerSocket(String host) {
        return state + "/" + host + "/docker.sock";
    }

    /** The host's directory in the environment's state ({@code data/} is its dockerd's data root). */
    Path hostDir(String host) {
        return Path.of(state, host);
    }

    Path jar() {
        return repoRoot.resolve("driver/target/jovl.jar");
    }

    /** Builds jovl.jar if it is missing; returns why it could not, or null. */
    String buildJovl() {
        CommandResult r = jex(Duration.ofMinutes(8), "build-jovl");
        return r.succeeded() && Files.isRegularFile(jar()) ? null : r.describe();
    }

    void up(int count) {
        up(count, "cluster");
    }

    /** {@code mode}: {@code cluster} (dockerd with the cluster store) or {@code standalone}. */
    void up(int count, String mode) {
        CommandResult r = jex(Duration.ofMinutes(3), "up", Integer.toString(count), mode);
        System.err.print(r.err());
        r.orFail();
        for (int i = 1; i <= count; i++) {
            hosts.add("jex-h" + i);
        }
    }

    List<String> hosts() {
        return List.copyOf(hosts);
    }

    String host(int oneBased) {
        return hosts.get(oneBased - 1);
    }

    /** The host's underlay address (its VTEP). */
    static String underlayIp(String host) {
        return "192.168.222." + (10 + Integer.parseInt(host.substring("jex-h".length())));
    }

    CommandResult docker(String host, String... args) {
        return jex(DOCKER_TIMEOUT, concat("docker", host, args));
    }

    CommandResult in(String host, String... command) {
        return jex(DOCKER_TIMEOUT, concat("in", host, command));
    }

    CommandResult etcdctl(String... args) {
        return jex(Duration.ofSeconds(30), concat("etcdctl", null, args));
    }

    void stopEtcd() {
        jex(Duration.ofSeconds(30), "etcd-stop").orFail();
    }

    void startEtcd() {
        jex(Duration.ofSeconds(60), "etcd-start").orFail();
    }

    /** Where every host's jovl serves its metrics, in the host's own namespace (see {@link #scrape}). */
    static final String METRICS = "127.0.0.1:9431";

    void startJovl(String host, String... daemonArgs) {
        jex(
                        Duration.ofSeconds(60),
                        concat(
                                "jovl-start",
                                host,
                                Stream.concat(Stream.of("--metrics-listen", METRICS), Stream.of(daemonArgs))
                                        .toArray(String[]::new)))
                .orFail();
    }

    /** Stops the host's dockerd (SIGTERM) without removing its containers first. */
    void stopDockerd(String host) {
        jex(Duration.ofSeconds(60), "dockerd-kill", host).orFail();
    }

    /** Starts the host's stopped dockerd again, with the settings it was brought up with. */
    void startDockerd(String host) {
        jex(Duration.ofSeconds(90), "dockerd-start", host).orFail();
    }

    /** The host's jovl metrics, as Prometheus would scrape them. */
    CommandResult scrape(String host) {
        return in(host, "curl", "-sS", "-m", "10", "http://" + METRICS + "/metrics");
    }

    /** {@code jovl status} run on the host against its daemon's socket. */
    CommandResult jovlStatus(String host) {
        return in(
                host,
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-jar",
                jar().toString(),
                "status",
                "--socket",
                "/run/docker/plugins/jovl.sock");
    }

    void kill9Jovl(String host) {
        jex(Duration.ofSeconds(30), "jovl-kill9", host).orFail();
    }

    /** jovl's pid on a host if it is running, else null. */
    String jovlPid(String host) {
        String pid = jex(Duration.ofSeconds(10), "jovl-pid", host).trimmedOut();
        return !pid.isEmpty()
                        && ProcessHandle.of(Long.parseLong(pid))
                                .map(ProcessHandle::isAlive)
                                .orElse(false)
                ? pid
                : null;
    }

    @Override
    public void close() {
        CommandResult r = jex(Duration.ofMinutes(3), "down");
        System.err.print(r.err());
        hosts.clear();
    }

    private CommandResult jex(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", jexctl.toString()));
        command.addAll(List.of(args));
        return Commands.run(timeout, env, command);
    }

    private static String[] concat(String verb, String host, String... rest) {
        return Stream.concat(Stream.of(verb, host).filter(s -> s != null), Stream.of(rest))
                .toArray(String[]::new);
    }
}
