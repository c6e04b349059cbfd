package dev.jovl.driver.dns;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real upstream DNS server for tests: dnsmasq (Debian package {@code dnsmasq-base}) on a free
 * loopback port, with the records the test gives, authoritative for {@code .test} (so unknown
 * names there are NXDOMAIN) and without any upstream of its own (other names: REFUSED).
 */
public final class Dnsmasq implements AutoCloseable {

    private static final Path BINARY = Path.of("/usr/sbin/dnsmasq");

    private final Process process;
    private final InetSocketAddress address;
    private static final java.util.concurrent.atomic.AtomicInteger NEXT_ID =
            new java.util.concurrent.atomic.AtomicInteger(1);

    private Dnsmasq(Process process, InetSocketAddress address) {
        this.process = process;
        this.address = address;
    }

    public static boolean installed() {
        return Files.isExecutable(BINARY);
    }

    /** {@code records} are dnsmasq {@code host-record} values: {@code name,ip[,ip6]}. */
    public static Dnsmasq start(List<String> records) throws IOException, InterruptedException {
        return start(records, "test");
    }

    /** As {@link #start(List)}, authoritative for {@code localDomain} instead of {@code test}. */
    public static Dnsmasq start(List<String> records, String localDomain) throws IOException, InterruptedException {
        return start(records, localDomain, new InetSocketAddress(InetAddress.getLoopbackAddress(), freePort()));
    }

    private static Dnsmasq start(List<String> records, String localDomain, InetSocketAddress address)
            throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(
                BINARY.toString(),
                "--keep-in-foreground",
                "--conf-file=/dev/null",
                "--no-resolv",
                "--no-hosts",
                "--listen-address=" + address.getAddress().getHostAddress(),
                "--bind-interfaces",
                "--port=" + address.getPort(),
                "--local=/" + localDomain + "/",
                "--pid-file=",
                "--user=root",
                "--cache-size=0"));
        for (String record : records) {
            command.add("--host-record=" + record);
        }
        Process process = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                .start();
        Dnsmasq server = new Dnsmasq(process, address);
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        byte[] probe =
                DnsTestClient.query(NEXT_ID.getAndIncrement() & 0xFFFF, "probe." + localDomain, DnsWire.TYPE_A, false);
        while (true) {
            try {
                DnsTestClient.udp(address, probe, 200);
                return server;
            } catch (IOException | RuntimeException e) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    server.close();
                    throw new IOException("dnsmasq did not start on " + address, e);
                }
                Thread.sleep(50);
            }
        }
    }

    public InetSocketAddress address() {
        return address;
    }

    /** A port free for both UDP and TCP on loopback right now. */
    static int freePort() throws IOException {
        for (int attempt = 0; attempt < 20; attempt++) {
            try (ServerSocket tcp = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
                    DatagramSocket udp = new DatagramSocket(tcp.getLocalPort(), InetAddress.getLoopbackAddress())) {
                return udp.getLocalPort();
            } catch (IOException e) {
                // the UDP side was taken; try another
            }
        }
        throw new IOException("no free loopback port");
    }

    @Override
    public void close() throws InterruptedException {
        process.destroy();
        if (!process.waitFor(5, TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
    }
}
