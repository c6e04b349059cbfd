package dev.jovl.driver.http;

import dev.jovl.kvstore.StoreException;
import java.io.UncheckedIOException;

/** Turns store failures into answers Docker can show: what failed and why. */
public final class StoreErrors {
    private StoreErrors() {
    }

    public static <Q> Route.Handler<Q> translating(Route.Handler<Q> handler) {
        return (request, facts) -> {
            try {
                return handler.handle(request, facts);
            } catch (StoreException.Unavailable e) {
                throw PluginException.failed("jovl's store is unavailable: " + e.getMessage(), e);
            } catch (StoreException.InvalidArgument | StoreException.NotFound e) {
                throw PluginException.badRequest(e.getMessage());
            } catch (StoreException.Conflict e) {
                throw PluginException.failed("lost a race with another host, please retry: " + e.getMessage());
            } catch (UncheckedIOException e) {
                throw PluginException.failed(e.getMessage(), e);
            }
        };
    }
}
