package dev.jovl.ipam.store;

import java.util.List;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Fuzzing the IPAM's stored records (issue 14): pool index, definition, state, address records
 * and block bitmaps and values read from any bytes fail only as "corrupt IPAM record"
 * ({@link IllegalStateException}) or, for a bitmap of the wrong size, {@link IllegalArgumentException}.
 */
class StoredRecordsFuzzTest {
    private static final List<Class<?>> TYPES = List.of(
            StoredRecords.PoolIndex.class,
            StoredRecords.PoolDefinition.class,
            StoredRecords.PoolState.class,
            StoredRecords.AddressRecord.class);

    @Property(tries = 3000)
    void anyBytes(@ForAll("json") byte[] bytes) {
        for (Class<?> type : TYPES) {
            try {
                StoredRecords.read(bytes, type);
            } catch (IllegalStateException corrupt) {
                // said so
            }
        }
        try {
            BlockBitmap.decode(bytes);
        } catch (IllegalArgumentException wrongSize) {
            // said so
        }
        try {
            BlockValue.decode(bytes); // any owner bytes are a (strange) host name
        } catch (IllegalArgumentException tooShort) {
            // said so
        }
    }

    @Provide
    Arbitrary<byte[]> json() {
        Arbitrary<byte[]> random = Arbitraries.bytes().array(byte[].class).ofMaxSize(64);
        Arbitrary<byte[]> jsonish = Arbitraries.of(
                        "{",
                        "}",
                        "[",
                        "]",
                        "null",
                        "\"pools\"",
                        "\"holders\"",
                        "\"gatewayHolders\"",
                        ":",
                        ",",
                        "\"10.0.0.1\"",
                        "true",
                        "1",
                        "\"gateway\"")
                .list()
                .ofMaxSize(16)
                .map(l -> String.join("", l).getBytes(java.nio.charset.StandardCharsets.UTF_8));
        return Arbitraries.oneOf(random, jsonish);
    }
}
