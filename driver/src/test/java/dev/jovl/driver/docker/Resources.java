package dev.jovl.driver.docker;

import java.util.ArrayList;
import java.util.List;

/** What a test started, closed in reverse order however the test ended; cleanup errors are printed. */
final class Resources implements AutoCloseable {

    private final List<AutoCloseable> started = new ArrayList<>();

    <T extends AutoCloseable> T add(T resource) {
        started.add(resource);
        return resource;
    }

    @Override
    public void close() {
        for (int i = started.size() - 1; i >= 0; i--) {
            try {
                started.get(i).close();
            } catch (Exception e) {
                System.err.println("cleanup: " + e);
            }
        }
        started.clear();
    }
}
