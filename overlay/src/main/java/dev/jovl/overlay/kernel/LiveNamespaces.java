package dev.jovl.overlay.kernel;

import dev.jovl.netlink.NetNs;
import dev.jovl.netlink.NetlinkHandle;
import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * The network namespaces some process of this host lives in, as the ids a sandbox gives them.
 *
 * <p>A container's namespace outlives its processes when dockerd cannot finish tearing it down (a
 * {@code docker rm -f} while the cluster store is down): Docker keeps it bind-mounted and the
 * container end of jovl's veth stays in it, up, with carrier. Only the absence of any process there
 * tells that no container uses it any more. Found by reading {@code /proc/<pid>/ns/net} of every
 * process (one per distinct namespace) and asking the sandbox, over netlink, which id it gives that
 * namespace ({@code RTM_GETNSID}): the same id its veths report for their peers.
 *
 * <p>This needs the host's processes in sight: a jovl in a PID namespace of its own (a managed plugin
 * without {@code pidhost}, a container without {@code --pid host}) sees only its own processes, so
 * it answers nothing rather than take every container for gone.
 */
final class LiveNamespaces {
    private static final Path PROC = Path.of("/proc");

    private LiveNamespaces() {}

    /**
     * The initial PID namespace's fixed inode ({@code PROC_PID_INIT_INO}, include/linux/proc_ns.h):
     * a process in it sees every process of the host.
     */
    private static final String INITIAL_PID_NAMESPACE = "pid:[4026531836]";

    /** Whether this process sees the host's processes: it runs in the initial PID namespace. */
    static boolean visible() {
        try {
            return INITIAL_PID_NAMESPACE.equals(
                    Files.readSymbolicLink(PROC.resolve("self/ns/pid")).toString());
        } catch (IOException | SecurityException e) {
            return false;
        }
    }

    /**
     * One {@code /proc/<pid>/ns/net} path per distinct network namespace that has a process.
     * Processes that exit meanwhile, or that this process may not inspect, are skipped.
     */
    static Map<String, Path> withProcesses() {
        Map<String, Path> byNamespace = new HashMap<>();
        try (DirectoryStream<Path> pids =
                Files.newDirectoryStream(PROC, p -> isPid(p.getFileName().toString()))) {
            for (Path pid : pids) {
                Path ns = pid.resolve("ns/net");
                try {
                    byNamespace.putIfAbsent(Files.readSymbolicLink(ns).toString(), ns);
                } catch (IOException | SecurityException e) {
                    // gone, or not ours to look at: it cannot make a namespace look dead
                }
            }
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot list " + PROC, e);
        }
        return byNamespace;
    }

    /** The ids {@code sandbox} gives the namespaces in {@code namespaces} (those it has given one). */
    static Set<Integer> idsIn(NetlinkHandle sandbox, Iterable<Path> namespaces) {
        Set<Integer> ids = new HashSet<>();
        for (Path path : namespaces) {
            try (NetNs ns = NetNs.open(path)) {
                int id = sandbox.nsidOf(ns);
                if (id >= 0) {
                    ids.add(id);
                }
            } catch (RuntimeException e) {
                // the process exited between the listing and the open
            }
        }
        return ids;
    }

    private static boolean isPid(String name) {
        if (name.isEmpty()) {
            return false;
        }
        for (int i = 0; i < name.length(); i++) {
            if (!Character.isDigit(name.charAt(i))) {
                return false;
            }
        }
        return true;
    }
}
