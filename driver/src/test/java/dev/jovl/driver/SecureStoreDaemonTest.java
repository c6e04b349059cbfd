package dev.jovl.driver;

import static dev.jovl.driver.testing.DaemonFixture.ok;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import dev.jovl.driver.testing.DaemonFixture;
import dev.jovl.kvstore.testing.EtcdServer;
import dev.jovl.netlink.testing.TestLab;
import dev.jovl.unixhttp.UnixHttpClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The daemon on a secured etcd (TLS, client-certificate verification, authentication; the
 * certificates made by the test): with the right settings Docker's protocol works and etcdctl
 * sees the keys under the URL's prefix, no secret shows in {@code jovl status}; with a wrong
 * password the requests fail naming the problem and nothing is written.
 */
class SecureStoreDaemonTest {
    private static final String NET = "secnet00000000000000000000000000000000000000000000000000000000a";
    private static final String PASSWORD = "daemon-s3cret";

    @TempDir
    Path certs;

    private TestLab lab;
    private EtcdServer etcd;
    private EtcdServer.TlsFiles files;
    private final List<Daemon> daemons = new ArrayList<>();

    @BeforeEach
    void setUp() throws IOException {
        lab = new TestLab();
        files = EtcdServer.TlsFiles.generate(certs, "jovl");
        Files.writeString(certs.resolve("pw"), PASSWORD + "\n");
        Files.writeString(certs.resolve("badpw"), "not-it");
        etcd = EtcdServer.startTls(files);
        etcd.enableAuth("jovl", PASSWORD);
    }

    @AfterEach
    void tearDown() {
        daemons.forEach(Daemon::close);
        lab.close();
        etcd.close();
    }

    private Daemon daemon(TestLab.Host host, String passwordFile) {
        Daemon d = DaemonFixture.start(
                DaemonFixture.options(
                        lab,
                        host,
                        etcd.url() + "/cluster-s",
                        "--store-cacert",
                        files.ca().toString(),
                        "--store-cert",
                        files.clientCert().toString(),
                        "--store-key",
                        files.clientKey().toString(),
                        "--store-user",
                        "jovl",
                        "--store-password-file",
                        certs.resolve(passwordFile).toString()),
                host,
                null);
        daemons.add(d);
        return d;
    }

    private static String createNetwork(String id) {
        return "{\"NetworkID\":\"" + id + "\",\"Options\":{\"com.docker.network.generic\":{}},\"IPv4Data\":"
                + "[{\"AddressSpace\":\"x\",\"Pool\":\"10.63.0.0/24\",\"Gateway\":\"10.63.0.1/24\"}],\"IPv6Data\":[]}";
    }

    @Test
    void theProtocolWorksOnASecuredEtcdAndEtcdctlSeesTheKeys() {
        Daemon d = daemon(lab.host(), "pw");
        ok(d, "/NetworkDriver.CreateNetwork", createNetwork(NET));
        JsonNode created = ok(
                d,
                "/NetworkDriver.CreateEndpoint",
                "{\"NetworkID\":\"" + NET
                        + "\",\"EndpointID\":\"ep1\",\"Interface\":{\"Address\":\"10.63.0.2/24\",\"MacAddress\":\"\"}}");
        assertTrue(created.path("Interface").path("MacAddress").asText().startsWith("02:42"), created.toString());
        ok(d, "/NetworkDriver.Join", "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"ep1\",\"SandboxKey\":\"/x\"}");
        String keys = etcd.etcdctl("get", "--prefix", "--keys-only", "cluster-s/");
        assertTrue(keys.contains(NET), keys);
        assertTrue(keys.contains("ep1"), keys);
        String status = ok(d, "/Jovl.Status", "{}").toString();
        assertTrue(status.contains("user jovl"), status);
        assertFalse(status.contains(PASSWORD), "no secret in jovl status: " + status);
        ok(d, "/NetworkDriver.Leave", "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"ep1\"}");
        ok(d, "/NetworkDriver.DeleteEndpoint", "{\"NetworkID\":\"" + NET + "\",\"EndpointID\":\"ep1\"}");
        ok(d, "/NetworkDriver.DeleteNetwork", "{\"NetworkID\":\"" + NET + "\"}");
    }

    @Test
    void aWrongPasswordFailsNamingItAndWritesNothing() {
        String before = etcd.etcdctl("get", "--prefix", "--keys-only", "");
        Daemon d = daemon(lab.host(), "badpw");
        UnixHttpClient.Response r = DaemonFixture.post(d.socket(), "/NetworkDriver.CreateNetwork", createNetwork(NET));
        assertNotEquals(200, r.status());
        assertTrue(r.body().contains("authentication failed"), r.body());
        assertFalse(r.body().contains("not-it"), r.body());
        assertEquals(before, etcd.etcdctl("get", "--prefix", "--keys-only", ""), "nothing written");
    }
}
