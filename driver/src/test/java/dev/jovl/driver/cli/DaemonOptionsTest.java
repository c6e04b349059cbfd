package dev.jovl.driver.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class DaemonOptionsTest {

    @Test
    void defaults() {
        DaemonOptions o = DaemonOptions.parse(List.of(), Map.of());
        assertEquals("file:/var/lib/jovl/store", o.store());
        assertEquals(Path.of("/run/docker/plugins/jovl.sock"), o.socket());
        assertEquals(4789, o.vxlanPort());
        assertEquals(0, o.mtu());
        assertEquals("global", o.scope());
        assertEquals("", o.advertise());
        assertNull(o.hostNetns());
        assertEquals(java.time.Duration.ofSeconds(60), o.sandboxIdleGrace());
    }

    @Test
    void sandboxIdleGraceFromEnvironmentOrFlag() {
        Map<String, String> env = Map.of("JOVL_SANDBOX_IDLE_GRACE", "5");
        assertEquals(
                java.time.Duration.ofSeconds(5),
                DaemonOptions.parse(List.of(), env).sandboxIdleGrace());
        assertEquals(
                java.time.Duration.ZERO,
                DaemonOptions.parse(List.of("--sandbox-idle-grace", "0"), env).sandboxIdleGrace());
    }

    @Test
    void environmentThenFlagsWin() {
        Map<String, String> env = Map.of(
                "JOVL_STORE",
                "etcd://10.0.0.1:2379",
                "JOVL_ADVERTISE",
                "eth1",
                "JOVL_SOCKET",
                "/run/x.sock",
                "JOVL_VXLAN_PORT",
                "8472",
                "JOVL_MTU",
                "1400",
                "JOVL_SCOPE",
                "local");
        DaemonOptions fromEnv = DaemonOptions.parse(List.of(), env);
        assertEquals("etcd://10.0.0.1:2379", fromEnv.store());
        assertEquals("eth1", fromEnv.advertise());
        assertEquals(Path.of("/run/x.sock"), fromEnv.socket());
        assertEquals(8472, fromEnv.vxlanPort());
        assertEquals(1400, fromEnv.mtu());
        assertEquals("local", fromEnv.scope());
        DaemonOptions flags = DaemonOptions.parse(
                List.of(
                        "--store",
                        "consul://c:8500",
                        "--advertise=10.1.1.1",
                        "--vxlan-port",
                        "4790",
                        "--scope",
                        "global"),
                env);
        assertEquals("consul://c:8500", flags.store());
        assertEquals("10.1.1.1", flags.advertise());
        assertEquals(4790, flags.vxlanPort());
        assertEquals("global", flags.scope());
        assertEquals(1400, flags.mtu(), "not overridden: still from the environment");
    }

    @Test
    void observabilityOptions() {
        DaemonOptions d = DaemonOptions.parse(List.of(), Map.of());
        assertNull(d.metricsListen(), "metrics are off by default");
        assertNull(
                DaemonOptions.parse(List.of(), Map.of("JOVL_METRICS_LISTEN", ""))
                        .metricsListen(),
                "an empty JOVL_METRICS_LISTEN (the managed plugin's default) is off");
        assertEquals("info", d.logLevel());
        assertEquals("text", d.logFormat());
        DaemonOptions env = DaemonOptions.parse(
                List.of(),
                Map.of("JOVL_METRICS_LISTEN", "127.0.0.1:9431", "JOVL_LOG_LEVEL", "DEBUG", "JOVL_LOG_FORMAT", "json"));
        assertEquals("127.0.0.1", env.metricsListen().getHostString());
        assertEquals(9431, env.metricsListen().getPort());
        assertEquals("debug", env.logLevel());
        assertEquals("json", env.logFormat());
        assertEquals(
                new java.net.InetSocketAddress(java.net.InetAddress.getLoopbackAddress(), 9000),
                DaemonOptions.parse(List.of("--metrics-listen", "127.0.0.1:9000"), Map.of())
                        .metricsListen());
        assertEquals(
                "[0:0:0:0:0:0:0:1]:9000",
                DaemonOptions.listenText(DaemonOptions.parse(List.of("--metrics-listen", "[::1]:9000"), Map.of())
                        .metricsListen()));
        for (List<String> bad : List.of(
                List.of("--metrics-listen", "9431"),
                List.of("--metrics-listen", "a:b"),
                List.of("--metrics-listen", ":9431"),
                List.of("--metrics-listen", "h:70000"),
                // parsed as ADDR:PORT, but no address: refused before the daemon starts serving Docker
                List.of("--metrics-listen", "300.1.1.1:9431"),
                List.of("--metrics-listen", "no-such-host.invalid:9431"),
                List.of("--log-level", "loud"),
                List.of("--log-format", "xml"))) {
            assertThrows(UsageException.class, () -> DaemonOptions.parse(bad, Map.of()), bad.toString());
        }
        assertTrue(DaemonOptions.usage().contains("--metrics-listen"));
        assertTrue(DaemonOptions.usage().contains("--log-level"));
    }

    @Test
    void storeSecurityFromEnvironmentOrFlags() {
        Map<String, String> env = Map.of(
                "JOVL_STORE_CACERT",
                "/etc/jovl/ca.pem",
                "JOVL_STORE_CERT",
                "/etc/jovl/c.pem",
                "JOVL_STORE_KEY",
                "/etc/jovl/c.key",
                "JOVL_STORE_USER",
                "jovl",
                "JOVL_STORE_PASSWORD_FILE",
                "/etc/jovl/pw",
                "JOVL_STORE_TLS_SERVER_NAME",
                "");
        dev.jovl.kvstore.StoreSecurity s = DaemonOptions.parse(List.of(), env).storeSecurity();
        assertEquals(Path.of("/etc/jovl/ca.pem"), s.caCert());
        assertEquals(Path.of("/etc/jovl/c.pem"), s.clientCert());
        assertEquals(Path.of("/etc/jovl/c.key"), s.clientKey());
        assertEquals("jovl", s.user());
        assertEquals(Path.of("/etc/jovl/pw"), s.passwordFile());
        assertNull(s.tlsServerName());
        assertEquals(
                "etcd.internal",
                DaemonOptions.parse(List.of("--store-tls-server-name", "etcd.internal", "--store-user", "other"), env)
                        .storeSecurity()
                        .tlsServerName());
        assertEquals(
                dev.jovl.kvstore.StoreSecurity.NONE,
                DaemonOptions.parse(List.of(), Map.of()).storeSecurity());
        assertTrue(DaemonOptions.usage().contains("--store-password-file"));
        // a user without a password file, a certificate without its key: refused at once
        assertThrows(UsageException.class, () -> DaemonOptions.parse(List.of("--store-user", "u"), Map.of()));
        assertThrows(UsageException.class, () -> DaemonOptions.parse(List.of("--store-cert", "/c.pem"), Map.of()));
    }

    @Test
    void emptyEnvironmentValuesCountAsUnset() {
        // a managed plugin's settable variables default to ""
        assertEquals(
                4789,
                DaemonOptions.parse(List.of(), Map.of("JOVL_VXLAN_PORT", "")).vxlanPort());
    }

    @Test
    void badFlagsAreUsageErrors() {
        for (List<String> bad : List.of(
                List.of("--nope", "1"),
                List.of("--mtu"),
                List.of("--mtu", "abc"),
                List.of("--mtu", "20"),
                List.of("--vxlan-port", "70000"),
                List.of("--scope", "swarm"),
                List.of("stray"),
                List.of("--vni-range", "5-1"),
                List.of("--socket", ""),
                List.of("--sandbox-idle-grace", "-1"),
                List.of("--sandbox-idle-grace", "1m"))) {
            UsageException e =
                    assertThrows(UsageException.class, () -> DaemonOptions.parse(bad, Map.of()), bad.toString());
            assertTrue(!e.getMessage().isBlank());
        }
        assertThrows(UsageException.class, () -> DaemonOptions.parse(List.of(), Map.of("JOVL_SCOPE", "both")));
    }
}
