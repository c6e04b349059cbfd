package dev.jovl.netlink.testing;

import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * The module tests' namespace harness, for tests of the kernel and of jovl's daemon without
 * Docker (anything with a real dockerd runs on examples/lib/jex.sh's simulated hosts, the one
 * harness that starts dockerd): all in namespaces this lab creates and removes. Bare namespaces
 * ({@link #namespace}, {@link #netns} with netlink {@link #handle}s for the netlink tests); on
 * first {@link #host()} an underlay namespace with a bridge, and per host a namespace whose
 * {@code eth0} (192.0.2.N/24) is a veth to that bridge; "containers" are further namespaces
 * ({@link #plugContainer}). Names start with a three-letter prefix plus a random tag, so parallel
 * runs do not collide. {@link #close()} (and a shutdown hook, should the JVM be killed half way)
 * closes every tracked resource, then deletes every namespace, which takes their devices with them.
 */
public final class TestLab implements AutoCloseable {
    private final String tag;
    private String underlay;
    private final List<String> namespaces = new ArrayList<>();
    private final Deque<Runnable> cleanups = new ArrayDeque<>();
    private final Thread hook = new Thread(this::cleanAll);
    private int hosts;

    public TestLab() {
        this("jdr");
    }

    /** A lab whose namespaces and links start with {@code prefix} (three letters: link names are short). */
    /** the process of each container made by {@link #plugContainer}, by namespace */
    private final java.util.Map<String, Process> containerProcesses = new java.util.HashMap<>();

    public TestLab(String prefix) {
        byte[] b = new byte[2];
        ThreadLocalRandom.current().nextBytes(b);
        tag = prefix + HexFormat.of().formatHex(b);
        Runtime.getRuntime().addShutdownHook(hook);
    }

    public String tag() {
        return tag;
    }

    /** A new namespace named {@code <tag>-<role>}, with loopback up. */
    public String namespace(String role) {
        String name = tag + "-" + role;
        Shell.ok("ip", "netns", "add", name);
        namespaces.add(name);
        Shell.ok("ip", "-n", name, "link", "set", "lo", "up");
        return name;
    }

    /** A new namespace (see {@link #namespace}), open; closed with the lab. */
    public NetNs netns(String role) {
        return track(NetNs.open(Path.of("/run/netns", namespace(role))));
    }

    /** A netlink handle in {@code ns}; closed with the lab. */
    public NetlinkHandle handle(NetNs ns) {
        return track(NetlinkHandle.open(ns));
    }

    /** Closes {@code c} with the lab, before the namespaces go. */
    public <T extends AutoCloseable> T track(T c) {
        onClose(() -> {
            try {
                c.close();
            } catch (Exception e) {
                throw new IllegalStateException(e);
            }
        });
        return c;
    }

    /** A simulated host: its namespace with eth0 on the underlay at 192.0.2.N/24. */
    public synchronized Host host() {
        if (underlay == null) {
            underlay = namespace("ul");
            Shell.ok("ip", "-n", underlay, "link", "add", "br-ul", "type", "bridge");
            Shell.ok("ip", "-n", underlay, "link", "set", "br-ul", "up");
        }
        int n = ++hosts;
        String ns = namespace("h" + n);
        String outer = tag + "u" + n; // 3 + 4 + 1 + digits: within 15 bytes
        Shell.ok("ip", "link", "add", outer, "netns", underlay, "type", "veth", "peer", "name", "eth0", "netns", ns);
        Shell.ok("ip", "-n", underlay, "link", "set", outer, "master", "br-ul", "up");
        String ip = "192.0.2." + n;
        Shell.ok("ip", "-n", ns, "addr", "add", ip + "/24", "dev", "eth0");
        Shell.ok("ip", "-n", ns, "link", "set", "eth0", "up");
        return new Host(ns, ip);
    }

    /**
     * A run directory for one daemon ({@code /run/<tag>-<role>}); on close, every namespace a
     * daemon left in its {@code netns} (sandboxes) is unmounted and the directory removed.
     */
    public Path runDir(String role) {
        Path dir = Path.of("/run", tag + "-" + role);
        onClose(() -> {
            java.io.File[] files = dir.resolve("netns").toFile().listFiles();
            if (files != null) {
                for (java.io.File f : files) {
                    Shell.run("umount", "-l", f.getPath());
                    f.delete();
                }
            }
            Shell.run("rm", "-rf", dir.toString());
        });
        return dir;
    }

    public synchronized void onClose(Runnable cleanup) {
        cleanups.push(cleanup);
    }

    /** One simulated host. */
    public record Host(String namespace, String ip) {
        public Path nsPath() {
            return Path.of("/run/netns", namespace);
        }

        /** Runs a command inside this host's namespace. */
        public Shell.Result exec(String... command) {
            String[] full = new String[command.length + 4];
            full[0] = "ip";
            full[1] = "netns";
            full[2] = "exec";
            full[3] = namespace;
            System.arraycopy(command, 0, full, 4, command.length);
            return Shell.run(full);
        }
    }

    /**
     * Does what Docker does after Join: moves the container end {@code ifname} from the host
     * namespace into a new container namespace, renames it eth0, gives it the address, brings it up.
     */
    public String plugContainer(Host host, String role, String ifname, String cidr) {
        String c = namespace(role);
        Shell.ok("ip", "-n", host.namespace(), "link", "set", ifname, "netns", c);
        Shell.ok("ip", "-n", c, "link", "set", ifname, "name", "eth0");
        Shell.ok("ip", "-n", c, "addr", "add", cidr, "dev", "eth0");
        Shell.ok("ip", "-n", c, "link", "set", "eth0", "up");
        startContainerProcess(c);
        return c;
    }

    /**
     * A container runs a process: jovl takes a container namespace without any for one whose
     * container is gone (what dockerd leaves when its clean-up fails) and releases its endpoint.
     */
    private synchronized void startContainerProcess(String namespace) {
        try {
            Process p = new ProcessBuilder("ip", "netns", "exec", namespace, "sleep", "100000")
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                    .start();
            containerProcesses.put(namespace, p);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot start a process in " + namespace, e);
        }
    }

    /** The container stops: its process ends and its namespace goes, and with it its veth pair. */
    public synchronized void removeContainer(String namespace) {
        Process p = containerProcesses.remove(namespace);
        if (p != null) {
            try {
                p.destroyForcibly().waitFor();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        Shell.ok("ip", "netns", "del", namespace);
        namespaces.remove(namespace);
    }

    /** One busybox ping (iputils may be missing; busybox-static is a dependency); true if answered. */
    public static boolean ping(String namespace, String ip) {
        Shell.Result r = Shell.run("ip", "netns", "exec", namespace, "busybox", "ping", "-c", "1", "-W", "1", ip);
        if (r.exit() > 1) {
            throw new IllegalStateException("ping itself failed: " + r.output());
        }
        return r.exit() == 0;
    }

    private synchronized void cleanAll() {
        containerProcesses.values().forEach(Process::destroyForcibly);
        containerProcesses.clear();
        while (!cleanups.isEmpty()) {
            try {
                cleanups.pop().run();
            } catch (RuntimeException ignored) {
                // keep cleaning
            }
        }
        for (int i = namespaces.size() - 1; i >= 0; i--) {
            Shell.run("ip", "netns", "del", namespaces.get(i));
        }
        namespaces.clear();
    }

    @Override
    public void close() {
        cleanAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }
}
