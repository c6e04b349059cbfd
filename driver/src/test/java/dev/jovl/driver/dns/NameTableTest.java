package dev.jovl.driver.dns;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class NameTableTest {

    static NameRecord record(String overlay, String endpoint, String name, List<String> aliases, String v4, String v6) {
        return new NameRecord(overlay, endpoint, "c-" + endpoint, name, aliases, v4, v6, "h1");
    }

    @Test
    void answersNameAndQualifiedNameAndAliasesCaseInsensitively() {
        NameTable table = new NameTable();
        table.replaceAll(List.of(record("myStack1", "e1", "Web", List.of("frontend"), "10.0.0.2", "fd00::2")));
        for (String name : List.of("web", "web.mystack1", "frontend", "frontend.mystack1")) {
            NameTable.Addresses found = table.lookup(name);
            assertNotNull(found, name);
            assertArrayEquals(new byte[] {10, 0, 0, 2}, found.ipv4().getFirst());
            assertEquals(16, found.ipv6().getFirst().length);
        }
        assertNull(table.lookup("web.other"));
        assertNull(table.lookup("mystack1"));
        assertNull(table.lookup(null));
    }

    @Test
    void sameNameOnTwoOverlaysUnqualifiedGivesBothQualifiedGivesOne() {
        NameTable table = new NameTable();
        table.replaceAll(List.of(
                record("a", "e1", "db", List.of(), "10.0.0.2", null),
                record("b", "e2", "db", List.of(), "10.1.0.2", null)));
        assertEquals(2, table.lookup("db").ipv4().size());
        assertArrayEquals(new byte[] {10, 1, 0, 2}, table.lookup("db.b").ipv4().getFirst());
        assertTrue(table.lookup("db.b").ipv6().isEmpty());
    }

    @Test
    void replaceDropsNamesThatAreGone() {
        NameTable table = new NameTable();
        table.replaceAll(List.of(record("a", "e1", "web", List.of(), "10.0.0.2", null)));
        table.replaceAll(List.of());
        assertNull(table.lookup("web"));
        assertEquals(0, table.size());
    }

    @Test
    void recordRefusesBadInput() {
        assertThrows(IllegalArgumentException.class, () -> record("a/b", "e1", "web", List.of(), "10.0.0.2", null));
        assertThrows(IllegalArgumentException.class, () -> record("a", "e1", "/web", List.of(), "10.0.0.2", null));
        assertThrows(
                IllegalArgumentException.class, () -> record("a", "e1", "web", List.of("bad alias"), "10.0.0.2", null));
        assertThrows(IllegalArgumentException.class, () -> record("a", "e1", "web", List.of(), null, null));
        assertThrows(IllegalArgumentException.class, () -> record("a", "e1", "web", List.of(), "fd00::1", null));
        assertThrows(IllegalArgumentException.class, () -> record("a", "e1", "web", List.of(), "example.com", null));
    }
}
