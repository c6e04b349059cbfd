package dev.jovl.ipam;

import dev.jovl.net.Cidr;
import dev.jovl.net.Family;
import java.util.regex.Pattern;

/**
 * Settings of the IPAM.
 *
 * @param localAddressSpace  name answered as LocalDefaultAddressSpace: Docker uses it for
 *                           networks of a driver with Scope "local" (standalone mode); pools in it
 *                           are shared by subnet and held per host
 * @param globalAddressSpace name answered as GlobalDefaultAddressSpace (cluster-store mode)
 * @param defaultV4Range     where subnets are picked when a RequestPool names none (IPv4)
 * @param defaultV4Prefix    size of such a picked IPv4 subnet
 * @param defaultV6Range     the same for IPv6
 * @param defaultV6Prefix    size of a picked IPv6 subnet
 * @param keyPrefix          every key of the IPAM lives under this store prefix
 * @param requiresMacAddress answered as RequiresMACAddress: Docker then sends each endpoint's MAC
 *                           with RequestAddress, which makes a resent request return the same
 *                           address instead of leaking a second one
 * @param maxAttempts        how often a write that lost a race is retried before giving up
 */
public record IpamConfig(
        String localAddressSpace,
        String globalAddressSpace,
        Cidr defaultV4Range,
        int defaultV4Prefix,
        Cidr defaultV6Range,
        int defaultV6Prefix,
        String keyPrefix,
        boolean requiresMacAddress,
        int maxAttempts) {

    private static final Pattern SPACE_NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");

    public IpamConfig {
        checkSpace(localAddressSpace);
        checkSpace(globalAddressSpace);
        if (localAddressSpace.equals(globalAddressSpace)) {
            throw new IllegalArgumentException("local and global address spaces must differ");
        }
        checkDefault(defaultV4Range, defaultV4Prefix, Family.V4);
        checkDefault(defaultV6Range, defaultV6Prefix, Family.V6);
        if (keyPrefix == null || keyPrefix.isEmpty() || keyPrefix.startsWith("/") || keyPrefix.endsWith("/")) {
            throw new IllegalArgumentException(
                    "key prefix must be non-empty without leading or trailing '/': " + keyPrefix);
        }
        if (maxAttempts < 1) {
            throw new IllegalArgumentException("maxAttempts must be positive");
        }
    }

    public static IpamConfig defaults() {
        return new IpamConfig(
                "jovl-local",
                "jovl-global",
                Cidr.parse("10.200.0.0/16"),
                24,
                Cidr.parse("fd6a:6f76:6c00::/48"),
                64,
                "jovl/v1/ipam",
                true,
                500);
    }

    public IpamConfig withKeyPrefix(String prefix) {
        return new IpamConfig(
                localAddressSpace,
                globalAddressSpace,
                defaultV4Range,
                defaultV4Prefix,
                defaultV6Range,
                defaultV6Prefix,
                prefix,
                requiresMacAddress,
                maxAttempts);
    }

    public IpamConfig withDefaultRanges(Cidr v4, int v4Prefix, Cidr v6, int v6Prefix) {
        return new IpamConfig(
                localAddressSpace,
                globalAddressSpace,
                v4,
                v4Prefix,
                v6,
                v6Prefix,
                keyPrefix,
                requiresMacAddress,
                maxAttempts);
    }

    public IpamConfig withRequiresMacAddress(boolean requires) {
        return new IpamConfig(
                localAddressSpace,
                globalAddressSpace,
                defaultV4Range,
                defaultV4Prefix,
                defaultV6Range,
                defaultV6Prefix,
                keyPrefix,
                requires,
                maxAttempts);
    }

    static boolean isValidSpaceName(String name) {
        return name != null && SPACE_NAME.matcher(name).matches();
    }

    private static void checkSpace(String name) {
        if (!isValidSpaceName(name)) {
            throw new IllegalArgumentException("address space name must match " + SPACE_NAME + ": " + name);
        }
    }

    private static void checkDefault(Cidr range, int prefix, Family family) {
        if (range == null || range.family() != family) {
            throw new IllegalArgumentException(
                    "default " + family + " range must be an " + family + " subnet: " + range);
        }
        if (prefix < range.prefix() || prefix > family.bits() - 2) {
            throw new IllegalArgumentException("default " + family + " prefix /" + prefix + " must be between /"
                    + range.prefix() + " and /" + (family.bits() - 2));
        }
    }
}
