package dev.jovl.netlink;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Gives each test a fresh {@link TestNamespaces} and removes everything it made afterwards, pass or fail. */
abstract class NamespaceTestBase {
    protected TestNamespaces spaces;

    @BeforeEach
    void createTestNamespaces() {
        spaces = new TestNamespaces();
    }

    @AfterEach
    void removeTestNamespaces() {
        spaces.close();
    }
}
