package dev.jovl.kvstore.embedded;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.jovl.kvstore.Store;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The embedded store's file: private, and not growing with what was deleted (issue 14). */
class EmbeddedStoreHygieneTest {
    @TempDir
    Path dir;

    private static String mode(Path p) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
    }

    @Test
    void theDirectoryAndFileArePrivateWhateverTheUmask() throws Exception {
        Path storeDir = dir.resolve("a").resolve("store");
        try (Store s = EmbeddedStore.open(storeDir)) {
            s.put("k", new byte[] {1});
            assertEquals("rwx------", mode(storeDir));
            assertEquals("rwx------", mode(dir.resolve("a")), "a directory created for it too");
            assertEquals("rw-------", mode(storeDir.resolve("jovl-store.mv.db")));
        }
        // a store made by an older jovl (0755 / 0644) is made private when opened
        Files.setPosixFilePermissions(storeDir, PosixFilePermissions.fromString("rwxr-xr-x"));
        Files.setPosixFilePermissions(
                storeDir.resolve("jovl-store.mv.db"), PosixFilePermissions.fromString("rw-r--r--"));
        try (Store s = EmbeddedStore.open(storeDir)) {
            assertEquals("rwx------", mode(storeDir));
            assertEquals("rw-------", mode(storeDir.resolve("jovl-store.mv.db")));
        }
    }

    @Test
    void deletedValuesDoNotKeepTheFileBig() throws Exception {
        byte[] big = new byte[250 * 1024];
        Arrays.fill(big, (byte) 'x');
        Path file = dir.resolve("jovl-store.mv.db");
        long peak = 0;
        try (Store s = EmbeddedStore.open(dir)) {
            for (int i = 0; i < 600; i++) {
                big[0] = (byte) i; // not all the same page
                s.put("jovl/v1/networks/big", big);
                s.delete("jovl/v1/networks/big");
                peak = Math.max(peak, Files.size(file));
            }
            assertTrue(s.list("jovl/").entries().isEmpty());
        }
        // 150 MB of values written and deleted (475 MB of file before): the history keeps at most
        // 2 MiB of them and MVStore reuses the freed space, so the file stays small while
        // running (35 MB with an 8 MiB history) ...
        assertTrue(peak < 16L << 20, "peak file size " + peak);
        // ... and the next open gives the space back
        try (Store s = EmbeddedStore.open(dir)) {
            assertTrue(Files.size(file) < 12L << 20, "after reopening: " + Files.size(file));
            assertTrue(s.list("jovl/").entries().isEmpty());
            s.put("jovl/v1/after", new byte[] {1});
        }
    }

    private static long sizeOf(Path file) {
        try {
            return Files.size(file);
        } catch (java.io.IOException e) {
            return Long.MAX_VALUE;
        }
    }
}
