package dev.jovl.examples.bench;

import dev.jovl.driver.dns.DnsFormatException;
import dev.jovl.driver.dns.DnsWire;
import java.io.IOException;
import java.io.PrintStream;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * Waits until a web server answers {@code HTTP/1.x 200}, and prints the wall-clock millisecond it
 * first did. examples/bench.sh runs it in a probe container's network namespace on host 2 to time
 * convergence: from {@code docker run -d} returning on host 1 until the new container answers.
 *
 * <pre>
 *   nsenter -t PID -n java ConvergenceProbe.java ip ADDRESS [options]
 *   nsenter -t PID -n java ConvergenceProbe.java name NAME [options]   (Docker's DNS, 127.0.0.11)
 *   options: --port 80 --interval-ms 10 --dns-timeout-ms 50 --connect-timeout-ms 100
 *            --read-timeout-ms 1000 --timeout-ms 30000 --dns-server 127.0.0.11
 * </pre>
 *
 * Prints {@code ready} once it is polling (the caller starts the container only then, so JVM
 * start-up is never inside the figure), then {@code ok EPOCH_MS IP counters...} and exits 0, or
 * {@code timeout counters...} and exits 1; bad arguments exit 2.
 *
 * Why not curl and busybox nslookup in a shell loop (the previous probe): nslookup of a name Docker
 * does not know yet is forwarded upstream and busybox waits ~5 s for it, and {@code curl --max-time
 * 0.5} stalls 500 ms on one dropped SYN, so figures were quantised by those stalls, not by the
 * drivers. Here every wait is short and nothing blocks: one selector drives a DNS query that is
 * abandoned after 50 ms (a fresh query id each try), and a new TCP connect every 10 ms while the
 * older ones (at most 100 ms old) stay in flight, so a dropped SYN costs one tick, not a timeout.
 * Single-threaded, so the printed time is when the status line was read.
 */
public final class ConvergenceProbe {

    /** What to probe and how fast; see the usage above. */
    record Options(
            boolean byName,
            String target,
            int port,
            InetSocketAddress dnsServer,
            long intervalMs,
            long dnsTimeoutMs,
            long connectTimeoutMs,
            long readTimeoutMs,
            long timeoutMs) {

        static Options parse(String[] args) {
            if (args.length < 2 || !(args[0].equals("ip") || args[0].equals("name"))) {
                throw new IllegalArgumentException("usage: ConvergenceProbe ip ADDRESS|name NAME [--port P]"
                        + " [--interval-ms N] [--dns-timeout-ms N] [--connect-timeout-ms N] [--read-timeout-ms N]"
                        + " [--timeout-ms N] [--dns-server IP]");
            }
            boolean byName = args[0].equals("name");
            String target = args[1];
            if (byName) {
                Dns.query(0, target); // validates the name now, with a clear message
            } else {
                literal(target);
            }
            int port = 80;
            String dns = "127.0.0.11";
            long interval = 10, dnsTimeout = 50, connectTimeout = 100, readTimeout = 1000, timeout = 30_000;
            for (int i = 2; i < args.length; i += 2) {
                if (i + 1 >= args.length) {
                    throw new IllegalArgumentException("missing value after " + args[i]);
                }
                String v = args[i + 1];
                switch (args[i]) {
                    case "--port" -> port = (int) positive(args[i], v, 65535);
                    case "--interval-ms" -> interval = positive(args[i], v, 10_000);
                    case "--dns-timeout-ms" -> dnsTimeout = positive(args[i], v, 60_000);
                    case "--connect-timeout-ms" -> connectTimeout = positive(args[i], v, 60_000);
                    case "--read-timeout-ms" -> readTimeout = positive(args[i], v, 60_000);
                    case "--timeout-ms" -> timeout = positive(args[i], v, 3_600_000);
                    case "--dns-server" -> dns = v;
                    default -> throw new IllegalArgumentException("unknown option " + args[i]);
                }
            }
            return new Options(
                    byName,
                    target,
                    port,
                    new InetSocketAddress(literal(dns), 53),
                    interval,
                    dnsTimeout,
                    connectTimeout,
                    readTimeout,
                    timeout);
        }

        private static long positive(String option, String value, long max) {
            long n;
            try {
                n = Long.parseLong(value);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(option + " needs a number, got '" + value + "'");
            }
            if (n < 1 || n > max) {
                throw new IllegalArgumentException(option + " must be 1.." + max + ", got " + n);
            }
            return n;
        }

        /** An IPv4 literal only: the probe must never consult a resolver of the root filesystem. */
        private static Inet4Address literal(String ip) {
            try {
                return Inet4Address.ofLiteral(ip);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("not an IPv4 address: '" + ip + "'");
            }
        }
    }

    /** How the probe ended: when and where the server answered (null on timeout), and what it took. */
    record Result(
            long answeredAtEpochMs,
            InetAddress answeredBy,
            int dnsQueries,
            int dnsTimeouts,
            int httpAttempts,
            int httpRefusedOrFailed) {

        boolean answered() {
            return answeredBy != null;
        }

        String counters() {
            return "dns-queries=" + dnsQueries + " dns-timeouts=" + dnsTimeouts + " http-attempts=" + httpAttempts
                    + " http-failed=" + httpRefusedOrFailed;
        }
    }

    public static void main(String[] args) {
        Options options;
        try {
            options = Options.parse(args);
        } catch (IllegalArgumentException e) {
            System.err.println("ConvergenceProbe: " + e.getMessage());
            System.exit(2);
            return;
        }
        try {
            Result r = run(options, System.out);
            if (r.answered()) {
                System.out.println(
                        "ok " + r.answeredAtEpochMs() + " " + r.answeredBy().getHostAddress() + " " + r.counters());
            } else {
                System.out.println("timeout after " + options.timeoutMs() + " ms " + r.counters());
            }
            System.out.flush();
            System.exit(r.answered() ? 0 : 1);
        } catch (IOException e) {
            System.out.println("error " + e);
            System.exit(1);
        }
    }

    /** Polls until the server answers or the overall bound passes; prints "ready" to {@code out} first. */
    static Result run(Options o, PrintStream out) throws IOException {
        try (Selector selector = Selector.open();
                Poller poller = new Poller(o, selector)) {
            out.println("ready");
            out.flush();
            return poller.pollUntilAnswered();
        }
    }

    /** The selector loop: one tick every interval, I/O in between. */
    private static final class Poller implements AutoCloseable {
        private final Options o;
        private final Selector selector;
        private final DatagramChannel dns; // null when probing an IP
        private InetAddress target; // null until the name resolves
        private final List<HttpAttempt> attempts = new ArrayList<>();
        private int queryId = -1; // the outstanding DNS query, -1 when none
        private long querySentNanos;
        private int dnsQueries, dnsTimeouts, httpAttempts, httpFailed;
        private long answeredAtMs = -1;
        private InetAddress answeredBy;

        Poller(Options o, Selector selector) throws IOException {
            this.o = o;
            this.selector = selector;
            if (o.byName()) {
                dns = DatagramChannel.open();
                dns.configureBlocking(false);
                dns.connect(o.dnsServer()); // connected: only the server's datagrams arrive
                dns.register(selector, SelectionKey.OP_READ);
                target = null;
            } else {
                dns = null;
                target = InetAddress.ofLiteral(o.target());
            }
        }

        Result pollUntilAnswered() throws IOException {
            long start = System.nanoTime();
            long deadline = start + ms(o.timeoutMs());
            long nextTick = start;
            while (answeredBy == null) {
                long now = System.nanoTime();
                if (now - deadline >= 0) {
                    break;
                }
                if (now - nextTick >= 0) {
                    tick(now);
                    // a late tick (the machine was busy) is not made up for with a burst
                    nextTick = Math.max(nextTick + ms(o.intervalMs()), now + ms(o.intervalMs()) / 2);
                }
                long waitMs = Math.max(1, (Math.min(nextTick, deadline) - System.nanoTime() + 999_999) / 1_000_000);
                selector.select(waitMs);
                Iterator<SelectionKey> it = selector.selectedKeys().iterator();
                while (it.hasNext() && answeredBy == null) {
                    SelectionKey key = it.next();
                    it.remove();
                    if (key.channel() == dns) {
                        receiveDns();
                    } else {
                        ((HttpAttempt) key.attachment()).onReady(key);
                    }
                }
            }
            return new Result(answeredAtMs, answeredBy, dnsQueries, dnsTimeouts, httpAttempts, httpFailed);
        }

        private void tick(long now) throws IOException {
            if (target == null) {
                if (queryId >= 0 && now - querySentNanos >= ms(o.dnsTimeoutMs())) {
                    dnsTimeouts++; // abandoned; a late answer to it is ignored
                    queryId = -1;
                }
                if (queryId < 0) {
                    sendDnsQuery(now);
                }
                return;
            }
            // expire what waited too long, then start one more connect: older ones keep their chance
            for (Iterator<HttpAttempt> it = attempts.iterator(); it.hasNext(); ) {
                HttpAttempt a = it.next();
                if (a.expired(now)) {
                    a.close();
                    httpFailed++;
                    it.remove();
                }
            }
            startHttpAttempt(now);
        }

        private void sendDnsQuery(long now) throws IOException {
            int id;
            do {
                id = ThreadLocalRandom.current().nextInt(0x10000);
            } while (id == queryId);
            try {
                dns.write(ByteBuffer.wrap(Dns.query(id, o.target())));
            } catch (PortUnreachableException e) {
                return; // an ICMP error from an earlier try: next tick
            }
            queryId = id;
            querySentNanos = now;
            dnsQueries++;
        }

        private void receiveDns() throws IOException {
            ByteBuffer buf = ByteBuffer.allocate(1500);
            while (true) {
                buf.clear();
                int n;
                try {
                    n = dns.read(buf);
                } catch (PortUnreachableException e) {
                    queryId = -1; // nothing listens (yet): ask again next tick
                    return;
                }
                if (n <= 0) {
                    return;
                }
                if (queryId < 0) {
                    continue;
                }
                Optional<Dns.Reply> reply = Dns.parseReply(buf.array(), n, queryId, o.target());
                if (reply.isEmpty()) {
                    continue; // stale id or malformed: not an answer to this try
                }
                queryId = -1; // NXDOMAIN / no A record: the next tick asks again
                if (reply.get().address() != null) {
                    target = reply.get().address();
                    startHttpAttempt(System.nanoTime());
                    return;
                }
            }
        }

        private void startHttpAttempt(long now) throws IOException {
            SocketChannel ch = SocketChannel.open();
            ch.configureBlocking(false);
            HttpAttempt a = new HttpAttempt(ch, now);
            httpAttempts++;
            try {
                if (ch.connect(new InetSocketAddress(target, o.port()))) {
                    a.connected();
                }
                ch.register(selector, a.interest(), a);
                attempts.add(a);
            } catch (IOException e) { // e.g. network unreachable: next tick tries again
                httpFailed++;
                a.close();
            }
        }

        /** One TCP connection: connect, send a GET, read the status line (bounded). */
        private final class HttpAttempt {
            private final SocketChannel ch;
            private final long startedNanos;
            private ByteBuffer request; // null until connected; what is left to write
            private final ByteBuffer response = ByteBuffer.allocate(512);

            HttpAttempt(SocketChannel ch, long startedNanos) {
                this.ch = ch;
                this.startedNanos = startedNanos;
            }

            void connected() {
                request = ByteBuffer.wrap(("GET / HTTP/1.0\r\nHost: " + o.target() + "\r\nConnection: close\r\n\r\n")
                        .getBytes(StandardCharsets.US_ASCII));
            }

            int interest() {
                if (request == null) {
                    return SelectionKey.OP_CONNECT;
                }
                return request.hasRemaining() ? SelectionKey.OP_WRITE : SelectionKey.OP_READ;
            }

            boolean expired(long now) {
                long limit = request == null ? o.connectTimeoutMs() : o.readTimeoutMs();
                return now - startedNanos >= ms(limit);
            }

            void onReady(SelectionKey key) {
                try {
                    if (request == null) {
                        if (!ch.finishConnect()) {
                            return;
                        }
                        connected();
                    }
                    if (request.hasRemaining()) {
                        ch.write(request);
                    }
                    if (!request.hasRemaining() && key.isReadable()) {
                        int n = ch.read(response);
                        String status = StatusLine.of(response);
                        if (status != null || n < 0 || !response.hasRemaining()) {
                            if (StatusLine.isOk(status)) {
                                answeredAtMs = System.currentTimeMillis();
                                answeredBy = target;
                            } else {
                                httpFailed++;
                            }
                            drop(key);
                            return;
                        }
                    }
                    key.interestOps(interest());
                } catch (IOException e) { // refused (no server yet), reset, unreachable
                    httpFailed++;
                    drop(key);
                }
            }

            private void drop(SelectionKey key) {
                key.cancel();
                close();
                attempts.remove(this);
            }

            void close() {
                try {
                    ch.close();
                } catch (IOException ignored) {
                    // closing a socket that never connected: nothing to report
                }
            }
        }

        @Override
        public void close() throws IOException {
            for (HttpAttempt a : attempts) {
                a.close();
            }
            if (dns != null) {
                dns.close();
            }
        }

        private static long ms(long millis) {
            return millis * 1_000_000L;
        }
    }

    /** The first line of an HTTP response. */
    static final class StatusLine {
        private static final Pattern OK = Pattern.compile("HTTP/1\\.[01] 200( .*)?");

        private StatusLine() {}

        /** The status line once a whole line has arrived in {@code buf} (position = bytes read), else null. */
        static String of(ByteBuffer buf) {
            byte[] a = buf.array();
            for (int i = 0; i < buf.position(); i++) {
                if (a[i] == '\n') {
                    int end = i > 0 && a[i - 1] == '\r' ? i - 1 : i;
                    return new String(a, 0, end, StandardCharsets.ISO_8859_1);
                }
            }
            return null;
        }

        static boolean isOk(String line) {
            return line != null && OK.matcher(line).matches();
        }
    }

    /**
     * The probe's DNS: a query with one question for the A record of a name, and a reply check on
     * the driver's wire codec ({@link DnsWire}): the reply must answer that query (id, QR bit, the
     * question echoed); the first A/IN answer is taken. Anything malformed means "not a usable
     * reply", never an exception to the caller.
     */
    static final class Dns {
        static final int RCODE_NXDOMAIN = DnsWire.RCODE_NXDOMAIN;

        /** A reply to our query: its RCODE, and the first A record (null if none). */
        record Reply(int rcode, Inet4Address address) {}

        private Dns() {}

        /** A standard query (recursion desired) for the A record of {@code name}. */
        static byte[] query(int id, String name) {
            String n = name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
            if (n.isEmpty() || n.length() > 253 || !n.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
                throw new IllegalArgumentException("bad DNS name '" + name + "': 1..253 printable ASCII characters");
            }
            return DnsWire.query(id, n, DnsWire.TYPE_A, false);
        }

        /** The reply to query {@code id} for {@code name}, or empty if {@code msg} is not a well-formed one. */
        static Optional<Reply> parseReply(byte[] msg, int len, int id, String name) {
            try {
                return Optional.ofNullable(parse(msg, Math.min(len, msg.length), id, name));
            } catch (DnsFormatException e) {
                return Optional.empty();
            }
        }

        private static Reply parse(byte[] m, int len, int id, String name) throws DnsFormatException {
            if (len < DnsWire.HEADER_BYTES || DnsWire.u16(m, 0) != id) {
                return null;
            }
            int flags = DnsWire.u16(m, 2);
            if ((flags & DnsWire.FLAG_QR) == 0 || (flags & DnsWire.OPCODE_MASK) != 0) {
                return null;
            }
            int rcode = flags & DnsWire.RCODE_MASK;
            int off = DnsWire.HEADER_BYTES;
            for (int q = 0; q < DnsWire.u16(m, 4); q++) {
                DnsWire.ParsedName qname = DnsWire.readName(m, len, off);
                off = qname.end() + 4;
                need(off, len);
                // the echoed question must be ours: a reply with our id but another question is not
                if (q == 0
                        && !(stripDot(name).equalsIgnoreCase(qname.text())
                                && DnsWire.u16(m, off - 4) == DnsWire.TYPE_A
                                && DnsWire.u16(m, off - 2) == DnsWire.CLASS_IN)) {
                    return null;
                }
            }
            if (rcode != DnsWire.RCODE_NOERROR) {
                return new Reply(rcode, null);
            }
            for (int a = 0; a < DnsWire.u16(m, 6); a++) {
                DnsWire.ResourceRecord r =
                        DnsWire.readRecord(m, len, off); // owner: may be a CNAME target, not our name
                if (r.type() == DnsWire.TYPE_A && r.klass() == DnsWire.CLASS_IN && r.data().length == 4) {
                    try {
                        return new Reply(rcode, (Inet4Address) InetAddress.getByAddress(r.data()));
                    } catch (IOException e) {
                        throw new DnsFormatException("cannot happen for 4 bytes");
                    }
                }
                off = r.end();
            }
            return new Reply(rcode, null);
        }

        private static void need(int end, int len) throws DnsFormatException {
            if (end > len) {
                throw new DnsFormatException("message ends early");
            }
        }

        private static String stripDot(String name) {
            return (name.endsWith(".") ? name.substring(0, name.length() - 1) : name).toLowerCase(Locale.ROOT);
        }
    }
}
