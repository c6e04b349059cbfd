package dev.jovl.netlink;

import static org.junit.jupiter.api.Assertions.*;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;

/** Named namespaces (create/open/list/delete) and handles working inside them. */
class NetnsTest extends NamespaceTestBase {
    /** A directory of this test's own, for testing NetnsDirectory itself. */
    private static final NetnsDirectory DIR = new NetnsDirectory(Path.of("/run/jvn-test/netns"));

    private static String threadNetns() throws Exception {
        return Files.readSymbolicLink(Path.of("/proc/thread-self/ns/net")).toString();
    }

    @Test
    void createListOpenDeleteIsIdempotentAndLeavesNoMount() throws Exception {
        NetnsDirectory dir = DIR;
        String name = spaces.tag() + "-life";
        String before = threadNetns();
        try (NetNs ns = dir.create(name)) {
            assertEquals(before, threadNetns(), "creating a namespace does not move the caller");
            assertTrue(dir.list().contains(name));
            assertTrue(dir.exists(name));
            assertTrue(
                    Files.readString(Path.of("/proc/self/mountinfo"))
                            .contains(dir.pathOf(name).toString()),
                    "kept by a bind mount");
            ErrnoException dup = assertThrows(ErrnoException.class, () -> dir.create(name));
            assertTrue(dup.is(Errno.EEXIST), dup.getMessage());

            try (NetNs again = dir.open(name);
                    NetlinkHandle h = NetlinkHandle.open(again)) {
                assertEquals(List.of("lo"), h.links().stream().map(Link::name).toList(), "a new namespace has only lo");
            }
            // `ip` sees the same namespace through the file
            assertTrue(Cli.in(ns, "ip", "link", "show").contains("lo:"));
        } finally {
            assertTrue(dir.delete(name));
        }
        assertFalse(dir.list().contains(name));
        assertFalse(dir.delete(name), "second delete finds nothing");
        assertFalse(
                Files.readString(Path.of("/proc/self/mountinfo"))
                        .contains(dir.pathOf(name).toString()),
                "no mount left");
        ErrnoException e = assertThrows(ErrnoException.class, () -> dir.open(name));
        assertTrue(e.is(Errno.ENOENT), e.getMessage());
    }

    @Test
    void theDirectoriesItCreatesArePrivateWhateverTheUmask() throws Exception {
        // the test JVM's umask (022) made them 0755 before (issue 14: 0700 whatever the umask)
        Path top = Path.of("/run/jvn-test", spaces.tag() + "-modes");
        NetnsDirectory dir = new NetnsDirectory(top.resolve("run").resolve("netns"));
        String name = spaces.tag() + "-m";
        try (NetNs ignored = dir.create(name)) {
            for (Path p : List.of(top, top.resolve("run"), dir.dir())) {
                assertEquals(
                        "rwx------",
                        java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p)),
                        p.toString());
            }
        } finally {
            dir.delete(name);
            Files.deleteIfExists(dir.dir());
            Files.deleteIfExists(top.resolve("run"));
            Files.deleteIfExists(top);
        }
    }

    @Test
    void openRefusesFilesThatAreNotNetworkNamespaces() throws Exception {
        Path plain = Files.createTempFile("jvn-notns", "");
        try {
            ErrnoException e = assertThrows(ErrnoException.class, () -> NetNs.open(plain));
            assertTrue(e.is(Errno.ENOTTY) && e.getMessage().contains("not a namespace file"), e.getMessage());
        } finally {
            Files.delete(plain);
        }
        assertThrows(IllegalArgumentException.class, () -> NetNs.open(Path.of("/proc/self/ns/uts")));
        // a directory entry whose mount is gone (as after a crash in another mount namespace)
        String name = spaces.tag() + "-dead";
        Files.createDirectories(DIR.dir());
        Files.createFile(DIR.pathOf(name));
        try {
            assertTrue(DIR.list().contains(name));
            assertThrows(ErrnoException.class, () -> DIR.open(name));
        } finally {
            assertTrue(DIR.delete(name), "delete cleans up a dead entry too");
        }
    }

    @Test
    void badNamesAreRejected() {
        assertThrows(IllegalArgumentException.class, () -> DIR.create("../etc"));
        assertThrows(IllegalArgumentException.class, () -> DIR.create(""));
    }

    @Test
    void handleWorksInsideItsNamespaceAndTheCallerNeverMoves() throws Exception {
        NetNs a = spaces.netns("a");
        NetNs b = spaces.netns("b");
        String before = threadNetns();
        NetlinkHandle ha = spaces.handle(a);
        NetlinkHandle hb = spaces.handle(b);
        assertEquals(before, threadNetns());

        ha.addLink(BridgeSpec.builder("jvn-only-a").build());
        assertTrue(ha.findLink("jvn-only-a").isPresent());
        assertTrue(hb.findLink("jvn-only-a").isEmpty());
        assertTrue(Cli.in(a, "ip", "link", "show").contains("jvn-only-a"));
        assertFalse(Cli.in(b, "ip", "link", "show").contains("jvn-only-a"));

        // pooled threads stay where they were even after many handles were opened from them
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            List<Future<String>> results = new ArrayList<>();
            for (int i = 0; i < 8; i++) {
                results.add(pool.submit(() -> {
                    try (NetlinkHandle h = NetlinkHandle.open(a)) {
                        h.links();
                    }
                    return threadNetns();
                }));
            }
            for (Future<String> f : results) {
                assertEquals(before, f.get());
            }
        } finally {
            pool.shutdownNow();
        }
    }

    @Test
    void namespaceOfAProcessCanBeOpenedByPid() throws Exception {
        Process p = new ProcessBuilder("unshare", "--net", "sleep", "60").start();
        try {
            // wait until the child has left our namespace
            Path nsLink = Path.of("/proc", Long.toString(p.pid()), "ns", "net");
            String ours = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
            for (int i = 0; i < 200 && Files.readSymbolicLink(nsLink).toString().equals(ours); i++) {
                Thread.sleep(10);
            }
            try (NetNs ns = NetNs.ofPid(p.pid());
                    NetlinkHandle h = NetlinkHandle.open(ns)) {
                h.addLink(BridgeSpec.builder("jvn-pidbr").build());
                assertTrue(h.findLink("jvn-pidbr").isPresent());
                assertEquals(
                        ns.call(() -> threadNetnsUnchecked()),
                        Files.readSymbolicLink(nsLink).toString());
            }
            assertTrue(Cli.run(List.of("nsenter", "-t", Long.toString(p.pid()), "-n", "ip", "link", "show"))
                    .out()
                    .contains("jvn-pidbr"));
        } finally {
            p.destroyForcibly().waitFor();
        }
    }

    private static String threadNetnsUnchecked() {
        try {
            return threadNetns();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    @Test
    void handleKeepsWorkingAfterItsNamespaceFdIsClosed() {
        NetNs ns = spaces.netns("keep");
        NetlinkHandle h = spaces.handle(ns);
        ns.close();
        h.addLink(BridgeSpec.builder("jvn-still").build());
        assertTrue(h.findLink("jvn-still").isPresent());
    }

    @Test
    void callRethrowsAndStillLeavesNoThreadBehind() throws Exception {
        NetNs ns = spaces.netns("call");
        String before = threadNetns();
        IllegalStateException e = assertThrows(
                IllegalStateException.class,
                () -> ns.call(() -> {
                    throw new IllegalStateException("boom");
                }));
        assertEquals("boom", e.getMessage());
        assertEquals(before, threadNetns());
        assertNotEquals(before, ns.call(NetnsTest::threadNetnsUnchecked));
    }
}
