package dev.jovl.ipam.bench;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;

/** Runs {@link IpamBenchmark} from Maven when asked ({@code -Djovl.bench=true}); skipped otherwise. */
class IpamBenchmarkRun {

    @Test
    @EnabledIfSystemProperty(named = "jovl.bench", matches = "true")
    void run() throws Exception {
        IpamBenchmark.main(new String[0]);
    }
}
