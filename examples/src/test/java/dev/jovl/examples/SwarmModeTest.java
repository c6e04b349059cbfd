package dev.jovl.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Swarm mode on jovl networks, as a user sets it up: three Docker 20.10 hosts without cluster store,
 * jovl as a managed plugin on each (JOVL_SCOPE=global, etcd store, Docker's socket mounted),
 * {@code docker swarm init} on host 1, the others joining as managers; then
 * {@code docker network create -d jovl:latest --scope swarm --attachable}. Checked: the refusal of a
 * global network outside swarm, a dnsrr service, a VIP service answered from every host with the
 * requests spread over its replicas, scaling up and down (the figures are printed), a network with
 * {@code --ipam-driver jovl:latest}, and the leader's loss: another manager takes over, every
 * service keeps its VIP and its surviving tasks their addresses, and a new service still starts.
 *
 * <p>Its own set of hosts (state /tmp/jexs, underlay jexs-ul, cgroups jexs-*), apart from the suite's
 * and the managed-plugin test's. Everything is removed at the end.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class SwarmModeTest {
    private static final String SET = System.getProperty("jovl.swarm.hosts", "jexs");
    private static final List<String> HOSTS = List.of("jex-h1", "jex-h2", "jex-h3");
    private static final String NET = "swj";
    private static final String IPAM_NET = "swjipam";
    /** Each replica serves its container's hostname (the container id's first 12 characters). */
    private static final String[] WEB = {
        Cluster.IMAGE, "sh", "-c", "hostname > /www/index.html; exec httpd -f -p 80 -h /www"
    };

    private final Path root = SimulatedHosts.findRepoRoot();
    private final Map<String, String> env = Map.of(
            "JEX_STATE",
            "/tmp/" + SET,
            "JEX_UL",
            SET + "-ul",
            "JEX_CGROUP_PREFIX",
            SET + "-",
            "JEX_VERBOSE",
            "1",
            "JEX_LOGS",
            root.resolve("examples/target/" + SET + "-logs").toString(),
            "JEX_OWNER_WAIT",
            "240");
    private boolean up;

    @BeforeAll
    void swarmOfThreeManagers() {
        Assumptions.assumeTrue(
                Files.isExecutable(Path.of("/usr/sbin/dockerd")), "dockerd missing (scripts/install-deps)");
        Assumptions.assumeTrue("root".equals(System.getProperty("user.name")), "needs root (namespaces, dockerd)");
        Assumptions.assumeTrue(
                Files.isRegularFile(root.resolve("driver/target/jovl.jar")), "driver/target/jovl.jar not built");
        Commands.run(
                        Duration.ofMinutes(6),
                        env,
                        List.of("bash", root.resolve("examples/plugin/build.sh").toString()))
                .orFail();
        up = true;
        jex(Duration.ofMinutes(5), "swarm-hosts-up", "3").orFail();
    }

    @AfterAll
    void tearDown() {
        if (!up) {
            return;
        }
        for (String service : List.of("web", "vipweb", "ipweb", "late")) {
            docker(liveManager(), "service", "rm", service);
        }
        for (String h : HOSTS) {
            docker(h, "rm", "-f", "client2", "client3");
        }
        docker(liveManager(), "network", "rm", NET, IPAM_NET);
        System.err.print(jex(Duration.ofMinutes(4), "down").err());
    }

    @Test
    @Order(1)
    void aGlobalNetworkOutsideSwarmAndWithoutClusterStoreIsRefused() {
        CommandResult r = docker("jex-h1", "network", "create", "-d", "jovl:latest", "refused");
        assertFalse(r.succeeded(), "a --scope global jovl on a Docker without cluster store or swarm\n" + r.describe());
        // Docker 20.10 forwards CreateNetwork to the driver and shows its error
        assertTrue(r.err().contains("--scope local"), r.describe());
        System.err.println("[swarm] outside swarm: " + r.err().strip());
        assertEquals(
                "",
                docker("jex-h1", "network", "ls", "-q", "-f", "name=refused")
                        .orFail()
                        .trimmedOut());

        jex(Duration.ofMinutes(2), "swarm-form").orFail();
        docker("jex-h1", "network", "create", "-d", "jovl:latest", "--scope", "swarm", "--attachable", NET)
                .orFail();
    }

    @Test
    @Order(2)
    void dnsrrServiceAcrossHosts() {
        createService("web", NET, 3, "--endpoint-mode", "dnsrr");
        docker("jex-h2", "run", "-d", "--name", "client2", "--network", NET, Cluster.IMAGE, "sleep", "3600")
                .orFail();
        List<String> ips = awaitValue(Duration.ofSeconds(30), () -> {
            List<String> found = resolve("jex-h2", "client2", "web");
            return found.size() == 3 ? found : null;
        });
        Set<String> answers = new TreeSet<>();
        for (String ip : ips) {
            answers.add(exec("jex-h2", "client2", "timeout 5 wget -qO- http://" + ip + "/"));
        }
        assertEquals(taskHostnames("web"), answers, "every dnsrr task answers by address from host 2");
        assertTrue(taskHostnames("web").contains(exec("jex-h2", "client2", "timeout 5 wget -qO- http://web/")));
    }

    @Test
    @Order(3)
    void vipServiceAnswersFromEveryHostSpreadOverItsReplicas() {
        createService("vipweb", NET, 3);
        String vip = vipOf("vipweb", NET);
        assertEquals(
                List.of(vip),
                resolve("jex-h2", "client2", "vipweb"),
                "Docker's DNS answers the service name with its VIP");
        Set<String> tasks = taskHostnames("vipweb");
        assertEquals(3, tasks.size());
        for (String h : HOSTS) {
            // a fresh attachable container on each host: 6 connections, every replica answers
            CommandResult r = docker(
                    h,
                    "run",
                    "--rm",
                    "--network",
                    NET,
                    Cluster.IMAGE,
                    "sh",
                    "-c",
                    "for i in 1 2 3 4 5 6; do timeout 5 wget -qO- http://vipweb/ || echo FAILED; done");
            Set<String> seen =
                    new TreeSet<>(Arrays.asList(r.orFail().trimmedOut().split("\n")));
            System.err.println("[swarm] " + h + ": 6 requests to http://vipweb/ (" + vip + ") answered by " + seen);
            assertEquals(tasks, seen, h + ": the VIP's connections go to every replica\n" + r.describe());
        }
        // a task calling its own service: sent to the other replicas, never to itself (which fails)
        String own = docker("jex-h1", "ps", "-q", "-f", "name=vipweb")
                .orFail()
                .trimmedOut()
                .lines()
                .findFirst()
                .orElseThrow();
        Set<String> fromTask = new TreeSet<>(Arrays.asList(
                exec("jex-h1", own, "for i in 1 2 3 4; do timeout 5 wget -qO- http://" + vip + "/ || echo FAILED; done")
                        .split("\n")));
        Set<String> others = new TreeSet<>(tasks);
        others.remove(own.substring(0, 12));
        assertEquals(others, fromTask, "task " + own + " reaches its own VIP: the other replicas answer");
        System.err.println("[swarm] task " + own + " on jex-h1 calling its own VIP: answered by " + fromTask);
    }

    @Test
    @Order(4)
    void scalingAddsAndRemovesTasksFromTheRotation() {
        Set<String> before = taskHostnames("vipweb");
        long t0 = System.currentTimeMillis();
        docker("jex-h1", "service", "scale", "-d", "vipweb=4").orFail();
        Set<String> four = awaitValue(Duration.ofSeconds(60), () -> {
            Set<String> t = taskHostnames("vipweb");
            return t.size() == 4 ? t : null;
        });
        String added =
                four.stream().filter(t -> !before.contains(t)).findFirst().orElseThrow();
        awaitTrue(Duration.ofSeconds(20), () -> rotation().contains(added), "the new task joins the rotation");
        long started = containerEvents("start", t0).stream()
                .mapToLong(Long::longValue)
                .max()
                .orElseThrow();
        long joined = lbChange("jex-h2", "vipweb", 4, t0);
        System.err.printf(
                "[swarm] scale 3 -> 4: the new task's container started %d ms after the scale command; host 2's sandbox balanced over 4 tasks %d ms after that start%n",
                started - t0, joined - started);

        long t1 = System.currentTimeMillis();
        docker("jex-h1", "service", "scale", "-d", "vipweb=2").orFail();
        Set<String> two = awaitValue(Duration.ofSeconds(60), () -> {
            Set<String> t = taskHostnames("vipweb");
            return t.size() == 2 ? t : null;
        });
        List<String> answers = new ArrayList<>();
        awaitTrue(
                Duration.ofSeconds(30),
                () -> {
                    Set<String> r = rotation();
                    answers.addAll(r);
                    return two.equals(r);
                },
                "the removed tasks leave the rotation, both remaining ones answer");
        long died = containerEvents("die", t1).stream()
                .mapToLong(Long::longValue)
                .max()
                .orElseThrow();
        long left = lbChange("jex-h2", "vipweb", 2, t1);
        System.err.printf(
                "[swarm] scale 4 -> 2: the last removed container died %d ms after the scale command (Docker waits 2 s for gossip, then the 1 s stop grace);"
                        + " host 2's sandbox balanced over the 2 remaining tasks %d ms after that death; failed requests meanwhile: %d%n",
                died - t1,
                left - died,
                answers.stream().filter("FAILED"::equals).count());
    }

    @Test
    @Order(5)
    void aNetworkWithJovlIpam() {
        docker(
                        "jex-h1",
                        "network",
                        "create",
                        "-d",
                        "jovl:latest",
                        "--ipam-driver",
                        "jovl:latest",
                        "--scope",
                        "swarm",
                        "--attachable",
                        IPAM_NET)
                .orFail();
        createService("ipweb", IPAM_NET, 3);
        docker("jex-h3", "run", "-d", "--name", "client3", "--network", IPAM_NET, Cluster.IMAGE, "sleep", "3600")
                .orFail();
        Set<String> tasks = taskHostnames("ipweb");
        Set<String> seen = awaitValue(Duration.ofSeconds(20), () -> {
            Set<String> s = new TreeSet<>(Arrays.asList(exec(
                            "jex-h3",
                            "client3",
                            "for i in 1 2 3 4 5 6; do timeout 5 wget -qO- http://ipweb/ || echo FAILED; done")
                    .split("\n")));
            return s.equals(tasks) ? s : null;
        });
        System.err.println("[swarm] " + IPAM_NET + " (jovl IPAM): http://ipweb/ answered by " + seen);
    }

    @Test
    @Order(6)
    void theLeadersLossLosesNoService() {
        String leader = jex(Duration.ofSeconds(30), "swarm-leader").orFail().trimmedOut();
        List<String> others = HOSTS.stream().filter(h -> !h.equals(leader)).toList();
        String witness = others.get(0);
        Map<String, String> vips = new LinkedHashMap<>();
        for (String[] s : new String[][] {{"vipweb", NET}, {"ipweb", IPAM_NET}}) {
            vips.put(s[0], vipOf(s[0], s[1]));
        }
        Map<String, String> survivors = taskAddressesOff(leader, witness);
        System.err.println("[swarm] leader " + leader + "; VIPs " + vips + "; tasks elsewhere " + survivors);

        long t0 = System.nanoTime();
        jex(Duration.ofMinutes(1), "dockerd-kill", leader).orFail();
        String newLeader = awaitValue(Duration.ofSeconds(60), () -> {
            CommandResult r = docker(witness, "node", "ls", "--format", "{{.ManagerStatus}} {{.Hostname}}");
            return r.out()
                    .lines()
                    .filter(l -> l.startsWith("Leader "))
                    .map(l -> l.substring("Leader ".length()))
                    .filter(h -> !h.equals(leader))
                    .findFirst()
                    .orElse(null);
        });
        System.err.printf(
                "[swarm] %s's dockerd stopped; %s leads %d ms later%n",
                leader, newLeader, (System.nanoTime() - t0) / 1_000_000);

        // a new service on the jovl-IPAM network: the new leader's allocator took over jovl's addresses
        docker(
                        witness,
                        "service",
                        "create",
                        "-d",
                        "--name",
                        "late",
                        "--network",
                        IPAM_NET,
                        "--stop-grace-period",
                        "1s",
                        WEB[0],
                        WEB[1],
                        WEB[2],
                        WEB[3])
                .orFail();
        awaitTrue(
                Duration.ofSeconds(90),
                () -> taskHostnames(witness, "late").size() == 1,
                "the new service's task runs");
        for (Map.Entry<String, String> e : vips.entrySet()) {
            assertEquals(e.getValue(), vipSeenBy(witness, e.getKey()), e.getKey() + " keeps its VIP");
        }
        Map<String, String> still = taskAddressesOff(leader, witness);
        for (Map.Entry<String, String> e : survivors.entrySet()) {
            assertEquals(e.getValue(), still.get(e.getKey()), "task " + e.getKey() + " keeps its address");
        }
        String log = jex(
                        Duration.ofSeconds(30),
                        "in",
                        newLeader,
                        "cat",
                        "/tmp/" + SET + "/" + newLeader + "/dockerd.log")
                .out();
        assertFalse(
                log.lines().anyMatch(l -> l.contains("during init")),
                "the new leader's allocator failed on its replay:\n"
                        + String.join(
                                "\n",
                                log.lines()
                                        .filter(l -> l.contains("during init"))
                                        .limit(5)
                                        .toList()));
        // the services still answer, from a host that kept running: the old one at once
        Set<String> vipAnswers = new TreeSet<>(Arrays.asList(
                onIpamNetwork(witness, "for i in 1 2 3 4; do timeout 5 wget -qO- http://ipweb/ || echo FAILED; done")
                        .orFail()
                        .trimmedOut()
                        .split("\n")));
        assertFalse(vipAnswers.contains("FAILED"), "ipweb answers after the failover: " + vipAnswers);
        // The new one once the witness's Docker lists it: jovl reads a network's services from the
        // host's own Docker, whose API can stall for seconds while the swarm settles after losing
        // its leader (seen in CI: 5 s without an answer to /info), so its VIP may come a little
        // after its task runs.
        long askedAt = System.nanoTime();
        awaitTrue(
                Duration.ofSeconds(30),
                () -> !onIpamNetwork(witness, "timeout 5 wget -qO- http://late/ || echo FAILED")
                        .trimmedOut()
                        .contains("FAILED"),
                "the service created after the failover answers by its VIP");
        vipAnswers.add(
                "late after " + Duration.ofNanos(System.nanoTime() - askedAt).toMillis() + " ms");
        System.err.println(
                "[swarm] after the failover, from " + witness + ": ipweb and late answered by " + vipAnswers);
    }

    // ------------------------------------------------------------------------------------- helpers

    private void createService(String name, String network, int replicas, String... options) {
        List<String> args = new ArrayList<>(List.of(
                "service",
                "create",
                "-d",
                "--name",
                name,
                "--network",
                network,
                "--replicas",
                Integer.toString(replicas),
                "--stop-grace-period",
                "1s"));
        args.addAll(List.of(options));
        args.addAll(List.of(WEB));
        docker("jex-h1", args.toArray(String[]::new)).orFail();
        awaitTrue(Duration.ofSeconds(90), () -> taskHostnames(name).size() == replicas, name + ": every replica runs");
    }

    /** The container hostnames (12-character ids) of a service's running tasks, as the manager lists them. */
    private Set<String> taskHostnames(String service) {
        return taskHostnames(liveManager(), service);
    }

    private Set<String> taskHostnames(String manager, String service) {
        CommandResult ids = docker(manager, "service", "ps", "-q", "--filter", "desired-state=running", service);
        Set<String> out = new TreeSet<>();
        for (String task : ids.out().lines().filter(l -> !l.isBlank()).toList()) {
            CommandResult c = docker(
                    manager,
                    "inspect",
                    "-f",
                    "{{.Status.State}} {{.Status.ContainerStatus.ContainerID}}",
                    task.strip());
            String[] f = c.trimmedOut().split(" ");
            if (c.succeeded() && f.length == 2 && f[0].equals("running") && f[1].length() >= 12) {
                out.add(f[1].substring(0, 12));
            }
        }
        return out;
    }

    /** The epoch-millisecond times of a container event ({@code start}, {@code die}) on every live host since {@code sinceMillis}. */
    private List<Long> containerEvents(String event, long sinceMillis) {
        List<Long> out = new ArrayList<>();
        long until = System.currentTimeMillis() / 1000 + 1;
        for (String h : HOSTS) {
            CommandResult r = docker(
                    h,
                    "events",
                    "--since",
                    Long.toString(sinceMillis / 1000),
                    "--until",
                    Long.toString(until),
                    "--filter",
                    "type=container",
                    "--filter",
                    "event=" + event,
                    "--format",
                    "{{.TimeNano}}");
            r.out()
                    .lines()
                    .filter(l -> !l.isBlank())
                    .map(l -> Long.parseLong(l.strip()) / 1_000_000)
                    .filter(at -> at >= sinceMillis)
                    .forEach(out::add);
        }
        assertFalse(out.isEmpty(), "no container " + event + " event since " + sinceMillis);
        return out;
    }

    /**
     * When host's jovl first set a service's rotation to {@code tasks} tasks after {@code sinceMillis}:
     * the time of its log line "service VIPs now NAME VIP -> a,b,..." (the plugin logs into dockerd's log).
     */
    private long lbChange(String host, String service, int tasks, long sinceMillis) {
        String log = jex(Duration.ofSeconds(30), "in", host, "cat", "/tmp/" + SET + "/" + host + "/dockerd.log")
                .out();
        java.util.regex.Pattern line = java.util.regex.Pattern.compile(
                "(\\d{4}-\\d\\d-\\d\\dT[0-9:.]+Z) INFO ServiceLoadBalancing - network \\w+: service VIPs now .*\\b"
                        + service + " [0-9.]+ -> ([0-9.,]+)");
        long found = -1;
        for (String l : log.lines().toList()) {
            java.util.regex.Matcher m = line.matcher(l);
            if (m.find() && m.group(2).split(",").length == tasks) {
                long at = java.time.Instant.parse(m.group(1)).toEpochMilli();
                if (at >= sinceMillis) {
                    found = at;
                    break;
                }
            }
        }
        assertTrue(found > 0, host + ": no rotation of " + tasks + " tasks for " + service + " logged");
        return found;
    }

    /** The answers to six requests to http://vipweb/ from client2 on host 2 (failures included). */
    private Set<String> rotation() {
        return new TreeSet<>(Arrays.asList(exec(
                        "jex-h2",
                        "client2",
                        "for i in 1 2 3 4 5 6; do timeout 3 wget -qO- http://vipweb/ || echo FAILED; done")
                .split("\n")));
    }

    private String vipOf(String service, String network) {
        return vipOf(liveManager(), service, network);
    }

    private String vipSeenBy(String manager, String service) {
        return vipOf(manager, service, null);
    }

    /** The service's VIP on the network (its only one when network is null), without the prefix. */
    private String vipOf(String manager, String service, String network) {
        String networkId = network == null
                ? null
                : docker(manager, "network", "inspect", "-f", "{{.Id}}", network)
                        .orFail()
                        .trimmedOut();
        String out = docker(
                        manager,
                        "service",
                        "inspect",
                        "-f",
                        "{{range .Endpoint.VirtualIPs}}{{.NetworkID}} {{.Addr}}\n{{end}}",
                        service)
                .orFail()
                .out();
        List<String> vips = out.lines()
                .filter(l -> !l.isBlank())
                .filter(l -> networkId == null || l.startsWith(networkId + " "))
                .map(l -> l.substring(l.indexOf(' ') + 1).replaceAll("/.*", ""))
                .toList();
        assertEquals(1, vips.size(), service + ": " + out);
        return vips.get(0);
    }

    /** Task id -> its addresses, for the running tasks on hosts other than {@code not}, asked of {@code manager}. */
    private Map<String, String> taskAddressesOff(String not, String manager) {
        Map<String, String> out = new LinkedHashMap<>();
        for (String service : List.of("vipweb", "ipweb")) {
            CommandResult ids = docker(manager, "service", "ps", "-q", "--filter", "desired-state=running", service);
            for (String task : ids.out().lines().filter(l -> !l.isBlank()).toList()) {
                CommandResult c = docker(
                        manager,
                        "inspect",
                        "-f",
                        "{{.Status.State}} {{.NodeID}} {{range .NetworksAttachments}}{{.Addresses}}{{end}}",
                        task.strip());
                String[] f = c.trimmedOut().split(" ", 3);
                if (!c.succeeded() || f.length < 3 || !f[0].equals("running")) {
                    continue;
                }
                String node = docker(manager, "node", "inspect", "-f", "{{.Description.Hostname}}", f[1])
                        .trimmedOut();
                if (!node.equals(not)) {
                    out.put(task.strip(), f[2]);
                }
            }
        }
        assertFalse(out.isEmpty(), "no running task off " + not);
        return out;
    }

    /** The addresses Docker's DNS gives a container for a name. */
    private List<String> resolve(String host, String container, String name) {
        String out = exec(host, container, "nslookup " + name + " 127.0.0.11 2>/dev/null | sed -n '/^Name:/,$p'");
        List<String> ips = new ArrayList<>();
        for (String line : out.lines().toList()) {
            if (line.startsWith("Address:")) {
                ips.add(line.substring("Address:".length()).strip().replaceAll(" .*", ""));
            }
        }
        return ips.stream().sorted().toList();
    }

    private String exec(String host, String container, String script) {
        return docker(host, "exec", container, "sh", "-c", script).trimmedOut();
    }

    /** A manager whose dockerd runs (host 1 until the failover test stops the leader's). */
    private String liveManager() {
        for (String h : HOSTS) {
            if (docker(h, "node", "ls", "-q").succeeded()) {
                return h;
            }
        }
        return "jex-h2";
    }

    private static <T> T awaitValue(Duration within, Supplier<T> probe) {
        long end = System.nanoTime() + within.toNanos();
        while (true) {
            T v = probe.get();
            if (v != null) {
                return v;
            }
            if (System.nanoTime() > end) {
                fail("nothing within " + within);
            }
            Cluster.sleep(Duration.ofMillis(100));
        }
    }

    private static void awaitTrue(Duration within, java.util.function.BooleanSupplier probe, String what) {
        long end = System.nanoTime() + within.toNanos();
        while (!probe.getAsBoolean()) {
            if (System.nanoTime() > end) {
                fail(what + ": not within " + within);
            }
            Cluster.sleep(Duration.ofMillis(100));
        }
    }

    /** Runs {@code script} in a fresh container on the jovl-IPAM network of {@code host}. */
    private CommandResult onIpamNetwork(String host, String script) {
        return docker(host, "run", "--rm", "--network", IPAM_NET, Cluster.IMAGE, "sh", "-c", script);
    }

    private CommandResult docker(String host, String... args) {
        List<String> command = new ArrayList<>(List.of("docker", host));
        command.addAll(List.of(args));
        return jex(SimulatedHosts.DOCKER_TIMEOUT, command.toArray(String[]::new));
    }

    private CommandResult jex(Duration timeout, String... args) {
        List<String> command = new ArrayList<>(
                List.of("bash", root.resolve("examples/lib/jexctl").toString()));
        command.addAll(List.of(args));
        return Commands.run(timeout, env, command);
    }
}
