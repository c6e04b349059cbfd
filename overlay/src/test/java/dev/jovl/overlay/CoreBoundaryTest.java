package dev.jovl.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Keeps the core a core, as an ArchUnit rule would: no HTTP, no Netty, no Docker wire type, and
 * the kernel only behind {@link Dataplane} (only the {@code kernel} package talks netlink). The
 * module's dependencies already keep Netty and the driver off its class path; this also catches
 * the JDK's own HTTP and a netlink import creeping into the decisions.
 */
class CoreBoundaryTest {
    private static final Path MAIN = Path.of("src/main/java/dev/jovl/overlay");

    @Test
    void theCoreImportsNoHttpNoDockerWireAndNoNetlinkOutsideItsKernelAdapter() throws IOException {
        List<String> violations = new ArrayList<>();
        try (Stream<Path> files = Files.walk(MAIN)) {
            for (Path f : files.filter(p -> p.toString().endsWith(".java")).toList()) {
                boolean kernelAdapter = MAIN.relativize(f).startsWith("kernel");
                for (String line : Files.readAllLines(f)) {
                    if (!line.startsWith("import ")) {
                        continue;
                    }
                    if (line.matches(
                                    "import (static )?(io\\.netty|dev\\.jovl\\.driver|java\\.net\\.http|com\\.sun\\.net"
                                            + "|dev\\.jovl\\.ipam\\.protocol).*")
                            || (!kernelAdapter && line.matches("import (static )?dev\\.jovl\\.netlink\\..*"))) {
                        violations.add(MAIN.relativize(f) + ": " + line);
                    }
                }
            }
        }
        assertTrue(Files.isDirectory(MAIN), "run from the overlay module: " + MAIN.toAbsolutePath());
        assertEquals(List.of(), violations);
    }
}
