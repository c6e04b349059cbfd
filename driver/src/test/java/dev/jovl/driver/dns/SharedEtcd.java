package dev.jovl.driver.dns;

import dev.jovl.kvstore.testing.EtcdServer;

/**
 * One real etcd for all of the driver's etcd-backed tests in a test run, started on first use
 * (free loopback ports, temporary data) and closed when the test JVM exits. Tests keep to their
 * own keys or empty the prefixes they use first.
 */
public final class SharedEtcd {

    private static EtcdServer etcd;

    private SharedEtcd() {
    }

    /** The {@code etcd://} URL of the shared server. */
    public static synchronized String url() {
        if (etcd == null) {
            EtcdServer started = EtcdServer.start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "jsa-etcd-close"));
            etcd = started;
        }
        return etcd.url();
    }
}
