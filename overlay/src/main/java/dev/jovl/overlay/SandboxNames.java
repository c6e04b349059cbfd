package dev.jovl.overlay;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/**
 * Names of the kernel objects jovl makes, all derived from ids so that a restarted daemon finds
 * (adopts) what its previous run made instead of making it again. Every name fits its kernel
 * limit and two ids never share a name, whatever ids Docker sends (up to 128 characters, any two
 * sharing a long prefix).
 */
public final class SandboxNames {
    /** Namespace files under the run directory: {@code jovl-<network id>}, or {@code jovl-_<hash>} for long ids. */
    public static final String NAMESPACE_PREFIX = "jovl-";
    /** Marks a hashed namespace name; no network id starts with it (ids start with a letter or digit). */
    private static final String HASHED = NAMESPACE_PREFIX + "_";
    /** The longest namespace file name jovl makes (vxlan-native's NetnsDirectory allows 128). */
    static final int MAX_NAMESPACE_NAME = 128;

    public static final String BRIDGE = "br0";
    public static final String VXLAN = "vxlan0";
    /** The container end, in the host namespace until Docker moves it: {@code jv<device part>}. */
    public static final String HOST_END_PREFIX = "jv";
    /** The sandbox end, on br0: {@code ve<device part>}. */
    public static final String SANDBOX_END_PREFIX = "ve";
    /** 2 + 11 = 13 of the 15 bytes IFNAMSIZ allows; 44 bits of a hash: no collision among any one host's endpoints. */
    private static final int DEVICE_CHARS = 11;

    private SandboxNames() {}

    /**
     * The sandbox namespace of a network: {@code jovl-<id>} when that fits (every id Docker makes
     * does), else {@code jovl-_} and a hash of the id; whether a name needs its id recorded
     * elsewhere says {@link #isHashed}.
     */
    public static String namespace(String networkId) {
        String plain = NAMESPACE_PREFIX + networkId;
        return plain.length() <= MAX_NAMESPACE_NAME ? plain : HASHED + hash(networkId, 32);
    }

    /** Whether the namespace name cannot be turned back into its network id ({@link #networkOf} is null). */
    public static boolean isHashed(String namespaceName) {
        return namespaceName.startsWith(HASHED);
    }

    /** The network id of a plain namespace name, or {@code null} if the name is hashed or not one of ours. */
    public static String networkOf(String namespaceName) {
        return namespaceName.startsWith(NAMESPACE_PREFIX)
                        && namespaceName.length() > NAMESPACE_PREFIX.length()
                        && !isHashed(namespaceName)
                ? namespaceName.substring(NAMESPACE_PREFIX.length())
                : null;
    }

    /**
     * What an endpoint's devices are named after: 11 hex digits of a hash of its id. Ids that
     * share a prefix (Docker's never do, a caller's might) still get different devices.
     */
    public static String devicePart(String endpointId) {
        return hash(endpointId, DEVICE_CHARS);
    }

    public static String hostEnd(String endpointId) {
        return hostEndOfDevice(devicePart(endpointId));
    }

    public static String sandboxEnd(String endpointId) {
        return sandboxEndOfDevice(devicePart(endpointId));
    }

    public static String hostEndOfDevice(String devicePart) {
        return HOST_END_PREFIX + devicePart;
    }

    public static String sandboxEndOfDevice(String devicePart) {
        return SANDBOX_END_PREFIX + devicePart;
    }

    /** The device part a sandbox end is named after, or {@code null}. */
    public static String deviceOf(String sandboxEndName) {
        return sandboxEndName.startsWith(SANDBOX_END_PREFIX)
                ? sandboxEndName.substring(SANDBOX_END_PREFIX.length())
                : null;
    }

    private static String hash(String id, int hexChars) {
        try {
            byte[] d = MessageDigest.getInstance("SHA-256").digest(id.getBytes(StandardCharsets.UTF_8));
            return HexFormat.of().formatHex(d).substring(0, hexChars);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every JDK", e);
        }
    }
}
