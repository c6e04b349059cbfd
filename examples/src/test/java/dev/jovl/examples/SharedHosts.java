package dev.jovl.examples;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ParameterContext;
import org.junit.jupiter.api.extension.ParameterResolver;

/**
 * One set of simulated hosts (etcd + 3 dockerds, jovl on each) for the whole test run: started by
 * the first test class that needs it, kept in the root store, torn down when the run ends (and by a
 * shutdown hook if the JVM is stopped). Building the hosts takes most of a minute; every test
 * class uses its own networks and containers on them.
 *
 * Every host's metrics are scraped around each test class: each scrape must pass {@code promtool
 * check metrics} with no id as a label, and the Docker requests the hosts answered must have moved
 * (every scenario makes Docker call jovl). MetricsAndHealthTest checks the figures in detail.
 *
 * If jovl.jar is missing and cannot be built, every test using this is skipped with the build's
 * output as the reason. Anything else that fails (a dockerd that does not start, jovl that does
 * not listen) fails the tests.
 */
final class SharedHosts implements BeforeAllCallback, AfterAllCallback, ParameterResolver {
    static final int HOST_COUNT = 3;
    /** -Djex.ipam=default runs against Docker's own IPAM (for diagnosing the IPAM driver apart). */
    static final String IPAM = System.getProperty("jex.ipam", "jovl");

    private static final ExtensionContext.Namespace NS = ExtensionContext.Namespace.create(SharedHosts.class);

    @Override
    public void beforeAll(ExtensionContext context) {
        Running running = running(context);
        Assumptions.assumeTrue(
                running.skipReason == null, () -> "jovl.jar cannot be built, e2e skipped:\n" + running.skipReason);
        if (running.failure != null) {
            throw new IllegalStateException("simulated hosts did not come up", running.failure);
        }
        context.getStore(NS).put(REQUESTS_BEFORE, HostMetrics.requests(running.hosts));
    }

    private static final String REQUESTS_BEFORE = "requests-before";

    @Override
    public void afterAll(ExtensionContext context) {
        @SuppressWarnings("unchecked")
        Map<String, HostMetrics.Requests> before = context.getStore(NS).get(REQUESTS_BEFORE, Map.class);
        if (before == null) {
            return; // the hosts never came up: beforeAll said why
        }
        SimulatedHosts hosts = running(context).hosts;
        for (String h : hosts.hosts()) {
            HostMetrics.checkExposition(HostMetrics.scrape(hosts, h), h);
        }
        Map<String, HostMetrics.Requests> after = HostMetrics.requests(hosts);
        if (!HostMetrics.anyAnswered(before, after)) {
            throw new AssertionError("no host's jovl_plugin_requests_total moved during " + context.getDisplayName()
                    + ": before " + before + ", after " + after);
        }
    }

    @Override
    public boolean supportsParameter(ParameterContext parameter, ExtensionContext context) {
        return parameter.getParameter().getType() == Cluster.class;
    }

    @Override
    public Object resolveParameter(ParameterContext parameter, ExtensionContext context) {
        return running(context).cluster;
    }

    private static Running running(ExtensionContext context) {
        return context.getRoot().getStore(NS).getOrComputeIfAbsent(Running.class, k -> Running.start(), Running.class);
    }

    /** The hosts of this run; closed by JUnit at the end of the run. */
    static final class Running implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        final SimulatedHosts hosts;
        final Cluster cluster;
        final String skipReason;
        final Throwable failure;
        private final Thread hook;

        private Running(SimulatedHosts hosts, String skipReason, Throwable failure) {
            this.hosts = hosts;
            this.cluster = new Cluster(hosts, "jovl", IPAM.equals("default") ? null : IPAM);
            this.skipReason = skipReason;
            this.failure = failure;
            this.hook = new Thread(hosts::close, "jex-teardown");
            Runtime.getRuntime().addShutdownHook(hook);
        }

        static Running start() {
            Path root = SimulatedHosts.findRepoRoot();
            SimulatedHosts hosts = new SimulatedHosts(root, root.resolve("examples/target/jex-logs"));
            String buildProblem = hosts.buildJovl();
            if (buildProblem != null) {
                return new Running(hosts, buildProblem, null);
            }
            try {
                long t0 = System.nanoTime();
                hosts.up(HOST_COUNT);
                for (String h : hosts.hosts()) {
                    hosts.startJovl(h);
                }
                System.err.printf(
                        "[e2e] %d hosts with dockerd and jovl up in %.1f s%n",
                        HOST_COUNT, (System.nanoTime() - t0) / 1e9);
                return new Running(hosts, null, null);
            } catch (RuntimeException | AssertionError e) {
                return new Running(hosts, null, e);
            }
        }

        private boolean closed;

        @Override
        public synchronized void close() {
            if (closed) {
                return;
            }
            closed = true;
            try {
                Runtime.getRuntime().removeShutdownHook(hook);
            } catch (IllegalStateException shuttingDown) {
                // the hook is running or will run; it tears down
                return;
            }
            hosts.close();
        }
    }
}
