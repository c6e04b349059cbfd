package dev.jovl.overlay.state;

import dev.jovl.kvstore.RecordJson;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing the decoders of what the store holds (issue 14): {@link RecordJson} reading the core's
 * records (network, endpoint, host) from random bytes and from real records with bytes changed,
 * cut, or tokens spliced in. A record that cannot be read fails with {@link UncheckedIOException}
 * naming where it came from, never with anything else (another host, or an older jovl, may have
 * written it).
 */
class StoredRecordFuzzTest {
    private static final List<Class<?>> TYPES =
            List.of(NetworkRecord.class, EndpointRecord.class, HostRecord.class, AddressPool.class);
    private static final List<String> SAMPLES = List.of(
            "{\"networkId\":\"" + "a".repeat(64) + "\",\"vni\":5001,\"mtu\":1450,\"internal\":false,"
                    + "\"ipv4Data\":[{\"addressSpace\":\"jovl\",\"pool\":\"10.10.0.0/24\",\"gateway\":\"10.10.0.1/24\","
                    + "\"auxAddresses\":{\"x\":\"10.10.0.9\"}}],\"ipv6Data\":[],\"options\":{\"jovl.vni\":\"5001\"},"
                    + "\"createdBy\":\"h1\",\"createdAtMillis\":1700000000000,\"swarmAllocated\":false}",
            "{\"networkId\":\"" + "a".repeat(64) + "\",\"endpointId\":\"" + "b".repeat(64)
                    + "\",\"ipv4\":\"10.10.0.2/24\","
                    + "\"ipv6\":null,\"mac\":\"02:42:0a:0a:00:02\",\"vtep\":\"192.0.2.1\",\"host\":\"h1\",\"name\":\"web\","
                    + "\"createdAtMillis\":1700000000000,\"pending\":true}",
            "{\"host\":\"h1\",\"vtep\":\"192.0.2.1\",\"vxlanPort\":4789,\"version\":\"1\",\"startedAtMillis\":1}");

    private static void read(byte[] bytes) {
        for (Class<?> type : TYPES) {
            try {
                RecordJson.read(bytes, type, "jovl/v1/fuzz");
            } catch (UncheckedIOException expected) {
                // unreadable: said so, with where
            }
        }
    }

    @Property(tries = 3000)
    void randomBytes(@ForAll("bytes") byte[] bytes) {
        read(bytes);
    }

    @Property(tries = 3000)
    void realRecordsChanged(
            @ForAll("samples") String sample, @ForAll("edits") List<Integer> edits, @ForAll("tokens") String token) {
        StringBuilder s = new StringBuilder(sample);
        for (int e : edits) {
            int at = Math.floorMod(e, s.length() + 1);
            switch (Math.floorMod(e >>> 16, 4)) {
                case 0 -> s.insert(at, token);
                case 1 -> s.setLength(Math.min(s.length(), at));
                case 2 -> {
                    if (at < s.length()) {
                        s.deleteCharAt(at);
                    }
                }
                default -> {
                    if (at < s.length()) {
                        s.setCharAt(at, (char) (e >>> 24));
                    }
                }
            }
        }
        read(s.toString().getBytes(StandardCharsets.UTF_8));
    }

    @Provide
    Arbitrary<byte[]> bytes() {
        return Arbitraries.bytes().array(byte[].class).ofMaxSize(300);
    }

    @Provide
    Arbitrary<String> samples() {
        return Arbitraries.of(SAMPLES);
    }

    @Provide
    Arbitrary<List<Integer>> edits() {
        return Arbitraries.integers().list().ofMinSize(1).ofMaxSize(4);
    }

    @Provide
    Arbitrary<String> tokens() {
        return Arbitraries.of(
                "null",
                "[]",
                "{}",
                "\"\"",
                "1.5",
                "-1",
                "99999999999999999999",
                "true",
                ",",
                ":",
                "\"vni\":\"x\",",
                "\"ipv4Data\":[null],",
                "\"options\":{\"a\":null},",
                "\"vni\":1e400,",
                "\\u0000");
    }
}
