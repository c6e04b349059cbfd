package dev.jovl.driver.dns;

import static dev.jovl.driver.dns.DnsWire.*;

import java.io.DataInputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Semaphore;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * jovl's DNS responder: UDP and TCP on one address and port. Known container names are answered
 * on the receiving thread straight from the {@link NameTable} (no lock, no I/O besides the
 * reply); everything else is forwarded upstream on a worker thread, at most
 * {@link #MAX_FORWARDS_IN_FLIGHT} at a time (beyond that: SERVFAIL at once).
 */
public final class DnsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    static final int MAX_FORWARDS_IN_FLIGHT = 512;
    static final int MAX_TCP_CONNECTIONS = 128;
    private static final int TCP_IDLE_MILLIS = 10_000;
    private static final int MAX_UDP = 65535;

    private final LocalAnswers local;
    private final UpstreamForwarder forwarder;
    private final DatagramChannel udp;
    private final ServerSocket tcp;
    /**
     * Platform threads, not virtual ones: a new thread is made by the thread that submits work
     * (the UDP loop or the TCP acceptor) and so joins its network namespace. When the responder
     * was started inside a host's namespace ({@code NetNs.call}), forwarded queries therefore
     * leave from that namespace too, as they do when jovl runs in the host namespace itself.
     * Virtual threads would run on carrier threads of the JVM's own namespace.
     */
    private final ExecutorService workers = Executors.newCachedThreadPool(
            Thread.ofPlatform().name("jovl-dns-", 0).daemon().factory());
    private final Semaphore forwardSlots = new Semaphore(MAX_FORWARDS_IN_FLIGHT);
    private final Semaphore tcpSlots = new Semaphore(MAX_TCP_CONNECTIONS);
    private final Thread udpLoop;
    private final Thread tcpLoop;
    private volatile boolean closed;

    private final AtomicLong answeredLocally = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();
    private final AtomicLong refused = new AtomicLong();

    /** Counters since start, for logs and {@code jovl status}. */
    public record Stats(long answeredLocally, long forwarded, long malformed, long refused) {
    }

    private DnsServer(LocalAnswers local, UpstreamForwarder forwarder, DatagramChannel udp, ServerSocket tcp) {
        this.local = local;
        this.forwarder = forwarder;
        this.udp = udp;
        this.tcp = tcp;
        this.udpLoop = Thread.ofPlatform().name("jovl-dns-udp").daemon().unstarted(this::serveUdp);
        this.tcpLoop = Thread.ofPlatform().name("jovl-dns-tcp").daemon().unstarted(this::acceptTcp);
    }

    /**
     * Binds UDP and TCP on {@code listen} (port 0: a free port, the same for both) and starts
     * serving.
     *
     * @throws IOException if either cannot be bound (address not on this host, port taken)
     */
    public static DnsServer start(InetSocketAddress listen, NameTable names, UpstreamForwarder forwarder) throws IOException {
        DatagramChannel udp = DatagramChannel.open(listen.getAddress() instanceof java.net.Inet6Address
                ? StandardProtocolFamily.INET6 : StandardProtocolFamily.INET);
        ServerSocket tcp = null;
        try {
            udp.bind(listen);
            int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
            tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(listen.getAddress(), port), 128);
        } catch (IOException | RuntimeException e) {
            udp.close();
            if (tcp != null) {
                tcp.close();
            }
            throw new IOException("cannot listen for DNS on " + listen + ": " + e.getMessage(), e);
        }
        DnsServer server = new DnsServer(new LocalAnswers(names), forwarder, udp, tcp);
        server.udpLoop.start();
        server.tcpLoop.start();
        log.info("DNS responder on {} (udp+tcp), upstream {}", server.address(), forwarder.servers());
        return server;
    }

    /** The bound address (the real port if 0 was asked for). */
    public InetSocketAddress address() {
        return (InetSocketAddress) tcp.getLocalSocketAddress();
    }

    public Stats stats() {
        return new Stats(answeredLocally.get(), forwarded.get(), malformed.get(), refused.get());
    }

    private void serveUdp() {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_UDP);
        while (!closed) {
            SocketAddress client;
            try {
                buffer.clear();
                client = udp.receive(buffer);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("DNS UDP receive failed: {}", e.toString());
                continue;
            }
            try {
                handleUdp(buffer.array(), buffer.position(), client);
            } catch (RuntimeException e) {
                // one bad datagram must never stop the loop
                log.warn("DNS UDP query from {} failed: {}", client, e.toString(), e);
            }
        }
    }

    private void handleUdp(byte[] buffer, int length, SocketAddress client) {
        if (!DnsQuery.looksLikeQuery(buffer, length)) {
            malformed.incrementAndGet();
            return; // too short to answer, or a response: never answer those (reflection loops)
        }
        DnsQuery q;
        try {
            q = DnsQuery.parse(buffer, length);
        } catch (DnsFormatException e) {
            malformed.incrementAndGet();
            sendUdp(DnsResponses.headerOnlyError(buffer, RCODE_FORMERR), client);
            return;
        }
        byte[] response = local.answer(buffer, q, q.udpLimit());
        if (response != null) {
            answeredLocally.incrementAndGet();
            sendUdp(response, client);
            return;
        }
        byte[] copy = java.util.Arrays.copyOf(buffer, length);
        if (!forwardSlots.tryAcquire()) {
            refused.incrementAndGet();
            sendUdp(DnsResponses.error(copy, q, RCODE_SERVFAIL), client);
            return;
        }
        forwarded.incrementAndGet();
        workers.execute(() -> {
            try {
                sendUdp(forwarder.forward(copy, copy.length, q, false), client);
            } finally {
                forwardSlots.release();
            }
        });
    }

    private void sendUdp(byte[] response, SocketAddress client) {
        try {
            udp.send(ByteBuffer.wrap(response), client);
        } catch (IOException e) {
            if (!closed) {
                log.debug("DNS UDP reply to {} failed: {}", client, e.toString());
            }
        }
    }

    private void acceptTcp() {
        while (!closed) {
            Socket connection;
            try {
                connection = tcp.accept();
            } catch (IOException e) {
                if (closed) {
                    return;
                }
                log.warn("DNS TCP accept failed: {}", e.toString());
                continue;
            }
            if (!tcpSlots.tryAcquire()) {
                // too many open connections: drop this one, the client retries (RFC 7766 6.2.2)
                try {
                    connection.close();
                } catch (IOException ignored) {
                    // closing is all we wanted
                }
                continue;
            }
            workers.execute(() -> {
                try {
                    serveTcp(connection);
                } finally {
                    tcpSlots.release();
                }
            });
        }
    }

    /** RFC 7766: several length-prefixed queries per connection, answered in order. */
    private void serveTcp(Socket connection) {
        try (connection) {
            connection.setSoTimeout(TCP_IDLE_MILLIS);
            DataInputStream in = new DataInputStream(connection.getInputStream());
            OutputStream out = connection.getOutputStream();
            while (!closed) {
                int length;
                try {
                    length = in.readUnsignedShort();
                } catch (EOFException | SocketTimeoutException e) {
                    return;
                }
                byte[] message = in.readNBytes(length);
                if (message.length != length || !DnsQuery.looksLikeQuery(message, length)) {
                    malformed.incrementAndGet();
                    return;
                }
                byte[] response = respondTcp(message);
                byte[] framed = new byte[response.length + 2];
                put16(framed, 0, response.length);
                System.arraycopy(response, 0, framed, 2, response.length);
                out.write(framed);
                out.flush();
            }
        } catch (IOException e) {
            log.debug("DNS TCP connection ended: {}", e.toString());
        } catch (RuntimeException e) {
            log.warn("DNS TCP query failed: {}", e.toString(), e);
        }
    }

    private byte[] respondTcp(byte[] message) {
        DnsQuery q;
        try {
            q = DnsQuery.parse(message, message.length);
        } catch (DnsFormatException e) {
            malformed.incrementAndGet();
            return DnsResponses.headerOnlyError(message, RCODE_FORMERR);
        }
        byte[] response = local.answer(message, q, MAX_UDP);
        if (response != null) {
            answeredLocally.incrementAndGet();
            return response;
        }
        forwarded.incrementAndGet();
        return forwarder.forward(message, message.length, q, true);
    }

    @Override
    public void close() {
        closed = true;
        try {
            udp.close();
        } catch (IOException e) {
            log.debug("closing DNS UDP socket: {}", e.toString());
        }
        try {
            tcp.close();
        } catch (IOException e) {
            log.debug("closing DNS TCP socket: {}", e.toString());
        }
        workers.shutdownNow();
        try {
            udpLoop.join(2000);
            tcpLoop.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
