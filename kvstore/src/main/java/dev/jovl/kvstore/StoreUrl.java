package dev.jovl.kvstore;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A parsed store URL (see {@link Stores#open(String)}): which backend, where, and the call
 * deadline. Parsing never touches the network or the disk.
 *
 * @param dir for {@link Backend#EMBEDDED}, the store's directory
 * @param endpoints for etcd and Consul, the servers to try in order (empty for a Consul unix socket)
 * @param https whether to speak TLS: the URL says {@code etcd+https://} / {@code consul+https://},
 *     or (Consul) {@code CONSUL_HTTP_ADDR=https://...} or {@code CONSUL_HTTP_SSL=true}; a CA
 *     certificate given in {@link StoreSecurity} turns it on too
 * @param timeout the deadline of every call to a remote backend
 * @param keyPrefix the path of the URL ({@code etcd://h:p/cluster-a} -> {@code cluster-a/}):
 *     every key of this client lives under it, so several jovl clusters can share one store;
 *     empty for none
 * @param datacenter Consul's {@code ?dc=} (empty: the agent's own)
 * @param unixSocket Consul's agent on a unix socket ({@code CONSUL_HTTP_ADDR=unix:///path}), else null
 */
public record StoreUrl(
        Backend backend,
        Path dir,
        List<HostPort> endpoints,
        boolean https,
        Duration timeout,
        String keyPrefix,
        String datacenter,
        Path unixSocket) {

    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

    public enum Backend {
        EMBEDDED,
        ETCD,
        CONSUL
    }

    public record HostPort(String host, int port) {
        @Override
        public String toString() {
            return (host.contains(":") ? "[" + host + "]" : host) + ":" + port;
        }
    }

    public StoreUrl {
        endpoints = List.copyOf(endpoints);
        keyPrefix = keyPrefix == null ? "" : keyPrefix;
        datacenter = datacenter == null ? "" : datacenter;
    }

    /** Parses {@code url}; {@code env} supplies {@code CONSUL_HTTP_ADDR} and {@code CONSUL_HTTP_SSL}. */
    public static StoreUrl parse(String url, Map<String, String> env) {
        if (url == null || url.isBlank()) {
            throw invalid(url, "empty store URL");
        }
        refuseCredentials(url, url);
        int colon = url.indexOf(':');
        String scheme = colon < 0 ? "" : url.substring(0, colon);
        String rest = colon < 0 ? url : url.substring(colon + 1);
        return switch (scheme) {
            case "file" -> parseFile(url, rest);
            case "etcd", "etcd+http" -> parseRemote(url, rest, Backend.ETCD, 2379, false, env);
            case "etcd+https" -> parseRemote(url, rest, Backend.ETCD, 2379, true, env);
            case "consul", "consul+http" -> parseRemote(url, rest, Backend.CONSUL, 8500, false, env);
            case "consul+https" -> parseRemote(url, rest, Backend.CONSUL, 8500, true, env);
            default ->
                throw invalid(
                        url,
                        "unknown scheme '" + scheme + "'; use file:/dir,"
                                + " etcd[+https]://host:port[,host:port...][/prefix] or consul[+https]://host:port[/prefix]");
        };
    }

    private static StoreUrl parseFile(String url, String rest) {
        String path = rest;
        if (path.startsWith("//")) {
            // file:///dir has an empty authority; file://host/dir names a host, which makes no sense here
            int slash = path.indexOf('/', 2);
            if (slash != 2) {
                throw invalid(url, "a file: URL names no host; write file:/dir or file:///dir");
            }
            path = path.substring(2);
        }
        if (path.contains("?")) {
            throw invalid(url, "the embedded store takes no options");
        }
        if (!path.startsWith("/") || path.length() < 2) {
            throw invalid(url, "a file: URL needs an absolute directory, e.g. file:/var/lib/jovl/store");
        }
        return new StoreUrl(
                Backend.EMBEDDED, Path.of(path).normalize(), List.of(), false, DEFAULT_TIMEOUT, "", "", null);
    }

    private static StoreUrl parseRemote(
            String url, String rest, Backend backend, int defaultPort, boolean https, Map<String, String> env) {
        if (!rest.startsWith("//")) {
            throw invalid(url, "expected " + scheme(backend) + "://host:port");
        }
        rest = rest.substring(2);
        String query = "";
        int q = rest.indexOf('?');
        if (q >= 0) {
            query = rest.substring(q + 1);
            rest = rest.substring(0, q);
        }
        String keyPrefix = "";
        int slash = rest.indexOf('/');
        if (slash >= 0) {
            keyPrefix = parsePrefix(url, rest.substring(slash + 1));
            rest = rest.substring(0, slash);
        }
        Path unixSocket = null;
        if (rest.isEmpty()) {
            if (backend != Backend.CONSUL) {
                throw invalid(url, "no etcd address given");
            }
            // Consul's own convention (api.DefaultConfig): CONSUL_HTTP_ADDR is host:port,
            // http://host:port, https://host:port or unix:///path/to/socket
            String addr = env.getOrDefault("CONSUL_HTTP_ADDR", "").trim();
            if (addr.isBlank()) {
                throw invalid(url, "consul:// without an address needs CONSUL_HTTP_ADDR to be set");
            }
            refuseCredentials(url, addr.contains("://") ? addr : "//" + addr);
            if (addr.startsWith("https://")) {
                https = true;
                addr = addr.substring("https://".length());
            } else if (addr.startsWith("http://")) {
                addr = addr.substring("http://".length());
            } else if (addr.startsWith("unix://")) {
                String socket = addr.substring("unix://".length());
                if (!socket.startsWith("/")) {
                    throw invalid(url, "CONSUL_HTTP_ADDR=" + addr + ": write unix:///absolute/path");
                }
                unixSocket = Path.of(socket);
            } else if (addr.contains("://")) {
                throw invalid(url, "CONSUL_HTTP_ADDR=" + addr + ": only http://, https:// and unix:// are supported");
            }
            rest = addr.endsWith("/") ? addr.substring(0, addr.length() - 1) : addr;
        }
        if (backend == Backend.CONSUL
                && env.getOrDefault("CONSUL_HTTP_SSL", "").trim().equalsIgnoreCase("true")) {
            https = true;
        }
        List<HostPort> endpoints = new ArrayList<>();
        if (unixSocket == null) {
            for (String part : rest.split(",", -1)) {
                endpoints.add(parseHostPort(url, part.trim(), defaultPort));
            }
        } else if (https) {
            throw invalid(url, "TLS over Consul's unix socket is not supported");
        }
        if (backend == Backend.CONSUL && endpoints.size() > 1) {
            throw invalid(url, "Consul takes one agent address (the agent forwards to the servers)");
        }
        Map<String, String> options = parseQuery(url, query, backend);
        String dc = options.getOrDefault("dc", "");
        if (!dc.matches("[A-Za-z0-9_.-]*")) {
            throw invalid(url, "bad datacenter name '" + dc + "'");
        }
        Duration timeout =
                options.containsKey("timeout") ? parseDuration(url, options.get("timeout")) : DEFAULT_TIMEOUT;
        return new StoreUrl(backend, null, endpoints, https, timeout, keyPrefix, dc, unixSocket);
    }

    /**
     * Refuses {@code user:password@} in the authority of {@code address} (the URL, or
     * {@code CONSUL_HTTP_ADDR}) without repeating it: the store URL is logged at start-up and shown by
     * {@code jovl status}, and it is in the daemon's command line or the plugin's settings, so a
     * password there would leak; credentials go in {@link StoreSecurity} (a password file).
     */
    private static void refuseCredentials(String url, String address) {
        int start = address.indexOf("//");
        String authority = start < 0 ? "" : address.substring(start + 2);
        int end = authority.length();
        for (char c : new char[] {'/', '?', '#'}) {
            int i = authority.indexOf(c);
            if (i >= 0 && i < end) {
                end = i;
            }
        }
        if (authority.substring(0, end).contains("@")) {
            throw new StoreException.InvalidArgument("bad store URL: it holds a user or password ('...@'), which"
                    + " would be logged and shown by jovl status; give --store-user and --store-password-file"
                    + " (JOVL_STORE_USER, JOVL_STORE_PASSWORD_FILE) instead, or for Consul an ACL token file"
                    + " (--store-password-file or CONSUL_HTTP_TOKEN_FILE)");
        }
    }

    /** The URL's path as a key prefix: {@code a/b} or {@code a/b/} -> {@code a/b/}; empty -> none. */
    private static String parsePrefix(String url, String path) {
        if (path.isEmpty()) {
            return "";
        }
        String prefix = path.endsWith("/") ? path : path + "/";
        for (String segment : prefix.substring(0, prefix.length() - 1).split("/", -1)) {
            if (segment.isEmpty() || segment.equals(".") || segment.equals("..")) {
                throw invalid(url, "bad key prefix '" + path + "': empty, '.' or '..' segment");
            }
        }
        try {
            KeyRules.checkPrefix(prefix);
        } catch (StoreException.InvalidArgument e) {
            throw invalid(url, "bad key prefix '" + path + "': " + e.getMessage());
        }
        return prefix;
    }

    private static HostPort parseHostPort(String url, String s, int defaultPort) {
        if (s.isEmpty()) {
            throw invalid(url, "empty address in the list");
        }
        String host;
        String port;
        if (s.startsWith("[")) {
            int end = s.indexOf(']');
            if (end < 0) {
                throw invalid(url, "unclosed '[' in " + s);
            }
            host = s.substring(1, end);
            String after = s.substring(end + 1);
            if (!after.isEmpty() && !after.startsWith(":")) {
                throw invalid(url, "bad address " + s);
            }
            port = after.isEmpty() ? "" : after.substring(1);
        } else {
            int c = s.lastIndexOf(':');
            if (c >= 0 && s.indexOf(':') != c) {
                throw invalid(url, "write IPv6 addresses in brackets: " + s);
            }
            host = c < 0 ? s : s.substring(0, c);
            port = c < 0 ? "" : s.substring(c + 1);
        }
        if (host.isEmpty() || !host.matches("[A-Za-z0-9._:%-]+")) {
            throw invalid(url, "bad host in " + s);
        }
        int p = defaultPort;
        if (!port.isEmpty()) {
            try {
                p = Integer.parseInt(port);
            } catch (NumberFormatException e) {
                p = -1;
            }
            if (p < 1 || p > 65535) {
                throw invalid(url, "bad port in " + s);
            }
        }
        return new HostPort(host, p);
    }

    private static Map<String, String> parseQuery(String url, String query, Backend backend) {
        Map<String, String> options = new java.util.HashMap<>();
        if (query.isEmpty()) {
            return options;
        }
        for (String param : query.split("&")) {
            int eq = param.indexOf('=');
            String name = eq < 0 ? param : param.substring(0, eq);
            String value = eq < 0 ? "" : param.substring(eq + 1);
            boolean known = name.equals("timeout") || (name.equals("dc") && backend == Backend.CONSUL);
            if (!known) {
                throw invalid(
                        url,
                        "unknown option '" + name + "'; the options are timeout (e.g. timeout=3s)"
                                + (backend == Backend.CONSUL ? " and dc (Consul's datacenter)" : ""));
            }
            options.put(name, value);
        }
        return options;
    }

    private static Duration parseDuration(String url, String value) {
        try {
            Duration d;
            if (value.endsWith("ms")) {
                d = Duration.ofMillis(Long.parseLong(value.substring(0, value.length() - 2)));
            } else if (value.endsWith("s")) {
                d = Duration.ofMillis(Math.round(Double.parseDouble(value.substring(0, value.length() - 1)) * 1000));
            } else {
                throw new NumberFormatException();
            }
            if (d.toMillis() < 100 || d.toMinutes() > 10) {
                throw invalid(url, "timeout must be between 100ms and 10 minutes: " + value);
            }
            return d;
        } catch (NumberFormatException e) {
            throw invalid(url, "bad timeout '" + value + "'; write e.g. 500ms or 3s");
        }
    }

    private static String scheme(Backend backend) {
        return backend.name().toLowerCase(java.util.Locale.ROOT);
    }

    private static StoreException.InvalidArgument invalid(String url, String why) {
        return new StoreException.InvalidArgument("bad store URL '" + url + "': " + why);
    }
}
