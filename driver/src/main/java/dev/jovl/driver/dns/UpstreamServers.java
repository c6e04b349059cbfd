package dev.jovl.driver.dns;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/** Where unknown names go: parsing upstream lists and leaving jovl's own address out of them. */
public final class UpstreamServers {

    public static final int DNS_PORT = 53;

    private UpstreamServers() {}

    /**
     * The {@code nameserver} lines of a resolv.conf file (missing file: none). Port 53 each.
     */
    public static List<InetSocketAddress> fromResolvConf(Path file) throws IOException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (NoSuchFileException e) {
            return List.of();
        }
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String line : lines) {
            String[] words = line.trim().split("\\s+");
            if (words.length >= 2 && words[0].equals("nameserver")) {
                servers.add(new InetSocketAddress(literal(words[1]), DNS_PORT));
            }
        }
        return servers;
    }

    /**
     * Parses a comma-separated list of {@code IP}, {@code IP:PORT}, {@code [IPv6]:PORT}.
     *
     * @throws IllegalArgumentException naming the entry that is not a numeric address
     */
    public static List<InetSocketAddress> parseList(String list) {
        List<InetSocketAddress> servers = new ArrayList<>();
        for (String entry : list.split(",")) {
            String e = entry.trim();
            if (!e.isEmpty()) {
                servers.add(parseAddress(e, DNS_PORT));
            }
        }
        return servers;
    }

    /** Parses {@code IP}, {@code IP:PORT} or {@code [IPv6]:PORT}, with {@code defaultPort} if none. */
    public static InetSocketAddress parseAddress(String text, int defaultPort) {
        String host = text;
        int port = defaultPort;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("missing ']' in " + text);
            }
            host = text.substring(1, close);
            if (close + 1 < text.length()) {
                if (text.charAt(close + 1) != ':') {
                    throw new IllegalArgumentException("expected ':PORT' after ']' in " + text);
                }
                port = parsePort(text.substring(close + 2), text);
            }
        } else if (text.indexOf(':') >= 0 && text.indexOf(':') == text.lastIndexOf(':')) {
            host = text.substring(0, text.indexOf(':'));
            port = parsePort(text.substring(text.indexOf(':') + 1), text);
        }
        return new InetSocketAddress(literal(host), port);
    }

    private static int parsePort(String port, String whole) {
        try {
            int p = Integer.parseInt(port);
            if (p < 1 || p > 65535) {
                throw new NumberFormatException();
            }
            return p;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("bad port in " + whole);
        }
    }

    /** A numeric IPv4 or IPv6 address; names are refused (no DNS lookup to find a DNS server). */
    static InetAddress literal(String text) {
        try {
            return InetAddress.ofLiteral(text); // parses only; never asks a resolver
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("not a numeric IP address: " + text, e);
        }
    }

    /**
     * {@code servers} without jovl's own listening address: forwarding to ourselves would loop.
     * A wildcard listener excludes every address of this host on that port.
     */
    public static List<InetSocketAddress> excludingSelf(List<InetSocketAddress> servers, InetSocketAddress listen) {
        List<InetSocketAddress> kept = new ArrayList<>();
        for (InetSocketAddress server : servers) {
            if (server.getPort() == listen.getPort()
                    && (server.getAddress().equals(listen.getAddress())
                            || (listen.getAddress().isAnyLocalAddress() && isLocal(server.getAddress())))) {
                continue;
            }
            kept.add(server);
        }
        return Collections.unmodifiableList(kept);
    }

    static boolean isLocal(InetAddress address) {
        if (address.isLoopbackAddress() || address.isAnyLocalAddress()) {
            return true;
        }
        try {
            return NetworkInterface.getByInetAddress(address) != null;
        } catch (SocketException e) {
            return false;
        }
    }
}
