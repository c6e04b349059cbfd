package dev.jovl.driver.dns;

import static dev.jovl.driver.dns.DnsWire.*;

import java.util.ArrayList;
import java.util.List;

/**
 * Decides whether jovl answers a query itself (a known container name, or a query it must refuse)
 * or whether it goes upstream, and builds the local answer.
 */
public final class LocalAnswers {

    /**
     * Short on purpose: a container that stops or moves to another host must not stay cached
     * anywhere for long. Docker's embedded resolver and glibc do not cache at all.
     */
    public static final int TTL_SECONDS = 2;

    private final NameTable names;

    public LocalAnswers(NameTable names) {
        this.names = names;
    }

    /**
     * The response for {@code query} if jovl answers it itself, or {@code null} if it must be
     * forwarded upstream. {@code limit} is the largest response the transport allows.
     */
    public byte[] answer(byte[] query, DnsQuery q, int limit) {
        if (q.opcode() != 0) {
            return DnsResponses.error(query, q, RCODE_NOTIMP);
        }
        if (q.qclass() != CLASS_IN && q.qclass() != CLASS_ANY) {
            return null;
        }
        NameTable.Addresses found = names.lookup(q.name());
        if (found == null) {
            return null;
        }
        List<byte[]> records = switch (q.qtype()) {
            case TYPE_A -> found.ipv4();
            case TYPE_AAAA -> found.ipv6();
            case TYPE_ANY -> {
                List<byte[]> both = new ArrayList<>(found.ipv4());
                both.addAll(found.ipv6());
                yield both;
            }
            // the name is ours, the type is not one we hold: NODATA, not a forward, or the
            // upstream would answer NXDOMAIN for a name that exists
            default -> List.of();
        };
        return DnsResponses.answer(query, q, records, TTL_SECONDS, limit);
    }
}
