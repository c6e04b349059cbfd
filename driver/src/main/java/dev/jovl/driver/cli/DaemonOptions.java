package dev.jovl.driver.cli;

import dev.jovl.kvstore.StoreException;
import dev.jovl.kvstore.StoreSecurity;
import dev.jovl.overlay.VniRange;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Settings of {@code jovl daemon}. Each comes from its flag, else its environment variable (how a
 * managed plugin is configured), else its default. Empty environment values count as unset,
 * because a managed plugin's settable variables default to "".
 */
public record DaemonOptions(
        String store,
        String advertise,
        Path socket,
        int vxlanPort,
        int mtu,
        String scope,
        String hostId,
        Path runDir,
        VniRange vniRange,
        Duration leaseTtl,
        Duration deadHostGrace,
        Duration reconcileInterval,
        Path hostNetns,
        Path dockerSocket,
        Path sysctlProc,
        String dnsListen,
        String dnsUpstream,
        Duration sandboxIdleGrace,
        InetSocketAddress metricsListen,
        String logLevel,
        String logFormat,
        StoreSecurity storeSecurity) {

    /** {@code --log-level} values, as java.util.logging is set for them (see {@link Logging}). */
    public static final List<String> LOG_LEVELS = List.of("error", "warn", "info", "debug", "trace");

    public static final List<String> LOG_FORMATS = List.of("text", "json");

    /** flag -> [environment variable, default, help] */
    private static final Map<String, String[]> OPTIONS = new LinkedHashMap<>();

    static {
        OPTIONS.put("store", new String[] {
            "JOVL_STORE",
            "file:/var/lib/jovl/store",
            "state store: file:/DIR (embedded, one host), etcd[+https]://H:P[,H:P][/PREFIX], consul[+https]://H:P[/PREFIX]"
        });
        // the store's TLS and credentials, the same for etcd and Consul (kvstore's StoreSecurity)
        OPTIONS.put("store-cacert", new String[] {
            "JOVL_STORE_CACERT", "", "PEM CA certificate the store's certificate must chain to; turns TLS on"
        });
        OPTIONS.put(
                "store-cert",
                new String[] {"JOVL_STORE_CERT", "", "PEM client certificate for the store (mutual TLS)"});
        OPTIONS.put("store-key", new String[] {"JOVL_STORE_KEY", "", "its PEM private key (PKCS#8, RSA or EC)"});
        OPTIONS.put("store-tls-server-name", new String[] {
            "JOVL_STORE_TLS_SERVER_NAME", "", "name the store's certificate must carry, if not the URL's host"
        });
        OPTIONS.put(
                "store-user", new String[] {"JOVL_STORE_USER", "", "store user (etcd auth; Consul: HTTP basic auth)"});
        OPTIONS.put("store-password-file", new String[] {
            "JOVL_STORE_PASSWORD_FILE", "", "file holding the user's password (Consul without a user: the ACL token)"
        });
        OPTIONS.put("advertise", new String[] {
            "JOVL_ADVERTISE",
            "",
            "VTEP address, or the interface that carries it (default: the default route's interface)"
        });
        OPTIONS.put("socket", new String[] {"JOVL_SOCKET", "/run/docker/plugins/jovl.sock", "plugin socket"});
        OPTIONS.put("vxlan-port", new String[] {"JOVL_VXLAN_PORT", "4789", "UDP port of the VXLAN devices"});
        OPTIONS.put("mtu", new String[] {
            "JOVL_MTU", "0", "overlay MTU for networks without -o com.docker.network.driver.mtu (0: underlay MTU - 50)"
        });
        OPTIONS.put("scope", new String[] {
            "JOVL_SCOPE", "global", "global (cluster-store mode: one network on every host) or local"
        });
        OPTIONS.put(
                "host-id",
                new String[] {"JOVL_HOST_ID", "", "this host's name in the store (default: the VTEP address)"});
        OPTIONS.put(
                "run-dir", new String[] {"JOVL_RUN_DIR", "/run/jovl", "where sandbox namespaces are kept (DIR/netns)"});
        OPTIONS.put("host-netns", new String[] {
            "JOVL_HOST_NETNS",
            "",
            "treat this network namespace (a file such as /run/netns/h1) as the host's; for simulated hosts"
        });
        OPTIONS.put("vni-range", new String[] {
            "JOVL_VNI_RANGE", VniRange.DEFAULT.toString(), "VNIs handed out to networks without -o jovl.vni"
        });
        OPTIONS.put(
                "lease-ttl", new String[] {"JOVL_LEASE_TTL", "15", "seconds the host record outlives a dead daemon"});
        OPTIONS.put("dead-host-grace", new String[] {
            "JOVL_DEAD_HOST_GRACE",
            "60",
            "seconds a host may stay unregistered before its endpoints and addresses are removed"
        });
        OPTIONS.put(
                "reconcile-interval",
                new String[] {"JOVL_RECONCILE_INTERVAL", "30", "seconds between full kernel-vs-store reconciles"});
        OPTIONS.put("sandbox-idle-grace", new String[] {
            "JOVL_SANDBOX_IDLE_GRACE",
            "60",
            "seconds a network's sandbox is kept after its last local container left (0: removed at once)"
        });
        // standalone mode (--scope local) only: see driver/README-standalone.md
        OPTIONS.put("docker-socket", new String[] {
            "JOVL_DOCKER_SOCKET",
            "/var/run/docker.sock",
            "Docker's API socket: network and container names (scope local); swarm services and the cluster-store check (scope global)"
        });
        // scope global in swarm mode: the VIP balancer writes a few sysctls of its sandboxes
        OPTIONS.put("sysctl-proc", new String[] {
            "JOVL_SYSCTL_PROC",
            "/proc",
            "a procfs mount whose sys/net may be written (a managed plugin's /proc/sys is read-only: it mounts a second procfs)"
        });
        OPTIONS.put("dns-listen", new String[] {
            "JOVL_DNS_LISTEN",
            "",
            "scope local: DNS responder address ADDR[:PORT], or off (default: the VTEP address, port 53)"
        });
        OPTIONS.put("dns-upstream", new String[] {
            "JOVL_DNS_UPSTREAM",
            "",
            "scope local: where other names go, ADDR[:PORT],... (default: /etc/resolv.conf's nameservers)"
        });
        // observability: see driver/README.md, "Metrics, health and logs"
        OPTIONS.put("metrics-listen", new String[] {
            "JOVL_METRICS_LISTEN", "", "serve Prometheus metrics on http://ADDR:PORT/metrics (default: off)"
        });
        OPTIONS.put("log-level", new String[] {
            "JOVL_LOG_LEVEL", "info", "error, warn, info or debug (debug adds one line per request), trace"
        });
        OPTIONS.put("log-format", new String[] {"JOVL_LOG_FORMAT", "text", "text, or json (one object a line)"});
    }

    public static DaemonOptions parse(List<String> args, Map<String, String> env) {
        Map<String, String> values = new LinkedHashMap<>();
        for (Map.Entry<String, String[]> o : OPTIONS.entrySet()) {
            String fromEnv = env.get(o.getValue()[0]);
            values.put(o.getKey(), fromEnv == null || fromEnv.isBlank() ? o.getValue()[1] : fromEnv.trim());
        }
        for (int i = 0; i < args.size(); i++) {
            String arg = args.get(i);
            if (!arg.startsWith("--")) {
                throw new UsageException("unexpected argument: " + arg);
            }
            String name = arg.substring(2);
            String value;
            int eq = name.indexOf('=');
            if (eq >= 0) {
                value = name.substring(eq + 1);
                name = name.substring(0, eq);
            } else {
                if (i + 1 >= args.size()) {
                    throw new UsageException("--" + name + " needs a value");
                }
                value = args.get(++i);
            }
            if (!OPTIONS.containsKey(name)) {
                throw new UsageException("unknown option --" + name);
            }
            values.put(name, value);
        }
        try {
            String scope = values.get("scope");
            if (!scope.equals("global") && !scope.equals("local")) {
                throw new UsageException("--scope must be global or local, not " + scope);
            }
            int port = intIn(values, "vxlan-port", 1, 65535);
            int mtu = intIn(values, "mtu", 0, 65485);
            if (mtu != 0 && mtu < 68) {
                throw new UsageException("--mtu must be at least 68 (or 0 for underlay MTU - 50)");
            }
            String socket = values.get("socket");
            if (socket.isBlank()) {
                throw new UsageException("--socket must not be empty");
            }
            StoreSecurity security;
            try {
                security = new StoreSecurity(
                        path(values, "store-cacert"),
                        path(values, "store-cert"),
                        path(values, "store-key"),
                        values.get("store-user"),
                        path(values, "store-password-file"),
                        values.get("store-tls-server-name"));
            } catch (StoreException.InvalidArgument e) {
                throw new UsageException(e.getMessage());
            }
            return new DaemonOptions(
                    values.get("store"),
                    values.get("advertise"),
                    Path.of(socket),
                    port,
                    mtu,
                    scope,
                    values.get("host-id"),
                    Path.of(values.get("run-dir")),
                    VniRange.parse(values.get("vni-range")),
                    Duration.ofSeconds(intIn(values, "lease-ttl", 2, 3600)),
                    Duration.ofSeconds(intIn(values, "dead-host-grace", 0, 86400)),
                    Duration.ofSeconds(intIn(values, "reconcile-interval", 1, 86400)),
                    values.get("host-netns").isBlank() ? null : Path.of(values.get("host-netns")),
                    Path.of(values.get("docker-socket")),
                    Path.of(values.get("sysctl-proc")),
                    values.get("dns-listen"),
                    values.get("dns-upstream"),
                    Duration.ofSeconds(intIn(values, "sandbox-idle-grace", 0, 86400)),
                    listenAddress(values.get("metrics-listen")),
                    oneOf(values, "log-level", LOG_LEVELS),
                    oneOf(values, "log-format", LOG_FORMATS),
                    security);
        } catch (IllegalArgumentException e) {
            throw new UsageException(e.getMessage());
        }
    }

    private static String oneOf(Map<String, String> values, String name, List<String> allowed) {
        String v = values.get(name).trim().toLowerCase(java.util.Locale.ROOT);
        if (!allowed.contains(v)) {
            throw new UsageException("--" + name + " must be one of " + String.join(", ", allowed) + ", not " + v);
        }
        return v;
    }

    /**
     * {@code ADDR:PORT} ({@code [v6]:PORT} too), resolved now, so a mistyped address is refused here
     * and not after the daemon has started serving Docker; {@code null} when empty (off).
     */
    private static InetSocketAddress listenAddress(String text) {
        if (text.isBlank()) {
            return null;
        }
        int colon = text.lastIndexOf(':');
        String host = colon > 0 ? text.substring(0, colon) : "";
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        int port;
        try {
            port = Integer.parseInt(text.substring(colon + 1));
        } catch (NumberFormatException e) {
            port = -1;
        }
        if (host.isEmpty() || port < 1 || port > 65535) {
            throw new UsageException("--metrics-listen must be ADDR:PORT, not '" + text + "'");
        }
        InetSocketAddress address = new InetSocketAddress(host, port);
        if (address.isUnresolved()) {
            throw new UsageException(
                    "--metrics-listen " + text + ": '" + host + "' is neither an IP address nor a name that resolves");
        }
        return address;
    }

    /** {@code ADDR:PORT} as a URL writes it ({@code [v6]:PORT}), for messages. */
    public static String listenText(InetSocketAddress address) {
        String host = address.getHostString();
        return (host.contains(":") ? "[" + host + "]" : host) + ":" + address.getPort();
    }

    private static Path path(Map<String, String> values, String name) {
        String v = values.get(name);
        return v == null || v.isBlank() ? null : Path.of(v.trim());
    }

    private static int intIn(Map<String, String> values, String name, int min, int max) {
        String text = values.get(name);
        int v;
        try {
            v = Integer.parseInt(text.trim());
        } catch (NumberFormatException e) {
            throw new UsageException("--" + name + " must be a number, not '" + text + "'");
        }
        if (v < min || v > max) {
            throw new UsageException("--" + name + " must be within " + min + ".." + max + ", not " + v);
        }
        return v;
    }

    public static String usage() {
        StringBuilder b = new StringBuilder();
        b.append("usage: jovl daemon [options]\n")
                .append("       jovl status [--socket PATH]\n")
                .append("       jovl peers NETWORK [--socket PATH]\n\n")
                .append("daemon options (each also from its environment variable):\n");
        OPTIONS.forEach((flag, o) -> b.append(String.format(
                "  --%-26s %-27s %s%s%n", flag + " X", o[0], o[2], o[1].isEmpty() ? "" : " [" + o[1] + "]")));
        return b.toString();
    }
}
