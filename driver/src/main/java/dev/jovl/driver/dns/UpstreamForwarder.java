package dev.jovl.driver.dns;

import static dev.jovl.driver.dns.DnsWire.*;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Sends queries jovl does not answer itself to the upstream servers, one after the other, and
 * returns the first usable response.
 *
 * <ul>
 *   <li>Each upstream exchange uses a fresh socket (random source port) and a fresh random query
 *       id; a response counts only if it comes from that server with that id and repeats the
 *       question. The asker's id is put back before the response is returned.</li>
 *   <li>Upstream answers, NXDOMAIN included, are returned byte for byte (so its SOA for negative
 *       caching stays). SERVFAIL and REFUSED make jovl try the next server and are returned only
 *       if no server does better.</li>
 *   <li>No answer within the timeout from any server: SERVFAIL, never silence, so the asker
 *       does not wait out its own, longer timeout.</li>
 *   <li>A UDP query goes upstream over UDP (a truncated reply is passed on; the asker retries over
 *       TCP), a TCP query over TCP.</li>
 * </ul>
 */
public final class UpstreamForwarder {

    private static final Logger log = LoggerFactory.getLogger(UpstreamForwarder.class);
    private static final int MAX_MESSAGE = 65535;

    private final List<InetSocketAddress> servers;
    private final Duration timeout;
    private final SecureRandom random = new SecureRandom();
    private volatile Observer observer = (error, nanos) -> {};

    /** The kinds of failed exchange an {@link Observer} is told of. */
    public static final String TIMEOUT = "timeout";

    public static final String IO = "io";
    public static final String SERVFAIL = "servfail";
    public static final List<String> ERROR_KINDS = List.of(TIMEOUT, IO, SERVFAIL);

    /** Told of every exchange with an upstream server (for metrics). */
    public interface Observer {
        /** @param error null if the server answered usefully, else one of {@link #ERROR_KINDS} */
        void exchanged(String error, long nanos);
    }

    /**
     * @param servers tried in this order
     * @param timeout per server and exchange
     */
    public UpstreamForwarder(List<InetSocketAddress> servers, Duration timeout) {
        this.servers = List.copyOf(servers);
        this.timeout = Objects.requireNonNull(timeout);
        if (timeout.isNegative() || timeout.isZero()) {
            throw new IllegalArgumentException("upstream timeout must be positive: " + timeout);
        }
    }

    public void observe(Observer observer) {
        this.observer = observer;
    }

    public List<InetSocketAddress> servers() {
        return servers;
    }

    /** The upstream response to {@code query} (its first {@code length} bytes), never null. */
    public byte[] forward(byte[] query, int length, DnsQuery q, boolean overTcp) {
        byte[] lastFailure = null;
        for (InetSocketAddress server : servers) {
            int upstreamId = random.nextInt(0x10000);
            byte[] out = java.util.Arrays.copyOf(query, length);
            put16(out, 0, upstreamId);
            byte[] response;
            long t0 = System.nanoTime();
            try {
                response = overTcp ? exchangeTcp(server, out, upstreamId, q) : exchangeUdp(server, out, upstreamId, q);
            } catch (SocketTimeoutException e) {
                observer.exchanged(TIMEOUT, System.nanoTime() - t0);
                log.debug("upstream {} did not answer {} within {}", server, q.name(), timeout);
                continue;
            } catch (IOException e) {
                observer.exchanged(IO, System.nanoTime() - t0);
                log.debug("upstream {} failed for {}: {}", server, q.name(), e.toString());
                continue;
            }
            put16(response, 0, q.id());
            int rcode = u16(response, 2) & RCODE_MASK;
            if (rcode == RCODE_SERVFAIL || rcode == RCODE_REFUSED) {
                observer.exchanged(SERVFAIL, System.nanoTime() - t0);
                lastFailure = response;
                continue;
            }
            observer.exchanged(null, System.nanoTime() - t0);
            return response;
        }
        return lastFailure != null ? lastFailure : DnsResponses.error(query, q, RCODE_SERVFAIL);
    }

    private byte[] exchangeUdp(InetSocketAddress server, byte[] out, int upstreamId, DnsQuery q) throws IOException {
        try (DatagramSocket socket = new DatagramSocket()) {
            socket.connect(server);
            socket.send(new DatagramPacket(out, out.length));
            long deadline = System.nanoTime() + timeout.toNanos();
            byte[] buffer = new byte[MAX_MESSAGE];
            while (true) {
                long left = Math.max(1, (deadline - System.nanoTime()) / 1_000_000);
                if (deadline - System.nanoTime() <= 0) {
                    throw new SocketTimeoutException();
                }
                socket.setSoTimeout((int) Math.min(left, Integer.MAX_VALUE));
                DatagramPacket packet = new DatagramPacket(buffer, buffer.length);
                socket.receive(packet);
                if (isResponseTo(buffer, packet.getLength(), upstreamId, q)) {
                    return java.util.Arrays.copyOf(buffer, packet.getLength());
                }
                // a stray or forged datagram: keep waiting for the real answer
            }
        }
    }

    private byte[] exchangeTcp(InetSocketAddress server, byte[] out, int upstreamId, DnsQuery q) throws IOException {
        try (Socket socket = new Socket()) {
            socket.connect(server, (int) timeout.toMillis());
            socket.setSoTimeout((int) timeout.toMillis());
            OutputStream os = socket.getOutputStream();
            byte[] framed = new byte[out.length + 2];
            put16(framed, 0, out.length);
            System.arraycopy(out, 0, framed, 2, out.length);
            os.write(framed);
            os.flush();
            DataInputStream in = new DataInputStream(socket.getInputStream());
            int length = in.readUnsignedShort();
            byte[] response = in.readNBytes(length);
            if (response.length != length || !isResponseTo(response, length, upstreamId, q)) {
                throw new IOException("malformed or mismatched TCP response from " + server);
            }
            return response;
        }
    }

    /** The QR bit, our id, and the same question (or none, in an error response). */
    static boolean isResponseTo(byte[] msg, int length, int id, DnsQuery q) {
        if (length < HEADER_BYTES || u16(msg, 0) != id || (u16(msg, 2) & FLAG_QR) == 0) {
            return false;
        }
        int questions = u16(msg, 4);
        if (questions == 0) {
            return (u16(msg, 2) & RCODE_MASK) != RCODE_NOERROR;
        }
        if (questions != 1) {
            return false;
        }
        try {
            ParsedNameCheck check = ParsedNameCheck.of(msg, length);
            return Objects.equals(check.name(), q.name()) && check.qtype() == q.qtype() && check.qclass() == q.qclass();
        } catch (DnsFormatException e) {
            return false;
        }
    }

    private record ParsedNameCheck(String name, int qtype, int qclass) {
        static ParsedNameCheck of(byte[] msg, int length) throws DnsFormatException {
            DnsWire.ParsedName name = readName(msg, length, HEADER_BYTES);
            if (name.end() + 4 > length) {
                throw new DnsFormatException("truncated question");
            }
            return new ParsedNameCheck(name.text(), u16(msg, name.end()), u16(msg, name.end() + 2));
        }
    }
}
