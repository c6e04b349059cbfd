package dev.jovl.driver.dns;

import static dev.jovl.driver.dns.DnsWire.*;

import java.io.DataInputStream;
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
 *
 * <p>Not an open resolver: only sources its {@link DnsClients} allows are served (others get
 * REFUSED, malformed queries too, over UDP and over TCP, where their connections have a small
 * pool of {@link #MAX_TCP_REFUSALS} of their own); every source is rate-limited
 * ({@link Limits#queriesPerSecond()}, over it UDP queries are dropped and TCP connections closed);
 * a UDP answer is never larger than the query's transport allows (512 bytes without EDNS, the
 * advertised size with it, at most 1232): a bigger upstream answer goes back as TC with no
 * records. TCP: at most {@link Limits#tcpPerSource()} connections per source and each query
 * must arrive whole within {@link Limits#tcpRequestDeadline()}, and each answer be taken by the
 * asker within the same time (else the connection is closed). The receive loops survive any
 * {@link Throwable} from one query.
 */
public final class DnsServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(DnsServer.class);
    static final int MAX_FORWARDS_IN_FLIGHT = 512;
    static final int MAX_TCP_CONNECTIONS = 128;
    /** TCP connections of sources not served, being read for their REFUSED answer. */
    static final int MAX_TCP_REFUSALS = 16;

    private static final int TCP_IDLE_MILLIS = 10_000;
    private static final int MAX_UDP = 65535;

    /**
     * @param queriesPerSecond   per source, UDP and TCP together
     * @param burst              queries a source may send at once after a quiet spell
     * @param tcpPerSource       open TCP connections per source address
     * @param tcpRequestDeadline from a TCP query's first byte to its last
     */
    public record Limits(int queriesPerSecond, int burst, int tcpPerSource, java.time.Duration tcpRequestDeadline) {
        /** A container resolving at 200 names a second is busy; a reflector at 200 x 512 bytes is harmless. */
        public static final Limits DEFAULT = new Limits(200, 400, 8, java.time.Duration.ofSeconds(5));
    }

    private static final int MAX_RATE_SOURCES = 4096;

    private final DnsClients clients;
    private final Limits limits;
    private final SourceRateLimit rate;
    private final java.util.Map<java.net.InetAddress, java.util.concurrent.atomic.AtomicInteger> tcpPerSource =
            new java.util.concurrent.ConcurrentHashMap<>();
    private final java.util.concurrent.ScheduledExecutorService deadlines = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("jovl-dns-deadline").daemon().factory());
    private final AtomicLong refused = new AtomicLong();
    private final AtomicLong rateLimited = new AtomicLong();
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
    private final Semaphore refusalSlots = new Semaphore(MAX_TCP_REFUSALS);
    private final Thread udpLoop;
    private final Thread tcpLoop;
    private volatile boolean closed;

    private final AtomicLong answeredLocally = new AtomicLong();
    private final AtomicLong forwarded = new AtomicLong();
    private final AtomicLong malformed = new AtomicLong();

    /** Counters since start, for logs and {@code jovl status}. */
    public record Stats(long answeredLocally, long forwarded, long malformed, long refused, long rateLimited) {}

    private DnsServer(
            LocalAnswers local,
            UpstreamForwarder forwarder,
            DatagramChannel udp,
            ServerSocket tcp,
            DnsClients clients,
            Limits limits) {
        this.clients = clients;
        this.limits = limits;
        this.rate = new SourceRateLimit(limits.queriesPerSecond(), limits.burst(), MAX_RATE_SOURCES);
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
    public static DnsServer start(InetSocketAddress listen, NameTable names, UpstreamForwarder forwarder)
            throws IOException {
        return start(listen, names, forwarder, DnsClients.thisHostOnly(), Limits.DEFAULT);
    }

    /** As above, serving only {@code clients}, within {@code limits}. */
    public static DnsServer start(
            InetSocketAddress listen, NameTable names, UpstreamForwarder forwarder, DnsClients clients, Limits limits)
            throws IOException {
        // Port 0 picks a free UDP port, but the TCP port of the same number may be taken by
        // someone else: pick again a few times instead of failing on a coincidence.
        int attempts = listen.getPort() == 0 ? 16 : 1;
        for (int attempt = 1; ; attempt++) {
            try {
                return bindAndServe(listen, names, forwarder, clients, limits);
            } catch (java.net.BindException e) {
                if (attempt >= attempts) {
                    throw new IOException("cannot listen for DNS on " + listen + ": " + e.getMessage(), e);
                }
            }
        }
    }

    private static DnsServer bindAndServe(
            InetSocketAddress listen, NameTable names, UpstreamForwarder forwarder, DnsClients clients, Limits limits)
            throws IOException {
        DatagramChannel udp = DatagramChannel.open(
                listen.getAddress() instanceof java.net.Inet6Address
                        ? StandardProtocolFamily.INET6
                        : StandardProtocolFamily.INET);
        ServerSocket tcp = null;
        try {
            udp.bind(listen);
            int port = ((InetSocketAddress) udp.getLocalAddress()).getPort();
            tcp = new ServerSocket();
            tcp.setReuseAddress(true);
            tcp.bind(new InetSocketAddress(listen.getAddress(), port), 128);
        } catch (java.net.BindException e) {
            udp.close();
            if (tcp != null) {
                tcp.close();
            }
            throw e;
        } catch (IOException | RuntimeException e) {
            udp.close();
            if (tcp != null) {
                tcp.close();
            }
            throw new IOException("cannot listen for DNS on " + listen + ": " + e.getMessage(), e);
        }
        DnsServer server = new DnsServer(new LocalAnswers(names), forwarder, udp, tcp, clients, limits);
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
        return new Stats(answeredLocally.get(), forwarded.get(), malformed.get(), refused.get(), rateLimited.get());
    }

    private void serveUdp() {
        ByteBuffer buffer = ByteBuffer.allocate(MAX_UDP);
        while (!closed) {
            SocketAddress client = null;
            try {
                buffer.clear();
                client = udp.receive(buffer);
                handleUdp(buffer.array(), buffer.position(), client);
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                log.warn("DNS UDP receive failed: {}", e.toString());
            } catch (Throwable e) {
                // one bad datagram (or an Error while serving it) must never stop the loop
                log.warn("DNS UDP query from {} failed: {}", client, e.toString(), e);
            }
        }
    }

    private void handleUdp(byte[] buffer, int length, SocketAddress client) {
        java.net.InetAddress source = ((InetSocketAddress) client).getAddress();
        if (!rate.tryAcquire(source)) {
            rateLimited.incrementAndGet();
            return; // over its rate: silence (an answer would make jovl a reflector)
        }
        if (!DnsQuery.looksLikeQuery(buffer, length)) {
            malformed.incrementAndGet();
            return; // too short to answer, or a response: never answer those (reflection loops)
        }
        if (!clients.allows(source)) {
            // before parsing: a source not served learns nothing but REFUSED, malformed or not
            refused.incrementAndGet();
            sendUdp(refusal(buffer, length), client);
            return;
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
                sendUdp(
                        DnsResponses.fitted(forwarder.forward(copy, copy.length, q, false), copy, q, q.udpLimit()),
                        client);
            } catch (Throwable e) {
                log.warn("DNS forward for {} failed: {}", client, e.toString(), e);
            } finally {
                forwardSlots.release();
            }
        });
    }

    /** REFUSED, with the question if the query parses, else the header alone: never bigger than the query. */
    private static byte[] refusal(byte[] query, int length) {
        try {
            return DnsResponses.error(query, DnsQuery.parse(query, length), RCODE_REFUSED);
        } catch (DnsFormatException e) {
            return DnsResponses.headerOnlyError(query, RCODE_REFUSED);
        }
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
            try {
                accepted(connection);
            } catch (Throwable e) {
                log.warn("DNS TCP connection from {} failed: {}", connection.getRemoteSocketAddress(), e.toString(), e);
                closeQuietly(connection);
            }
        }
    }

    private void accepted(Socket connection) {
        java.net.InetAddress source = connection.getInetAddress();
        boolean served = clients.allows(source);
        if (!served) {
            refused.incrementAndGet();
        }
        // a source not served gets its REFUSED from a small pool of its own, so strangers cannot
        // take the slots of this host's containers
        Semaphore slots = served ? tcpSlots : refusalSlots;
        java.util.concurrent.atomic.AtomicInteger open =
                tcpPerSource.computeIfAbsent(source, a -> new java.util.concurrent.atomic.AtomicInteger());
        if (open.incrementAndGet() > limits.tcpPerSource() || !slots.tryAcquire()) {
            // too many open connections: drop this one, the client retries (RFC 7766 6.2.2)
            releaseSource(source, open);
            closeQuietly(connection);
            return;
        }
        workers.execute(() -> {
            try {
                if (served) {
                    serveTcp(connection, source);
                } else {
                    refuseTcp(connection, source);
                }
            } finally {
                slots.release();
                releaseSource(source, open);
            }
        });
    }

    /** One query of a source not served, answered REFUSED; the whole exchange within the deadline. */
    private void refuseTcp(Socket connection, java.net.InetAddress source) {
        java.util.concurrent.ScheduledFuture<?> deadline = closeAfter(connection, limits.tcpRequestDeadline());
        try (connection) {
            DataInputStream in = new DataInputStream(connection.getInputStream());
            int first = in.read();
            if (first < 0) {
                return;
            }
            byte[] message = restOfQuery(connection, in, first, source);
            if (message != null) {
                writeFramed(connection, connection.getOutputStream(), refusal(message, message.length));
            }
        } catch (IOException e) {
            log.debug("DNS TCP connection of a source not served ended: {}", e.toString());
        } finally {
            deadline.cancel(false);
        }
    }

    /**
     * The rest of a TCP query whose length's first byte was read: it must come within the
     * deadline, however slowly it trickles. Null when the connection should end (cut short,
     * over the source's rate, or not a query).
     */
    private byte[] restOfQuery(Socket connection, DataInputStream in, int first, java.net.InetAddress source)
            throws IOException {
        java.util.concurrent.ScheduledFuture<?> deadline = closeAfter(connection, limits.tcpRequestDeadline());
        byte[] message;
        try {
            int length = (first << 8) | in.readUnsignedByte();
            message = in.readNBytes(length);
            if (message.length != length) {
                malformed.incrementAndGet();
                return null;
            }
        } finally {
            deadline.cancel(false);
        }
        if (!rate.tryAcquire(source)) {
            rateLimited.incrementAndGet();
            return null;
        }
        if (!DnsQuery.looksLikeQuery(message, message.length)) {
            malformed.incrementAndGet();
            return null;
        }
        return message;
    }

    /** Closes {@code connection} after {@code after}, which ends any read or write blocked on it. */
    private java.util.concurrent.ScheduledFuture<?> closeAfter(Socket connection, java.time.Duration after) {
        return deadlines.schedule(
                () -> closeQuietly(connection), after.toMillis(), java.util.concurrent.TimeUnit.MILLISECONDS);
    }

    /**
     * Writes one length-prefixed answer, within the query deadline: an asker that sends queries
     * and never reads its answers would otherwise block this worker, and hold its slot, forever.
     */
    private void writeFramed(Socket connection, OutputStream out, byte[] response) throws IOException {
        byte[] framed = new byte[response.length + 2];
        put16(framed, 0, response.length);
        System.arraycopy(response, 0, framed, 2, response.length);
        java.util.concurrent.ScheduledFuture<?> deadline = closeAfter(connection, limits.tcpRequestDeadline());
        try {
            out.write(framed);
            out.flush();
        } finally {
            deadline.cancel(false);
        }
    }

    private void releaseSource(java.net.InetAddress source, java.util.concurrent.atomic.AtomicInteger open) {
        if (open.decrementAndGet() <= 0) {
            tcpPerSource.remove(source, open);
        }
    }

    private static void closeQuietly(Socket connection) {
        try {
            connection.close();
        } catch (IOException ignored) {
            // closing is all we wanted
        }
    }

    /** RFC 7766: several length-prefixed queries per connection, answered in order. */
    private void serveTcp(Socket connection, java.net.InetAddress source) {
        try (connection) {
            connection.setSoTimeout(TCP_IDLE_MILLIS);
            DataInputStream in = new DataInputStream(connection.getInputStream());
            OutputStream out = connection.getOutputStream();
            while (!closed) {
                int first;
                try {
                    first = in.read();
                } catch (SocketTimeoutException e) {
                    return;
                }
                if (first < 0) {
                    return;
                }
                byte[] message = restOfQuery(connection, in, first, source);
                if (message == null) {
                    return;
                }
                writeFramed(connection, out, respondTcp(message));
            }
        } catch (IOException e) {
            log.debug("DNS TCP connection ended: {}", e.toString());
        } catch (Throwable e) {
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
        deadlines.shutdownNow();
        try {
            udpLoop.join(2000);
            tcpLoop.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
