package dev.jovl.driver.dns;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.constraints.IntRange;

/**
 * Fuzzing the DNS wire parser (issue 14): random datagrams, real queries with bytes changed, and
 * names built of compression pointers (loops, forward and self pointers, chains). Parsing either
 * succeeds or throws {@link DnsFormatException} (answered FORMERR), never anything else, and
 * whatever jovl answers to a parsed query stays within the query's UDP limit.
 */
class DnsWireFuzzTest {

    private static final NameTable NAMES = new NameTable();

    static {
        NAMES.replaceAll(List.of(NameTableTest.record("n", "e1", "web", List.of("www"), "10.10.0.2", "fd00::2")));
    }

    /** Parses as the responder does; checks what it would send back. */
    private static void serve(byte[] msg, int length) {
        if (!DnsQuery.looksLikeQuery(msg, length)) {
            return;
        }
        DnsQuery q;
        try {
            q = DnsQuery.parse(msg, length);
        } catch (DnsFormatException e) {
            assertTrue(DnsResponses.headerOnlyError(msg, DnsWire.RCODE_FORMERR).length == DnsWire.HEADER_BYTES);
            return;
        }
        assertTrue(q.questionEnd() <= length);
        byte[] local = new LocalAnswers(NAMES).answer(msg, q, q.udpLimit());
        if (local != null) {
            assertTrue(local.length <= q.udpLimit(), "local answer " + local.length + " > " + q.udpLimit());
        }
        byte[] refused = DnsResponses.error(msg, q, DnsWire.RCODE_REFUSED);
        assertTrue(refused.length <= q.questionEnd() + 11, "an error repeats the question only");
        byte[] huge = new byte[4000];
        assertTrue(DnsResponses.fitted(huge, msg, q, q.udpLimit()).length <= q.udpLimit());
        UpstreamForwarder.isResponseTo(msg, length, q.id(), q);
    }

    @Property(tries = 5000)
    void randomDatagrams(@ForAll("datagrams") byte[] msg) {
        serve(msg, msg.length);
    }

    @Property(tries = 5000)
    void realQueriesWithBytesChanged(
            @ForAll("queries") byte[] msg,
            @ForAll("flips") List<Integer> flips,
            @ForAll @IntRange(min = 0, max = 8) int cut) {
        for (int f : flips) {
            msg[Math.floorMod(f >>> 8, msg.length)] = (byte) f;
        }
        serve(msg, Math.max(0, msg.length - cut));
    }

    /** A header for one question whose name is labels and pointers placed anywhere, loops included. */
    @Property(tries = 5000)
    void compressionPointersCannotLoop(@ForAll("pointerSoup") byte[] msg) {
        serve(msg, msg.length);
        try {
            DnsWire.readName(msg, msg.length, DnsWire.HEADER_BYTES);
        } catch (DnsFormatException expected) {
            // a loop or a forward pointer: refused, not followed
        }
    }

    @Provide
    Arbitrary<byte[]> datagrams() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(700);
    }

    @Provide
    Arbitrary<List<Integer>> flips() {
        return Arbitraries.integers().list().ofMinSize(1).ofMaxSize(5);
    }

    @Provide
    Arbitrary<byte[]> queries() {
        Arbitrary<String> label =
                Arbitraries.strings().withCharRange('a', 'z').ofMinLength(1).ofMaxLength(20);
        Arbitrary<String> name = label.list().ofMinSize(1).ofMaxSize(4).map(l -> String.join(".", l));
        return Combinators.combine(
                        Arbitraries.integers().between(0, 0xFFFF),
                        name,
                        Arbitraries.of(DnsWire.TYPE_A, DnsWire.TYPE_AAAA, 255, 15, 16),
                        Arbitraries.of(true, false))
                .as(DnsWire::query);
    }

    @Provide
    Arbitrary<byte[]> pointerSoup() {
        Arbitrary<byte[]> piece = Arbitraries.oneOf(
                Arbitraries.integers().between(0, 80).map(off -> new byte[] {(byte) 0xC0, (byte) (int) off}),
                Arbitraries.strings()
                        .withCharRange('a', 'z')
                        .ofMinLength(1)
                        .ofMaxLength(5)
                        .map(s -> (char) s.length() + s)
                        .map(s -> s.getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)),
                Arbitraries.just(new byte[] {0}));
        return piece.list().ofMaxSize(12).map(pieces -> {
            java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
            out.writeBytes(new byte[] {0, 1, 1, 0, 0, 1, 0, 0, 0, 0, 0, 0});
            pieces.forEach(out::writeBytes);
            out.writeBytes(new byte[] {0, 1, 0, 1});
            return out.toByteArray();
        });
    }
}
