package dev.jovl.examples.bench;

/** Reads Prometheus' text format just enough for the benchmarks: sums of a metric family. */
final class PrometheusText {
    private PrometheusText() {}

    /** The sum of every sample named {@code name} (with any labels); 0 if there is none. */
    static double sum(String text, String name) {
        double total = 0;
        for (String line : text.split("\n")) {
            if (line.startsWith(name) && (line.length() > name.length())) {
                char next = line.charAt(name.length());
                if (next == '{' || next == ' ') {
                    total += Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
                }
            }
        }
        return total;
    }
}
