package dev.jovl.driver.cli;

import dev.jovl.driver.http.Json;
import dev.jovl.driver.status.HealthCheck;
import dev.jovl.driver.status.PeerComparison;
import dev.jovl.driver.status.StatusApi.HostStatus;
import dev.jovl.driver.status.StatusApi.NetworkStatus;
import dev.jovl.driver.status.StatusApi.PeersResponse;
import dev.jovl.driver.status.StatusApi.StatusResponse;
import dev.jovl.overlay.Ids;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * {@code jovl status} and {@code jovl peers NETWORK}: ask the running daemon over its socket
 * (the embedded store can only be open in one process) and print the store beside the kernel.
 * {@code status} starts with one verdict a subsystem ({@code store: ok reachable}), the same as the
 * {@code jovl_health} metric. Exit status: 0 healthy and in line, 1 a subsystem unhealthy or
 * differences found, 3 daemon unreachable (or it failed: 5xx), 4 the daemon refused the request
 * (4xx: an unknown network, a malformed argument).
 */
public final class StatusCommand {
    private StatusCommand() {}

    public static int status(List<String> args, Map<String, String> env, PrintStream out) {
        Path socket = socketOf(new ArrayList<>(args), env, 0);
        StatusResponse s;
        try {
            s = Json.MAPPER.readValue(call(socket, "/Jovl.Status", "{}", out), StatusResponse.class);
        } catch (IOException e) {
            out.println("jovl: cannot reach the daemon on " + socket + ": " + e.getMessage());
            return 3;
        } catch (CallFailed e) {
            return e.exitCode();
        }
        boolean healthy = s.health() == null || HealthCheck.allHealthy(s.health());
        if (s.health() != null) {
            for (HealthCheck.Verdict v : s.health()) {
                out.printf("%-14s %-9s %s%n", v.subsystem() + ":", v.healthy() ? "ok" : "UNHEALTHY", v.detail());
            }
            out.println();
        }
        out.printf(
                "host %s  VTEP %s  underlay MTU %d  VXLAN port %d  scope %s%n",
                s.host(), s.vtep(), s.underlayMtu(), s.vxlanPort(), s.scope());
        out.printf(
                "store %s  registered %s  peer sync %s  reconciles %d  drift fixes %d%n",
                s.store(),
                s.registered() ? "yes" : "NO",
                s.peerSyncLoaded() ? "loaded" : "NOT LOADED",
                s.reconciles(),
                s.driftFixes());
        out.println();
        out.println("hosts:");
        for (HostStatus h : s.hosts()) {
            out.printf("  %-24s %-16s%s%n", h.host(), h.vtep(), h.self() ? " (this host)" : "");
        }
        out.println();
        out.printf(
                "%-14s %9s %6s %-8s %6s %7s %7s %7s %s%n",
                "NETWORK", "VNI", "MTU", "SANDBOX", "LOCAL", "REMOTE", "STORE", "KERNEL", "DIFF");
        long diffs = 0;
        for (NetworkStatus n : s.networks()) {
            diffs += n.differences();
            out.printf(
                    "%-14s %9d %6d %-8s %6d %7d %7d %7d %s%n",
                    Ids.shortId(n.networkId()),
                    n.vni(),
                    n.mtu(),
                    n.sandbox() ? "yes" : "-",
                    n.localEndpoints(),
                    n.remoteEndpoints(),
                    n.storeEntries(),
                    n.kernelEntries(),
                    n.differences() == 0 ? "-" : "** " + n.differences());
        }
        out.println();
        out.println("requests (count / failed):");
        s.requests().forEach((path, c) -> out.printf("  %-48s %8d %6d%n", path, c[0], c[1]));
        if (s.loops() != null) {
            out.println();
            out.println("background loops (state, restarts, last failure):");
            s.loops()
                    .forEach(l -> out.printf(
                            "  %-32s %-10s %6d  %s%n",
                            l.name(), l.state(), l.restarts(), l.lastFailure() == null ? "-" : l.lastFailure()));
        }
        return diffs == 0 && healthy ? 0 : 1;
    }

    public static int peers(List<String> args, Map<String, String> env, PrintStream out) {
        List<String> rest = new ArrayList<>(args);
        Path socket = socketOf(rest, env, 1);
        if (rest.size() != 1) {
            throw new UsageException("peers takes exactly one NETWORK (id or id prefix)");
        }
        PeersResponse p;
        try {
            String body = Json.MAPPER.writeValueAsString(Map.of("Network", rest.get(0)));
            p = Json.MAPPER.readValue(call(socket, "/Jovl.Peers", body, out), PeersResponse.class);
        } catch (IOException e) {
            out.println("jovl: cannot reach the daemon on " + socket + ": " + e.getMessage());
            return 3;
        } catch (CallFailed e) {
            return e.exitCode();
        }
        out.printf(
                "network %s  VNI %d  sandbox %s%n", p.networkId(), p.vni(), p.sandbox() ? "yes" : "none on this host");
        out.printf("%-6s %-40s %-20s %-20s %s%n", "KIND", "KEY", "STORE", "KERNEL", "");
        for (PeerComparison.Row r : p.rows()) {
            out.printf(
                    "%-6s %-40s %-20s %-20s %s%n",
                    r.kind(),
                    r.key(),
                    dash(r.store()),
                    dash(r.kernel()),
                    r.status().equals(PeerComparison.OK) ? "" : "<< " + r.status());
        }
        out.printf("%d entries, %d differences%n", p.rows().size(), p.differences());
        return p.differences() == 0 ? 0 : 1;
    }

    /** Exit status when the daemon refused the request (it answered 4xx). */
    static final int REFUSED = 4;

    private static final class CallFailed extends Exception {
        private final int status;

        CallFailed(int status) {
            super(null, null, false, false);
            this.status = status;
        }

        int exitCode() {
            return status >= 400 && status < 500 ? REFUSED : 3;
        }
    }

    private static String call(Path socket, String path, String body, PrintStream out) throws IOException, CallFailed {
        try (UnixHttpClient c = UnixHttpClient.connect(socket)) {
            UnixHttpClient.Response r = c.post(path, body);
            if (r.status() != 200) {
                out.println("jovl: daemon answered " + r.status() + ": " + r.body());
                throw new CallFailed(r.status());
            }
            return r.body();
        }
    }

    /** Takes {@code --socket PATH} out of {@code args}; default from JOVL_SOCKET or the standard path. */
    private static Path socketOf(List<String> args, Map<String, String> env, int maxPositional) {
        String socket = env.getOrDefault("JOVL_SOCKET", "");
        for (int i = 0; i < args.size(); i++) {
            String a = args.get(i);
            if (a.equals("--socket")) {
                if (i + 1 >= args.size()) {
                    throw new UsageException("--socket needs a value");
                }
                socket = args.get(i + 1);
                args.remove(i + 1);
                args.remove(i);
                i--;
            } else if (a.startsWith("--socket=")) {
                socket = a.substring("--socket=".length());
                args.remove(i--);
            } else if (a.startsWith("--")) {
                throw new UsageException("unknown option " + a);
            }
        }
        if (args.size() > maxPositional) {
            throw new UsageException("unexpected argument: " + args.get(maxPositional));
        }
        return Path.of(socket.isBlank() ? "/run/docker/plugins/jovl.sock" : socket);
    }

    private static String dash(String s) {
        return s == null ? "-" : s;
    }
}
