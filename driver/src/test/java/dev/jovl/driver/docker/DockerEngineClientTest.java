package dev.jovl.driver.docker;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The engine client without a Docker to talk to. Against a real dockerd (inspection, events, facts,
 * reconnecting after a restart) it is tested on simulated hosts: examples' DockerEngineClientTest
 * and StandaloneModeTest.
 */
class DockerEngineClientTest {

    @TempDir
    Path dir;

    @Test
    void unreachableSocketIsAClearError() {
        try (DockerEngineClient missing = new DockerEngineClient(dir.resolve("absent.sock"), Duration.ofSeconds(2))) {
            DockerApiException e = assertThrows(DockerApiException.class, () -> missing.inspectNetwork("jsa-net"));
            assertTrue(e.getMessage().contains("absent.sock"), e.getMessage());
            assertThrows(DockerApiException.class, missing::facts);
        }
    }

    @Test
    void namesThatWouldLeaveTheApiPathAreRefused() {
        try (DockerEngineClient client = new DockerEngineClient(dir.resolve("absent.sock"), Duration.ofSeconds(2))) {
            assertThrows(IllegalArgumentException.class, () -> client.inspectNetwork("../containers/json"));
            assertThrows(IllegalArgumentException.class, () -> client.inspectContainer("a/b"));
        }
    }
}
