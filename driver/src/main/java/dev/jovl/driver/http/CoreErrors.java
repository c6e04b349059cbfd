package dev.jovl.driver.http;

import dev.jovl.ipam.IpamException;
import dev.jovl.kvstore.StoreException;
import dev.jovl.overlay.OverlayException;
import java.io.UncheckedIOException;

/**
 * The one place where failures of the core (overlay, IPAM, store) become answers Docker can
 * show: a status and a message that says what failed and why. A refused request (400) changed
 * nothing; anything else is a 500.
 */
public final class CoreErrors {
    private CoreErrors() {}

    public static <Q> Route.Handler<Q> translating(Route.Handler<Q> handler) {
        return (request, facts) -> {
            try {
                return handler.handle(request, facts);
            } catch (RuntimeException e) {
                throw translate(e);
            }
        };
    }

    /** The plugin answer for a failure of the core; anything else unchanged. */
    public static RuntimeException translate(RuntimeException e) {
        return switch (e) {
            case PluginException p -> p;
            case OverlayException.Invalid i -> PluginException.badRequest(i.getMessage());
            case OverlayException.Failed f -> PluginException.failed(f.getMessage(), f.getCause());
            case IpamException i
            when i.kind() == IpamException.Kind.INVALID_REQUEST -> PluginException.badRequest(i.getMessage());
            case IpamException i -> PluginException.failed(i.getMessage());
            case StoreException.Unavailable u ->
                PluginException.failed("jovl's store is unavailable: " + u.getMessage(), u);
            case StoreException.InvalidArgument i -> PluginException.badRequest(i.getMessage());
            case StoreException.NotFound n -> PluginException.badRequest(n.getMessage());
            case StoreException.Conflict c ->
                PluginException.failed("lost a race with another host, please retry: " + c.getMessage());
            case UncheckedIOException io -> PluginException.failed(io.getMessage(), io);
            default -> e;
        };
    }
}
