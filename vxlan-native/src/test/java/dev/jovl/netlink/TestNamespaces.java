package dev.jovl.netlink;

import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Throwaway namespaces for one test (names "jvn-<role>-<random>" in /run/jvn-test/netns). close()
 * closes every handle and fd and deletes every namespace, so the devices in them go too. A JVM
 * shutdown hook repeats the deletion in case a test run is killed half way.
 */
final class TestNamespaces implements AutoCloseable {
    static final NetnsDirectory DIR = new NetnsDirectory(Path.of("/run/jvn-test/netns"));

    private final List<String> names = new ArrayList<>();
    private final Deque<AutoCloseable> closeables = new ArrayDeque<>();
    private final Thread hook = new Thread(this::deleteAll);

    TestNamespaces() {
        Runtime.getRuntime().addShutdownHook(hook);
    }

    static String unique(String prefix) {
        byte[] b = new byte[3];
        ThreadLocalRandom.current().nextBytes(b);
        return prefix + HexFormat.of().formatHex(b);
    }

    /** A new empty namespace; its name is {@link NetNs#path()}'s file name. */
    NetNs create(String role) {
        String name = unique("jvn-" + role + "-");
        names.add(name);
        NetNs ns = DIR.create(name);
        closeables.push(ns);
        return ns;
    }

    NetlinkHandle handle(NetNs ns) {
        NetlinkHandle h = NetlinkHandle.open(ns);
        closeables.push(h);
        return h;
    }

    <T extends AutoCloseable> T track(T c) {
        closeables.push(c);
        return c;
    }

    private synchronized void deleteAll() {
        while (!closeables.isEmpty()) {
            try {
                closeables.pop().close();
            } catch (Exception ignored) {
                // keep cleaning
            }
        }
        for (String n : names) {
            try {
                DIR.delete(n);
            } catch (RuntimeException ignored) {
                // keep cleaning
            }
        }
        names.clear();
    }

    @Override
    public void close() {
        deleteAll();
        try {
            Runtime.getRuntime().removeShutdownHook(hook);
        } catch (IllegalStateException ignored) {
            // already shutting down
        }
    }
}
