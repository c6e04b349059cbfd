package dev.jovl.examples;

import static org.junit.jupiter.api.Assertions.fail;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * Docker-level operations on the shared simulated hosts, the way a user would do them: networks
 * created with {@code -d jovl --ipam-driver jovl}, busybox containers, probes run inside containers.
 * Also reads the kernel state jovl programs in its per-network sandbox namespaces.
 */
final class Cluster {
    static final String IMAGE = "jex/busybox";
    /** The command of a web container: busybox's HTTP server in the foreground (it answers ping too). */
    private static final String[] WEB_COMMAND = {"httpd", "-f", "-p", "80", "-h", "/www"};
    /** Where jovl keeps its sandbox namespace files inside each host (its --run-dir default). */
    static final String SANDBOX_DIR = "/run/jovl/netns/jovl-";

    private final SimulatedHosts hosts;
    private final String driver;
    private final String ipamDriver;

    Cluster(SimulatedHosts hosts, String driver, String ipamDriver) {
        this.hosts = hosts;
        this.driver = driver;
        this.ipamDriver = ipamDriver;
    }

    SimulatedHosts hosts() {
        return hosts;
    }

    String host(int oneBased) {
        return hosts.host(oneBased);
    }

    /** {@code docker network create -d jovl --ipam-driver jovl [options] name} on one host; returns the id. */
    String createNetwork(String onHost, String name, String... options) {
        List<String> args = new ArrayList<>(List.of("network", "create", "-d", driver));
        if (ipamDriver != null) {
            args.addAll(List.of("--ipam-driver", ipamDriver));
        }
        args.addAll(List.of(options));
        args.add(name);
        return hosts.docker(onHost, args.toArray(String[]::new)).orFail().trimmedOut();
    }

    void removeNetworkQuietly(String onHost, String name) {
        hosts.docker(onHost, "network", "rm", name);
    }

    /** Starts a busybox HTTP server container (also answers ping). */
    void runWeb(String host, String name, String network, String... extra) {
        run(host, name, network, extra, WEB_COMMAND);
    }

    /**
     * One attempt to start a busybox HTTP server container, for a caller that retries (the store
     * just came back: Docker's own cluster-store client reconnects on its own schedule); a failed
     * attempt leaves no container behind.
     */
    boolean tryRunWeb(String host, String name, String network, String... extra) {
        boolean started =
                hosts.docker(host, runArgs(name, network, extra, WEB_COMMAND)).succeeded();
        if (!started) {
            removeContainersQuietly(host, name);
        }
        return started;
    }

    /** Starts an idle busybox container to probe from. */
    void runShell(String host, String name, String network, String... extra) {
        run(host, name, network, extra, "sleep", "3600");
    }

    private void run(String host, String name, String network, String[] extra, String... command) {
        String[] args = runArgs(name, network, extra, command);
        CommandResult r = hosts.docker(host, args);
        for (int retry = 1; retry <= 2 && dockerdCouldNotDialItsClusterStore(r); retry++) {
            System.out.println("[e2e] " + host + ": dockerd's own cluster-store dial failed starting " + name
                    + "; retry " + retry + ":\n" + r.err().strip());
            hosts.docker(host, "rm", "-f", name);
            r = hosts.docker(host, args);
        }
        r.orFail();
    }

    private static String[] runArgs(String name, String network, String[] extra, String... command) {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--name", name, "--net", network));
        args.addAll(List.of(extra));
        args.add(IMAGE);
        args.addAll(List.of(command));
        return args.toArray(String[]::new);
    }

    /**
     * Docker 20.10 on these simulated hosts now and then fails a container start because its etcd
     * client dials the cluster store from a thread outside the host's network namespace
     * ("dial tcp 192.168.222.2:2379: connect: network is unreachable"). It happens with Docker's own
     * overlay driver too (examples/README.md, Benchmark), never reaches a plugin, and leaves a
     * created but not started container: such a start is retried, and said so in the output.
     */
    private static boolean dockerdCouldNotDialItsClusterStore(CommandResult r) {
        return !r.succeeded() && r.err().contains(":2379: connect: network is unreachable");
    }

    void removeContainersQuietly(String host, String... names) {
        if (names.length > 0) {
            List<String> args = new ArrayList<>(List.of("rm", "-f"));
            args.addAll(List.of(names));
            hosts.docker(host, args.toArray(String[]::new));
        }
    }

    String ip(String host, String container, String network) {
        return inspectOnNetwork(host, container, network, "IPAddress");
    }

    String mac(String host, String container, String network) {
        return inspectOnNetwork(host, container, network, "MacAddress");
    }

    private String inspectOnNetwork(String host, String container, String network, String field) {
        String value = hosts.docker(
                        host,
                        "inspect",
                        "-f",
                        "{{with index .NetworkSettings.Networks \"" + network + "\"}}{{." + field + "}}{{end}}",
                        container)
                .orFail()
                .trimmedOut();
        if (value.isEmpty()) {
            fail(container + " on " + host + " has no " + field + " on " + network);
        }
        return value;
    }

    /** One ping from inside a container (2 s deadline). */
    boolean pings(String host, String container, String target) {
        return hosts.docker(host, "exec", container, "ping", "-c", "1", "-W", "2", target)
                .succeeded();
    }

    /** One HTTP GET from inside a container; true if the page came back. */
    boolean fetches(String host, String container, String target) {
        CommandResult r =
                hosts.docker(host, "exec", container, "timeout", "5", "wget", "-qO-", "http://" + target + "/");
        return r.succeeded() && r.out().contains("jex ok");
    }

    /** The bridge FDB of jovl's sandbox namespace for a network on a host ("" if there is none). */
    String sandboxFdb(String host, String networkId) {
        return inSandbox(host, networkId, "bridge fdb show dev vxlan0");
    }

    /** The neighbour table of the VXLAN device in jovl's sandbox namespace. */
    String sandboxNeighbours(String host, String networkId) {
        return inSandbox(host, networkId, "ip neigh show dev vxlan0");
    }

    boolean sandboxExists(String host, String networkId) {
        return hosts.in(host, "test", "-e", SANDBOX_DIR + networkId).succeeded();
    }

    private String inSandbox(String host, String networkId, String command) {
        String ns = SANDBOX_DIR + networkId;
        CommandResult r = hosts.in(host, "sh", "-c", "[ -e " + ns + " ] && nsenter --net=" + ns + " " + command);
        return r.succeeded() ? r.out() : "";
    }

    /** Waits (bounded) until the condition holds; fails with the description and the last detail otherwise. */
    static void eventually(Duration within, String what, BooleanSupplier condition, Supplier<String> detail) {
        long deadline = System.nanoTime() + within.toNanos();
        while (true) {
            if (condition.getAsBoolean()) {
                return;
            }
            if (System.nanoTime() > deadline) {
                fail("not within " + within.toSeconds() + " s: " + what + "\n" + detail.get());
            }
            sleep(Duration.ofMillis(300));
        }
    }

    static void eventually(Duration within, String what, BooleanSupplier condition) {
        eventually(within, what, condition, () -> "");
    }

    static void sleep(Duration d) {
        try {
            Thread.sleep(d);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
