package dev.jovl.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The managed plugin's {@code examples/plugin/config.json} against the daemon's settings: every
 * store setting the daemon reads (its {@code JOVL_STORE*} variables, from {@link DaemonOptions#usage()})
 * and Consul's own variables the Consul backend honours are declared settable, so
 * {@code docker plugin set} can point the plugin at a secured store; and the certificates have
 * their read-only mount.
 */
class PluginConfigTest {
    /** The CONSUL_* variables the Consul backend reads (kvstore's StoreUrl and ConsulHttp). */
    private static final List<String> CONSUL_VARIABLES = List.of(
            "CONSUL_HTTP_ADDR",
            "CONSUL_HTTP_TOKEN",
            "CONSUL_HTTP_TOKEN_FILE",
            "CONSUL_HTTP_AUTH",
            "CONSUL_HTTP_SSL",
            "CONSUL_HTTP_SSL_VERIFY",
            "CONSUL_CACERT",
            "CONSUL_CAPATH",
            "CONSUL_CLIENT_CERT",
            "CONSUL_CLIENT_KEY",
            "CONSUL_TLS_SERVER_NAME",
            "CONSUL_NAMESPACE",
            "CONSUL_PARTITION");

    private static JsonNode config() throws IOException {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path config = p.resolve("examples/plugin/config.json");
            if (Files.isRegularFile(config)) {
                return new ObjectMapper().readTree(config.toFile());
            }
        }
        throw new IllegalStateException(
                "examples/plugin/config.json not found above " + Path.of("").toAbsolutePath());
    }

    @Test
    void everyStoreSettingIsDeclaredSettable() throws IOException {
        Map<String, JsonNode> env = new HashMap<>();
        config().path("env").forEach(e -> env.put(e.path("name").asText(), e));
        Matcher m = Pattern.compile("\\bJOVL_STORE[A-Z_]*").matcher(DaemonOptions.usage());
        int storeSettings = 0;
        while (m.find()) {
            storeSettings++;
            expectSettable(env, m.group());
        }
        assertEquals(7, storeSettings, "JOVL_STORE and its six security settings: " + DaemonOptions.usage());
        CONSUL_VARIABLES.forEach(v -> expectSettable(env, v));
    }

    private static void expectSettable(Map<String, JsonNode> env, String name) {
        JsonNode e = env.get(name);
        assertTrue(e != null, name + " is not declared in config.json");
        assertEquals("[\"value\"]", e.path("settable").toString(), name);
        assertFalse(e.path("description").asText().isBlank(), name + " has no description");
    }

    @Test
    void theCertificatesHaveASettableReadOnlyMount() throws IOException {
        JsonNode certs = null;
        for (JsonNode mount : config().path("mounts")) {
            if (mount.path("name").asText().equals("certs")) {
                certs = mount;
            }
        }
        assertTrue(certs != null, "no certs mount");
        assertEquals("/etc/jovl", certs.path("destination").asText());
        assertTrue(certs.path("options").toString().contains("\"ro\""), certs.toString());
        assertEquals("[\"source\"]", certs.path("settable").toString());
    }
}
