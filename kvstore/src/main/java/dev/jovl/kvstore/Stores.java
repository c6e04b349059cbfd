package dev.jovl.kvstore;

import dev.jovl.kvstore.consul.ConsulStore;
import dev.jovl.kvstore.embedded.EmbeddedStore;
import dev.jovl.kvstore.etcd.EtcdStore;
import java.util.Map;

/**
 * Opens a {@link Store} from a URL:
 * <ul>
 *   <li>{@code file:/var/lib/jovl/store}: the embedded single-host store in that directory;</li>
 *   <li>{@code etcd://host:2379[,host:2379...][/prefix]}: etcd v3, trying the endpoints in turn
 *       ({@code etcd+https://} for TLS);</li>
 *   <li>{@code consul://host:8500[/prefix]}, or {@code consul://} for {@code CONSUL_HTTP_ADDR}:
 *       Consul, with Consul's own {@code CONSUL_*} variables honoured ({@code consul+https://} for TLS).</li>
 * </ul>
 * Remote URLs take {@code ?timeout=3s}, the deadline of every call (default 5 s); a path is a
 * key prefix every key of the client lives under. {@link StoreSecurity} adds TLS and a user.
 */
public final class Stores {
    private Stores() {}

    /**
     * @throws StoreException.InvalidArgument for a malformed URL
     * @throws StoreException.Unavailable if the embedded store cannot be opened
     */
    public static Store open(String url) {
        return open(url, StoreSecurity.NONE, System.getenv());
    }

    /** As {@link #open(String)}, with certificates and credentials. */
    public static Store open(String url, StoreSecurity security) {
        return open(url, security, System.getenv());
    }

    /** As {@link #open(String)}, reading the Consul variables from {@code env}. */
    public static Store open(String url, Map<String, String> env) {
        return open(url, StoreSecurity.NONE, env);
    }

    /**
     * As {@link #open(String)}: {@code security} (TLS, user) for etcd and Consul, {@code env} for
     * Consul's variables (the settings in {@code security} win over them).
     *
     * @throws StoreException.InvalidArgument also for unreadable certificates, keys or password files
     */
    public static Store open(String url, StoreSecurity security, Map<String, String> env) {
        StoreUrl parsed = StoreUrl.parse(url, env);
        Store store = switch (parsed.backend()) {
            case EMBEDDED -> {
                if (!security.equals(StoreSecurity.NONE)) {
                    throw new StoreException.InvalidArgument(
                            "the embedded store (" + url + ") takes no certificates or user");
                }
                yield EmbeddedStore.open(parsed.dir());
            }
            case ETCD -> EtcdStore.open(parsed, security);
            case CONSUL -> ConsulStore.open(parsed, security, env);
        };
        return parsed.keyPrefix().isEmpty() ? store : new PrefixedStore(store, parsed.keyPrefix());
    }
}
