package dev.jovl.overlay;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.AlphaChars;
import net.jqwik.api.constraints.NumericChars;
import net.jqwik.api.constraints.StringLength;
import org.junit.jupiter.api.Test;

class SandboxNamesTest {

    @Test
    void dockerIdsKeepTheirReadableNamespaceAndLongIdsAreHashed() {
        String docker = "0123456789abcdef".repeat(4);
        assertEquals("jovl-" + docker, SandboxNames.namespace(docker));
        assertEquals(docker, SandboxNames.networkOf(SandboxNames.namespace(docker)));
        String longId = "x".repeat(128);
        String hashed = SandboxNames.namespace(longId);
        assertTrue(SandboxNames.isHashed(hashed) && hashed.length() <= 128, hashed);
        assertNull(SandboxNames.networkOf(hashed));
        assertNotEquals(hashed, SandboxNames.namespace("x".repeat(127) + "y"));
    }

    @Property(tries = 200)
    void devicesFitIfnamsizAndIdsSharingAPrefixDoNotShareThem(
            @ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 100) String suffixA,
            @ForAll @AlphaChars @NumericChars @StringLength(min = 1, max = 100) String suffixB) {
        String a = "sharedprefix" + suffixA;
        String b = "sharedprefix" + suffixB;
        assertTrue(SandboxNames.hostEnd(a).length() <= 15
                && SandboxNames.sandboxEnd(a).length() <= 15);
        assertEquals(a.equals(b), SandboxNames.devicePart(a).equals(SandboxNames.devicePart(b)));
        assertEquals(SandboxNames.devicePart(a), SandboxNames.deviceOf(SandboxNames.sandboxEnd(a)));
    }
}
