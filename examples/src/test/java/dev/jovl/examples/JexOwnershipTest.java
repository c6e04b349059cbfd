package dev.jovl.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * jex.sh's ownership of an environment: a second run on the same JEX_STATE must neither tear down
 * nor take over hosts a live process is using (that made ManagedPluginTest fail once: another run's
 * jex_up took its live hosts for leftovers and removed them mid-verify). Needs no dockerd: only the
 * owner file and the lock are involved, and the refusals must happen before anything is built.
 */
class JexOwnershipTest {
    private final Path jexSh = SimulatedHosts.findRepoRoot().resolve("examples/lib/jex.sh");
    private Path state;
    private Process owner;

    @BeforeEach
    void setUp() throws IOException {
        state = Files.createTempDirectory("jexo-");
        Files.delete(state); // jex.sh makes it
        owner = new ProcessBuilder("sleep", "300").start();
    }

    @AfterEach
    void tearDown() throws IOException {
        owner.destroyForcibly();
        Commands.run(Duration.ofSeconds(30), env(Map.of("JEX_FORCE", "1")), bash("jex_down"));
        Files.deleteIfExists(Path.of(state + ".lock"));
    }

    @Test
    void anotherProcessCannotTearDownOrTakeOverALiveOwnersEnvironment() throws IOException {
        claimFor(owner.pid());
        Path marker = Files.writeString(state.resolve("hosts"), "jex-h1\n");

        CommandResult down = Commands.run(Duration.ofSeconds(30), env(Map.of()), bash("jex_down"));
        assertEquals(1, down.exitCode(), down.describe());
        assertTrue(down.err().contains("in use by pid " + owner.pid()), down.describe());
        assertTrue(Files.exists(marker), "the owner's environment must be left alone");

        CommandResult up = Commands.run(Duration.ofSeconds(60), env(Map.of("JEX_OWNER_WAIT", "2")), bash("jex_up 1"));
        assertEquals(1, up.exitCode(), up.describe());
        assertTrue(up.err().contains("in use by pid " + owner.pid()), up.describe());
        assertEquals("jex-h1\n", Files.readString(marker), "jex_up must wait, not take the environment over");
        assertTrue(Files.readString(state.resolve("owner")).startsWith(owner.pid() + " "), "owner unchanged");
    }

    @Test
    void theOwnerTearsDownItsOwnEnvironment() {
        claimFor(owner.pid());
        CommandResult down = Commands.run(
                Duration.ofSeconds(30), env(Map.of("JEX_OWNER_PID", Long.toString(owner.pid()))), bash("jex_down"));
        assertEquals(0, down.exitCode(), down.describe());
        assertFalse(Files.exists(state), "removed by its owner");
    }

    @Test
    void anEnvironmentWhoseOwnerDiedIsLeftoversAndGoes() throws InterruptedException {
        claimFor(owner.pid());
        owner.destroyForcibly().waitFor();
        CommandResult down = Commands.run(Duration.ofSeconds(30), env(Map.of()), bash("jex_down"));
        assertEquals(0, down.exitCode(), down.describe());
        assertFalse(Files.exists(state), "leftovers of a dead owner are removed");
    }

    private void claimFor(long pid) {
        Commands.run(
                        Duration.ofSeconds(30),
                        env(Map.of("JEX_OWNER_PID", Long.toString(pid))),
                        bash("mkdir -p \"$JEX_STATE\" && jex_claim_owner"))
                .orFail();
    }

    private List<String> bash(String script) {
        return List.of("bash", "-c", ". " + jexSh + " && " + script);
    }

    private Map<String, String> env(Map<String, String> extra) {
        Map<String, String> env = new java.util.HashMap<>(
                Map.of("JEX_STATE", state.toString(), "JEX_UL", state.getFileName() + "-ul", "JEX_VERBOSE", "1"));
        env.putAll(extra);
        return env;
    }
}
