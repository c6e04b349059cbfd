package dev.jovl.kvstore;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.io.UncheckedIOException;

/**
 * The one JSON form of the records jovl keeps in a {@link Store} (the overlay's, the IPAM's, and
 * the local endpoint journal's), so that every module reads and writes them alike. Unknown
 * fields are ignored so that an older daemon reads a newer one's records during an upgrade;
 * field names are read without regard to case because records written before v1's schema was
 * jovl's own carried Docker's capitalised names ({@code "Pool"}, {@code "Gateway"}).
 */
public final class RecordJson {
    private static final ObjectMapper MAPPER = JsonMapper.builder()
            .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_PROPERTIES)
            .serializationInclusion(JsonInclude.Include.NON_NULL)
            .build();

    private RecordJson() {}

    public static byte[] write(Object record) {
        try {
            return MAPPER.writeValueAsBytes(record);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot serialise " + record, e);
        }
    }

    /** @param where the key or file the bytes came from, for the error message */
    public static <T> T read(byte[] json, Class<T> type, String where) {
        try {
            return MAPPER.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException("unreadable record at " + where + ": " + e.getMessage(), e);
        }
    }
}
