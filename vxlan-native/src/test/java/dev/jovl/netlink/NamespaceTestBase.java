package dev.jovl.netlink;

import dev.jovl.netlink.testing.TestLab;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Gives each test a fresh {@link TestLab} (namespaces named jvn<tag>-<role>) and removes everything it made afterwards, pass or fail. */
abstract class NamespaceTestBase {
    protected TestLab spaces;

    @BeforeEach
    void createTestNamespaces() {
        spaces = new TestLab("jvn");
    }

    @AfterEach
    void removeTestNamespaces() {
        spaces.close();
    }
}
