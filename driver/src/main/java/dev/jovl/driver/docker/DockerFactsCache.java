package dev.jovl.driver.docker;

import java.time.Duration;
import java.util.Optional;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Docker daemon's {@link DockerFacts}, asked again when older than {@code maxAge}: the swarm
 * state changes with {@code docker swarm init/join/leave}, which tell no plugin. Empty while Docker
 * cannot be asked (no API socket: a jovl started beside a Docker it cannot reach); that is logged
 * once per change, not on every question.
 */
public final class DockerFactsCache {
    private static final Logger log = LoggerFactory.getLogger(DockerFactsCache.class);

    private record Answer(Optional<DockerFacts> facts, long atNanos) {}

    private final DockerEngineClient docker;
    private final Duration maxAge;
    private final LongSupplier nanoClock;
    private volatile Answer last;
    private volatile String lastProblem;

    public DockerFactsCache(DockerEngineClient docker, Duration maxAge) {
        this(docker, maxAge, System::nanoTime);
    }

    DockerFactsCache(DockerEngineClient docker, Duration maxAge, LongSupplier nanoClock) {
        this.docker = docker;
        this.maxAge = maxAge;
        this.nanoClock = nanoClock;
    }

    /** The facts, at most {@code maxAge} old; empty if Docker could not be asked. */
    public Optional<DockerFacts> current() {
        Answer a = last;
        if (a != null && nanoClock.getAsLong() - a.atNanos() < maxAge.toNanos()) {
            return a.facts();
        }
        return fresh();
    }

    /** The facts asked right now; empty if Docker could not be asked. */
    public synchronized Optional<DockerFacts> fresh() {
        Optional<DockerFacts> facts;
        try {
            facts = Optional.of(docker.facts());
            if (lastProblem != null) {
                log.info("Docker's API at {} answers again", docker.socket());
                lastProblem = null;
            }
        } catch (DockerApiException e) {
            facts = Optional.empty();
            if (!e.getMessage().equals(lastProblem)) {
                log.warn(
                        "cannot ask Docker at {} about swarm mode and its cluster store ({}):"
                                + " VIP services are not balanced and --scope global is not checked until it answers",
                        docker.socket(),
                        e.getMessage());
                lastProblem = e.getMessage();
            }
        }
        last = new Answer(facts, nanoClock.getAsLong());
        return facts;
    }
}
