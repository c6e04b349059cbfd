package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;

/**
 * Link notifications of a namespace: a veth end gains carrier exactly when its peer (in another
 * namespace, as a container's end would be) comes up, and its deletion is reported.
 */
class LinkEventsTest extends NamespaceTestBase {

    /** Reads events until one matches, for at most 5 s; every event seen is kept for the message. */
    private static LinkEvents.LinkEvent await(
            LinkEvents events, Predicate<LinkEvents.LinkEvent> wanted, List<LinkEvents.LinkEvent> seen) {
        long end = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (System.nanoTime() < end) {
            for (LinkEvents.LinkEvent e : events.poll(Duration.ofMillis(200))) {
                seen.add(e);
                if (wanted.test(e)) {
                    return e;
                }
            }
        }
        return fail("no matching link event within 5 s; seen: " + seen);
    }

    @Test
    void vethEndGainsCarrierWhenItsPeerComesUpAndIsReportedGone() {
        NetNs sandbox = spaces.netns("evsb");
        NetNs container = spaces.netns("evct");
        NetlinkHandle s = spaces.handle(sandbox);
        NetlinkHandle c = spaces.handle(container);
        List<LinkEvents.LinkEvent> seen = new ArrayList<>();
        try (LinkEvents events = LinkEvents.open(sandbox)) {
            s.addLink(VethSpec.builder("jvn-ev0", "jvn-ev1")
                    .up()
                    .peerNetns(container)
                    .build());
            LinkEvents.LinkEvent created = await(events, e -> e.link().name().equals("jvn-ev0"), seen);
            assertFalse(created.removed());
            assertFalse(s.link("jvn-ev0").hasCarrier(), "peer still down: no carrier");

            // events of the other namespace are not ours
            c.addLink(BridgeSpec.builder("jvn-other").build());

            c.setUp("jvn-ev1");
            LinkEvents.LinkEvent up = await(
                    events, e -> e.link().name().equals("jvn-ev0") && e.link().hasCarrier(), seen);
            assertEquals(s.link("jvn-ev0").index(), up.link().index());
            assertEquals("veth", up.link().kind());
            assertTrue(s.link("jvn-ev0").hasCarrier());
            assertTrue(
                    seen.stream().noneMatch(e -> e.link().name().equals("jvn-other")),
                    "only the subscribed namespace: " + seen);

            c.deleteLink("jvn-ev1");
            LinkEvents.LinkEvent gone = await(events, e -> e.link().name().equals("jvn-ev0") && e.removed(), seen);
            assertTrue(gone.removed());
            assertTrue(s.findLink("jvn-ev0").isEmpty());
        }
    }

    @Test
    void pollWithoutNewsReturnsEmptyAfterTheWait() {
        NetNs quiet = spaces.netns("evq");
        try (LinkEvents events = LinkEvents.open(quiet)) {
            assertEquals(List.of(), events.poll(Duration.ofMillis(120)));
        }
    }
}
