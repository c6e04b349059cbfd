package dev.jovl.driver.http;

/**
 * One plugin method: the JSON type its body is read into and the code that answers it. The answer
 * is serialised as the response body; handlers signal failure by throwing {@link PluginException}.
 */
public record Route<Q>(Class<Q> requestType, Handler<Q> handler) {

    @FunctionalInterface
    public interface Handler<Q> {
        Object handle(Q request, RequestFacts facts) throws Exception;
    }

    public static <Q> Route<Q> of(Class<Q> requestType, Handler<Q> handler) {
        return new Route<>(requestType, handler);
    }

    Object invoke(Object request, RequestFacts facts) throws Exception {
        return handler.handle(requestType.cast(request), facts);
    }
}
