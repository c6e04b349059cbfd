package dev.jovl.overlay;

/**
 * Names of the kernel objects jovl makes, all derived from ids so that a restarted daemon finds
 * (adopts) what its previous run made instead of making it again.
 */
public final class SandboxNames {
    /** Namespace files under the run directory: {@code jovl-<full network id>}. */
    public static final String NAMESPACE_PREFIX = "jovl-";
    public static final String BRIDGE = "br0";
    public static final String VXLAN = "vxlan0";
    /** The container end, in the host namespace until Docker moves it: {@code jv<11 chars of endpoint id>}. */
    public static final String HOST_END_PREFIX = "jv";
    /** The sandbox end, on br0: {@code ve<11 chars of endpoint id>}. */
    public static final String SANDBOX_END_PREFIX = "ve";
    private static final int ID_CHARS = 11; // 2 + 11 = 13 of the 15 bytes IFNAMSIZ allows

    private SandboxNames() {
    }

    public static String namespace(String networkId) {
        return NAMESPACE_PREFIX + networkId;
    }

    /** The network id of a namespace name, or {@code null} if the name is not one of ours. */
    public static String networkOf(String namespaceName) {
        return namespaceName.startsWith(NAMESPACE_PREFIX) && namespaceName.length() > NAMESPACE_PREFIX.length()
                ? namespaceName.substring(NAMESPACE_PREFIX.length()) : null;
    }

    public static String hostEnd(String endpointId) {
        return HOST_END_PREFIX + idPart(endpointId);
    }

    public static String sandboxEnd(String endpointId) {
        return SANDBOX_END_PREFIX + idPart(endpointId);
    }

    /** The endpoint-id prefix a sandbox end is named after, or {@code null}. */
    public static String endpointPrefixOf(String sandboxEndName) {
        return sandboxEndName.startsWith(SANDBOX_END_PREFIX) ? sandboxEndName.substring(SANDBOX_END_PREFIX.length())
                : null;
    }

    public static String idPart(String endpointId) {
        return endpointId.length() > ID_CHARS ? endpointId.substring(0, ID_CHARS) : endpointId;
    }
}
