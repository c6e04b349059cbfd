package dev.jovl.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

/**
 * jovl as a Docker managed plugin (examples/plugin), the way a user installs it: build.sh makes the
 * plugin, install.sh creates, configures and enables it on two Docker hosts, then one network
 * {@code -d jovl:latest --ipam-driver jovl:latest} with a web server on host 1 and another on host 2,
 * checked with verify.sh (ping and HTTP by name and by IP, both ways).
 *
 * <p>It uses a set of simulated hosts of its own (examples/plugin/plugin-hosts.sh: state in
 * /tmp/jexp, underlay netns jexp-ul), not the suite's shared hosts: those run jovl as a socket
 * plugin with the same store and host ids, and two jovl daemons must not serve one host. Everything
 * it makes (containers, network, plugins, dockerds, namespaces) is removed in {@code finally}.
 */
class ManagedPluginTest {
    private static final String NET = "mp-net";
    private static final List<String> HOSTS = List.of("jex-h1", "jex-h2");

    private final Path root = SimulatedHosts.findRepoRoot();
    private final Path pluginHosts = root.resolve("examples/plugin/plugin-hosts.sh");
    /**
     * The host set's name: /tmp/jexp by default; -Djovl.plugin.hosts=NAME (state in /tmp/NAME, underlay
     * NAME-ul, cgroups NAME-*) lets a second copy run beside it, e.g. to repeat the test in a loop. Two
     * runs on one set take turns (jex.sh's ownership: the second waits).
     */
    private static final String SET = System.getProperty("jovl.plugin.hosts", "jexp");

    private static final String STATE = "/tmp/" + SET;
    /** plugin-hosts.sh's own set of hosts, spelled out so a JEX_* of the suite's environment cannot leak in. */
    private final Map<String, String> env = Map.of(
            "JEX_STATE",
            STATE,
            "JEX_UL",
            SET + "-ul",
            "JEX_CGROUP_PREFIX",
            SET + "-",
            "JEX_VERBOSE",
            "1",
            "JEX_LOGS",
            root.resolve("examples/target/" + SET + "-logs").toString(),
            // another run on this set (another worktree, demo-plugin.sh) holds it for ~2 min at most: wait for it
            "JEX_OWNER_WAIT",
            "180");

    @Test
    void demoFlowOnTwoHostsWithTheManagedPlugin() {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/sbin/dockerd")), "dockerd missing (scripts/install-deps)");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (namespaces, dockerd)");
        Assumptions.assumeTrue(
                Files.isRegularFile(root.resolve("driver/target/jovl.jar")), "driver/target/jovl.jar not built");

        run(
                        Duration.ofMinutes(6),
                        List.of("bash", root.resolve("examples/plugin/build.sh").toString()))
                .orFail();
        try {
            hosts(Duration.ofMinutes(5), "up", "2").orFail();
            for (String h : HOSTS) {
                CommandResult installed =
                        hosts(Duration.ofMinutes(2), "install", h).orFail();
                System.err.print(installed.out());
                assertEquals(
                        "true",
                        docker(h, "plugin", "inspect", "-f", "{{.Enabled}}", "jovl:latest")
                                .orFail()
                                .trimmedOut(),
                        h);
            }

            docker("jex-h1", "network", "create", "-d", "jovl:latest", "--ipam-driver", "jovl:latest", NET)
                    .orFail();
            assertEquals(
                    "jovl:latest",
                    docker("jex-h2", "network", "inspect", "-f", "{{.Driver}}", NET)
                            .orFail()
                            .trimmedOut(),
                    "the network created on host 1 is seen on host 2 with the plugin as its driver");
            // both serve HTTP, so verify.sh checks HTTP in both directions
            docker(
                            "jex-h1",
                            "run",
                            "-d",
                            "--name",
                            "mp-web1",
                            "--net",
                            NET,
                            Cluster.IMAGE,
                            "httpd",
                            "-f",
                            "-p",
                            "80",
                            "-h",
                            "/www")
                    .orFail();
            docker(
                            "jex-h2",
                            "run",
                            "-d",
                            "--name",
                            "mp-web2",
                            "--net",
                            NET,
                            Cluster.IMAGE,
                            "httpd",
                            "-f",
                            "-p",
                            "80",
                            "-h",
                            "/www")
                    .orFail();

            List<String> verify = new ArrayList<>(
                    List.of("bash", root.resolve("examples/verify.sh").toString(), "--tries", "5"));
            for (String h : HOSTS) {
                verify.addAll(List.of(
                        "-H",
                        "unix://"
                                + hosts(Duration.ofSeconds(10), "sock", h)
                                        .orFail()
                                        .trimmedOut()));
            }
            verify.add(NET);
            CommandResult checked = Commands.run(Duration.ofMinutes(2), Map.of("DOCKER", "/usr/bin/docker"), verify);
            System.err.print(checked.out());
            if (!checked.succeeded()) {
                printSandboxes();
            }
            checked.orFail();
            assertTrue(checked.out().contains("8 passed, 0 failed, 0 skipped"), checked.describe());
            for (String h : HOSTS) {
                // the plugin set with JOVL_METRICS_LISTEN serves metrics in the host's namespace
                String metrics = scrapePlugin(h);
                HostMetrics.checkExposition(metrics, h);
                assertTrue(
                        HostMetrics.sum(metrics, "jovl_plugin_requests_total", "method=") > 0,
                        h + ": the plugin counted Docker's requests");
                assertTrue(
                        HostMetrics.sum(metrics, "jovl_peers_programmed", "vni=") >= 1,
                        h + ": the other host's web server is a programmed peer");
            }
            for (String h : HOSTS) {
                assertTrue(
                        sandboxes(h).startsWith("jovl-"),
                        h + ": the network's sandbox namespace is kept in the plugin's "
                                + "propagated mount (so it outlives a plugin restart), found: '" + sandboxes(h) + "'");
            }

            // a crash: Docker restarts the plugin; the namespaces in the propagated mount and the kernel
            // state in them stay, so traffic keeps flowing, and the restarted jovl serves new containers
            CompletableFuture<CommandResult> pings = CompletableFuture.supplyAsync(
                    () -> docker("jex-h2", "exec", "mp-web2", "ping", "-c", "30", "-i", "0.2", "mp-web1"));
            Cluster.sleep(Duration.ofSeconds(1));
            System.err.println(
                    hosts(Duration.ofMinutes(1), "kill9", "jex-h1").orFail().out());
            CommandResult pinged = pings.join();
            System.err.print(pinged.out());
            Matcher received = Pattern.compile("(\\d+) packets received").matcher(pinged.out());
            assertTrue(received.find(), pinged.describe());
            assertTrue(
                    Integer.parseInt(received.group(1)) >= 29,
                    "pings across the plugin's kill -9 and restart: at most one lost\n" + pinged.out());
            docker("jex-h2", "run", "-d", "--name", "mp-after", "--net", NET, Cluster.IMAGE, "sleep", "600")
                    .orFail();
            CommandResult late = docker("jex-h2", "exec", "mp-after", "ping", "-c", "2", "mp-web1");
            assertTrue(
                    late.succeeded(),
                    "a container started after the restart reaches host 1 by name\n" + late.describe());
            docker("jex-h2", "rm", "-f", "mp-after").orFail();

            // taking it all down through Docker leaves no sandbox behind in the plugin's propagated mount
            docker("jex-h1", "rm", "-f", "mp-web1").orFail();
            docker("jex-h2", "rm", "-f", "mp-web2").orFail();
            docker("jex-h1", "network", "rm", NET).orFail();
            for (String h : HOSTS) {
                assertEquals("", sandboxes(h), h + ": sandbox namespaces left after docker network rm");
                hosts(Duration.ofMinutes(1), "remove", h).orFail();
                assertEquals("", docker(h, "plugin", "ls", "-q").orFail().trimmedOut(), h + ": plugin still installed");
            }
        } finally {
            for (String h : HOSTS) {
                docker(h, "rm", "-f", "mp-web1", "mp-web2", "mp-after");
            }
            docker("jex-h1", "network", "rm", NET);
            for (String h : HOSTS) {
                hosts(Duration.ofMinutes(1), "remove", h);
            }
            CommandResult down = hosts(Duration.ofMinutes(3), "down");
            System.err.print(down.err());
        }
    }

    /** For a failed check: each host's sandbox (links, FDB, neighbours), as the plugin programmed it. */
    private void printSandboxes() {
        for (String h : HOSTS) {
            String id = docker(h, "plugin", "inspect", "-f", "{{.Id}}", "jovl:latest")
                    .trimmedOut();
            String dir = STATE + "/" + h + "/data/plugins/" + id + "/propagated-mount/netns";
            CommandResult r = hosts(
                    Duration.ofSeconds(30),
                    "in",
                    h,
                    "sh",
                    "-c",
                    "for n in " + dir + "/*; do echo \"== $n\";"
                            + " nsenter --net=$n sh -c 'ip -d -br link; bridge fdb show; ip neigh'; done;"
                            + " echo '== jovl status (store vs kernel)';"
                            + " curl -s --max-time 10 --unix-socket /run/docker/plugins/" + id
                            + "/jovl.sock -X POST -d '{}'"
                            + " http://plugin.moby.localhost/Jovl.Status");
            System.err.println("---- " + h + " sandboxes\n" + r.out() + r.err());
            String container = "jex-h1".equals(h) ? "mp-web1" : "mp-web2";
            CommandResult c = docker(h, "exec", container, "sh", "-c", "ip -d link; ip addr; ip neigh; ip route");
            System.err.println("---- " + h + " " + container + "\n" + c.out() + c.err());
        }
    }

    private CommandResult docker(String host, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", host));
        command.addAll(List.of(args));
        return hosts(SimulatedHosts.DOCKER_TIMEOUT, command.toArray(String[]::new));
    }

    /**
     * The sandbox namespace files in the plugin's /run/jovl/netns, seen from the host: Docker keeps the
     * plugin's propagated mount in DATA-ROOT/plugins/ID/propagated-mount.
     */
    private String sandboxes(String host) {
        String id = docker(host, "plugin", "inspect", "-f", "{{.Id}}", "jovl:latest")
                .orFail()
                .trimmedOut();
        String dir = STATE + "/" + host + "/data/plugins/" + id + "/propagated-mount";
        return hosts(Duration.ofSeconds(30), "in", host, "sh", "-c", "test -d " + dir + " && ls -A " + dir + "/netns")
                .orFail()
                .trimmedOut()
                .replace('\n', ' ');
    }

    /** The plugin's metrics on {@code host}, waiting for the exporter (it starts after the socket). */
    private String scrapePlugin(String host) {
        long end = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (true) {
            CommandResult r = hosts(
                    Duration.ofSeconds(20), "in", host, "curl", "-sS", "-m", "10", "http://127.0.0.1:9431/metrics");
            if (r.succeeded() || System.nanoTime() > end) {
                return r.orFail().out();
            }
            Cluster.sleep(Duration.ofMillis(500));
        }
    }

    private CommandResult hosts(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(List.of("bash", pluginHosts.toString()));
        command.addAll(List.of(args));
        return run(timeout, command);
    }

    private CommandResult run(Duration timeout, List<String> command) {
        return Commands.run(timeout, env, command);
    }
}
