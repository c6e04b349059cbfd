package dev.jovl.kvstore;

import dev.jovl.kvstore.consul.ConsulStore;
import dev.jovl.kvstore.embedded.EmbeddedStore;
import dev.jovl.kvstore.etcd.EtcdStore;
import java.util.Map;

/**
 * Opens a {@link Store} from a URL:
 * <ul>
 *   <li>{@code file:/var/lib/jovl/store}: the embedded single-host store in that directory;</li>
 *   <li>{@code etcd://host:2379[,host:2379...]}: etcd v3, trying the endpoints in turn;</li>
 *   <li>{@code consul://host:8500}, or {@code consul://} for {@code CONSUL_HTTP_ADDR}: Consul,
 *       with {@code CONSUL_HTTP_TOKEN} and {@code CONSUL_CACERT} honoured.</li>
 * </ul>
 * Remote URLs take {@code ?timeout=3s}, the deadline of every call (default 5 s).
 */
public final class Stores {
    private Stores() {
    }

    /**
     * @throws StoreException.InvalidArgument for a malformed URL
     * @throws StoreException.Unavailable if the embedded store cannot be opened
     */
    public static Store open(String url) {
        return open(url, System.getenv());
    }

    /** As {@link #open(String)}, reading the Consul variables from {@code env}. */
    public static Store open(String url, Map<String, String> env) {
        StoreUrl parsed = StoreUrl.parse(url, env);
        return switch (parsed.backend()) {
            case EMBEDDED -> EmbeddedStore.open(parsed.dir());
            case ETCD -> EtcdStore.open(parsed.endpoints(), parsed.timeout());
            case CONSUL -> ConsulStore.open(parsed, env);
        };
    }
}
