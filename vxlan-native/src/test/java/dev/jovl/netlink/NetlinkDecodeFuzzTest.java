package dev.jovl.netlink;

import static dev.jovl.netlink.Rtnl.*;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing the netlink attribute parser and the decoders of links, neighbours, FDB entries and
 * addresses (issue 14): random messages and well-formed ones with random bytes changed. The
 * message is the whole buffer, so any read past its end throws; a decoder may return anything
 * (or null: "not mine") but must never throw, loop or read outside the message.
 */
class NetlinkDecodeFuzzTest {

    interface Decoder {
        Object decode(ByteBuffer buf, int off, int len);
    }

    private static final List<Decoder> DECODERS = List.of(
            LinkCodec::decode,
            NeighbourCodec::decodeNeighbour,
            NeighbourCodec::decodeFdb,
            NeighbourCodec::decodeAddress);
    private static final int[] FIXED = {IFINFOMSG_LEN, NDMSG_LEN, NDMSG_LEN, IFADDRMSG_LEN};

    private static void decodeAll(byte[] message) {
        for (int i = 0; i < DECODERS.size(); i++) {
            if (message.length < NLMSG_HDRLEN + FIXED[i]) {
                continue; // callers never pass a message shorter than its fixed part
            }
            ByteBuffer buf = ByteBuffer.wrap(message).order(ByteOrder.nativeOrder());
            buf.putInt(0, message.length);
            DECODERS.get(i).decode(buf, 0, message.length);
        }
    }

    @Property(tries = 10000)
    void randomMessages(@ForAll("random") byte[] message) {
        decodeAll(message);
    }

    @Property(tries = 10000)
    void wellFormedMessagesWithBytesChanged(
            @ForAll("attributes") byte[] message, @ForAll("flips") List<Integer> flips) {
        for (int f : flips) {
            int at = Math.floorMod(f >>> 8, message.length);
            message[at] = (byte) f;
        }
        decodeAll(message);
    }

    @Provide
    Arbitrary<byte[]> random() {
        return Arbitraries.bytes().array(byte[].class).ofMinSize(NLMSG_HDRLEN).ofMaxSize(600);
    }

    @Provide
    Arbitrary<List<Integer>> flips() {
        return Arbitraries.integers().list().ofMaxSize(6);
    }

    /** A header, a fixed part, then attributes, some nested (IFLA_LINKINFO with a vxlan kind and data). */
    @Provide
    Arbitrary<byte[]> attributes() {
        Arbitrary<byte[]> leaf = Combinators.combine(
                        Arbitraries.integers().between(0, 70),
                        Arbitraries.bytes().array(byte[].class).ofMaxSize(24))
                .as(NetlinkDecodeFuzzTest::attribute);
        Arbitrary<byte[]> linkInfo = leaf.list()
                .ofMaxSize(6)
                .map(data -> attribute(
                        IFLA_LINKINFO,
                        concat(
                                attribute(
                                        IFLA_INFO_KIND, "vxlan\0".getBytes(java.nio.charset.StandardCharsets.US_ASCII)),
                                attribute(IFLA_INFO_DATA, concat(data.toArray(byte[][]::new))))));
        return Arbitraries.oneOf(leaf, linkInfo).list().ofMaxSize(12).map(attrs -> {
            byte[] body = concat(attrs.toArray(byte[][]::new));
            byte[] message = new byte[NLMSG_HDRLEN + IFINFOMSG_LEN + body.length];
            System.arraycopy(body, 0, message, NLMSG_HDRLEN + IFINFOMSG_LEN, body.length);
            return message;
        });
    }

    private static byte[] attribute(int type, byte[] payload) {
        int len = 4 + payload.length;
        ByteBuffer b = ByteBuffer.allocate((len + 3) & ~3).order(ByteOrder.nativeOrder());
        b.putShort((short) len).putShort((short) type).put(payload);
        return b.array();
    }

    private static byte[] concat(byte[]... parts) {
        int n = 0;
        for (byte[] p : parts) {
            n += p.length;
        }
        ByteBuffer b = ByteBuffer.allocate(n);
        for (byte[] p : parts) {
            b.put(p);
        }
        return b.array();
    }
}
