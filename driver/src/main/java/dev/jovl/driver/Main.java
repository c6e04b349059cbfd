package dev.jovl.driver;

import dev.jovl.driver.cli.DaemonOptions;
import dev.jovl.driver.cli.Logging;
import dev.jovl.driver.cli.StatusCommand;
import dev.jovl.driver.cli.UsageException;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CountDownLatch;

/** {@code java -jar jovl.jar daemon|status|peers ...} */
public final class Main {
    private Main() {}

    public static void main(String[] args) {
        System.exit(run(args));
    }

    static int run(String[] args) {
        if (args.length == 0 || args[0].equals("-h") || args[0].equals("--help") || args[0].equals("help")) {
            System.out.print(DaemonOptions.usage());
            return args.length == 0 ? 2 : 0;
        }
        List<String> rest = Arrays.asList(args).subList(1, args.length);
        try {
            return switch (args[0]) {
                case "daemon" -> daemon(DaemonOptions.parse(rest, System.getenv()));
                case "status" -> StatusCommand.status(rest, System.getenv(), System.out);
                case "peers" -> StatusCommand.peers(rest, System.getenv(), System.out);
                default -> throw new UsageException("unknown command: " + args[0]);
            };
        } catch (UsageException e) {
            System.err.println("jovl: " + e.getMessage());
            System.err.print(DaemonOptions.usage());
            return 2;
        }
    }

    private static int daemon(DaemonOptions options) {
        Logging.configure(options.logLevel(), options.logFormat());
        Daemon daemon;
        try {
            daemon = Daemon.start(options);
        } catch (RuntimeException e) {
            System.err.println("jovl: cannot start: " + e.getMessage());
            e.printStackTrace(System.err);
            return 1;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            daemon.close();
                            stopped.countDown();
                        },
                        "jovl-shutdown"));
        try {
            stopped.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
