package dev.jovl.kvstore.testing;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * A real etcd ({@code /usr/bin/etcd} from Debian's etcd-server, or {@code $JOVL_ETCD_BIN}), started
 * by scripts/etcd-member (the launcher examples/lib/jex.sh uses too), for tests: a single member on free loopback ports with its own temporary data directory, so it
 * never meets the system etcd or another test's. {@link #stop()} and {@link #restart()} bring it
 * down and back on the same ports with its data; {@link #close()} kills it and deletes everything.
 *
 * <pre>{@code
 * try (EtcdServer etcd = EtcdServer.start(); Store store = Stores.open(etcd.url())) { ... }
 * }</pre>
 *
 * <p>{@link #startTls(TlsFiles, String...)} starts one that serves clients over TLS only and
 * requires a client certificate signed by the CA ({@code --client-cert-auth}); authentication
 * is then the test's to enable (with {@code etcdctl}).
 */
public final class EtcdServer implements AutoCloseable {
    private static final Duration READY_WITHIN = Duration.ofSeconds(30);

    private final Path home;
    private final boolean fsync;
    private TlsFiles tls;
    private volatile boolean authOn;
    private List<String> extraFlags = List.of();
    private int clientPort;
    private int peerPort;
    /** The member's name; several members of one cluster need distinct names. */
    private String name = "jkv";
    /** {@code name=peer-url,...} of a cluster of several members, else null (one member). */
    private String initialCluster;

    private Process process;
    private final Thread killOnExit;

    private EtcdServer(Path home, boolean fsync) {
        this.home = home;
        this.fsync = fsync;
        this.killOnExit = new Thread(this::destroyProcess, "jkv-etcd-kill-on-exit");
        Runtime.getRuntime().addShutdownHook(killOnExit);
    }

    private static EtcdServer shared;

    /**
     * The {@code etcd://} URL of one etcd shared by every test of this JVM that asks for it,
     * started on first use and killed when the JVM exits. Tests keep to their own keys or empty
     * the prefixes they use first.
     */
    public static synchronized String sharedUrl() {
        if (shared == null) {
            EtcdServer started = start();
            Runtime.getRuntime().addShutdownHook(new Thread(started::close, "jkv-etcd-shared-close"));
            shared = started;
        }
        return shared.url();
    }

    /** Starts an etcd that skips fsync: fast, and a test never needs power-loss durability. */
    public static EtcdServer start() {
        return start(false);
    }

    /** Starts an etcd; {@code fsync} true makes it durable as in production (for benchmarks). */
    public static EtcdServer start(boolean fsync) {
        return start(fsync, null, List.of());
    }

    /** Starts a plain-http etcd with extra flags (e.g. {@code --auth-token-ttl 2}). */
    public static EtcdServer startWithFlags(String... flags) {
        return start(false, null, List.of(flags));
    }

    /**
     * The PEM files of a TLS etcd: the CA that signed both certificates, the server's certificate
     * (valid for 127.0.0.1) and key, and a client certificate and key the fixture itself uses to
     * see when etcd is ready.
     */
    public record TlsFiles(Path ca, Path serverCert, Path serverKey, Path clientCert, Path clientKey) {

        /**
         * Makes a CA, a server certificate for 127.0.0.1 (and the name {@code etcd.test}) and a
         * client certificate with Common Name {@code clientCn}, in {@code dir}, with {@code openssl}.
         */
        public static TlsFiles generate(Path dir, String clientCn) {
            try {
                openssl(
                        dir,
                        "req",
                        "-x509",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-keyout",
                        "ca.key",
                        "-out",
                        "ca.pem",
                        "-days",
                        "2",
                        "-subj",
                        "/CN=jovl-test-ca");
                Files.writeString(dir.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:etcd.test\n");
                openssl(
                        dir,
                        "req",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-keyout",
                        "server.key",
                        "-out",
                        "server.csr",
                        "-subj",
                        "/CN=etcd");
                openssl(
                        dir,
                        "x509",
                        "-req",
                        "-in",
                        "server.csr",
                        "-CA",
                        "ca.pem",
                        "-CAkey",
                        "ca.key",
                        "-CAcreateserial",
                        "-out",
                        "server.pem",
                        "-days",
                        "2",
                        "-extfile",
                        "server.ext");
                signedClient(dir, "client", clientCn, "ca", false);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            return new TlsFiles(
                    dir.resolve("ca.pem"),
                    dir.resolve("server.pem"),
                    dir.resolve("server.key"),
                    dir.resolve("client.pem"),
                    dir.resolve("client.key"));
        }

        /**
         * A client key and certificate in {@code dir}: {@code NAME.key} ({@code ec}: P-256 in SEC1
         * form, "EC PRIVATE KEY", as {@code consul tls cert create} writes them; else RSA in PKCS#8)
         * and {@code NAME.pem} for Common Name {@code cn}, signed by the CA {@code CA.pem}/{@code CA.key}.
         */
        public static void signedClient(Path dir, String name, String cn, String ca, boolean ec) throws IOException {
            if (ec) {
                openssl(dir, "ecparam", "-name", "prime256v1", "-genkey", "-noout", "-out", name + ".key");
                openssl(dir, "req", "-new", "-key", name + ".key", "-out", name + ".csr", "-subj", "/CN=" + cn);
            } else {
                openssl(
                        dir,
                        "req",
                        "-newkey",
                        "rsa:2048",
                        "-nodes",
                        "-keyout",
                        name + ".key",
                        "-out",
                        name + ".csr",
                        "-subj",
                        "/CN=" + cn);
            }
            openssl(
                    dir,
                    "x509",
                    "-req",
                    "-in",
                    name + ".csr",
                    "-CA",
                    ca + ".pem",
                    "-CAkey",
                    ca + ".key",
                    "-CAcreateserial",
                    "-out",
                    name + ".pem",
                    "-days",
                    "2");
        }

        /** Runs {@code openssl} in {@code dir}; its failure is an IllegalStateException with its output. */
        public static void openssl(Path dir, String... args) throws IOException {
            List<String> command = new java.util.ArrayList<>(List.of("openssl"));
            command.addAll(List.of(args));
            Process p = new ProcessBuilder(command)
                    .directory(dir.toFile())
                    .redirectErrorStream(true)
                    .start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            try {
                if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                    throw new IllegalStateException("openssl " + command + ": " + out);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException(e);
            }
        }
    }

    /**
     * {@code etcdctl} against this (TLS) member with the fixture's client certificate, as
     * {@code root:rootpw} once {@link #enableAuth} ran; its output, or an IllegalStateException.
     */
    public String etcdctl(String... args) {
        List<String> command = new java.util.ArrayList<>(
                List.of("etcdctl", "--endpoints", clientUri().toString()));
        if (tls != null) {
            command.addAll(List.of(
                    "--cacert",
                    tls.ca().toString(),
                    "--cert",
                    tls.clientCert().toString(),
                    "--key",
                    tls.clientKey().toString()));
        }
        if (authOn) {
            command.addAll(List.of("--user", "root:rootpw"));
        }
        command.addAll(List.of(args));
        try {
            ProcessBuilder pb = new ProcessBuilder(command).redirectErrorStream(true);
            pb.environment().put("ETCDCTL_API", "3");
            Process p = pb.start();
            String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
            if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
                throw new IllegalStateException("etcdctl " + String.join(" ", args) + ": " + out);
            }
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /**
     * Turns authentication on: user {@code root} (password {@code rootpw}, role root) and
     * {@code user} with {@code password} and a role granting readwrite on every key.
     */
    public void enableAuth(String user, String password) {
        etcdctl("user", "add", "root:rootpw");
        etcdctl("user", "grant-role", "root", "root");
        etcdctl("user", "add", user + ":" + password);
        etcdctl("role", "add", user + "-rw");
        etcdctl("role", "grant-permission", user + "-rw", "--prefix=true", "readwrite", "");
        etcdctl("user", "grant-role", user, user + "-rw");
        etcdctl("auth", "enable");
        authOn = true;
    }

    /** Starts an etcd serving clients over TLS with client-certificate verification, plus {@code flags}. */
    public static EtcdServer startTls(TlsFiles files, String... flags) {
        return start(false, files, List.of(flags));
    }

    private static EtcdServer start(boolean fsync, TlsFiles tls, List<String> flags) {
        Path home;
        try {
            home = Files.createTempDirectory("jkv-etcd-");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        EtcdServer server = new EtcdServer(home, fsync);
        server.tls = tls;
        server.extraFlags = flags;
        IllegalStateException failure = null;
        for (int attempt = 0; attempt < 3; attempt++) {
            server.clientPort = freePort();
            server.peerPort = freePort();
            try {
                server.launch();
                return server;
            } catch (IllegalStateException e) {
                // most likely someone took a port between probing and binding: new ports
                failure = e;
                server.destroyProcess();
            }
        }
        server.close();
        throw failure;
    }

    /**
     * Starts a cluster of {@code members} etcd members on loopback (plain http; each member's
     * {@link #url()} names only itself), and waits until each serves requests. Stopping members
     * takes the quorum away: with two, stopping one leaves the other without a leader.
     */
    public static List<EtcdServer> startCluster(int members) {
        return startCluster(members, null);
    }

    /** As {@link #startCluster(int)}, serving clients over TLS as {@link #startTls} does when {@code tls} is given. */
    public static List<EtcdServer> startCluster(int members, TlsFiles tls) {
        List<EtcdServer> cluster = new java.util.ArrayList<>();
        StringBuilder initial = new StringBuilder();
        try {
            for (int i = 0; i < members; i++) {
                EtcdServer member = new EtcdServer(Files.createTempDirectory("jkv-etcd-"), false);
                member.name = "jkv" + i;
                member.tls = tls;
                member.clientPort = freePort();
                member.peerPort = freePort();
                initial.append(initial.isEmpty() ? "" : ",")
                        .append(member.name)
                        .append("=http://127.0.0.1:")
                        .append(member.peerPort);
                cluster.add(member);
            }
            for (EtcdServer member : cluster) {
                member.initialCluster = initial.toString();
                member.startProcess(); // all at once: none is ready before a quorum is up
            }
            for (EtcdServer member : cluster) {
                member.awaitReady();
            }
            return cluster;
        } catch (IOException | RuntimeException e) {
            cluster.forEach(EtcdServer::close);
            throw e instanceof IOException io ? new UncheckedIOException(io) : (RuntimeException) e;
        }
    }

    /** {@code etcd://127.0.0.1:PORT}, for {@code Stores.open}. */
    public String url() {
        return "etcd://127.0.0.1:" + clientPort;
    }

    public int clientPort() {
        return clientPort;
    }

    public URI clientUri() {
        return URI.create((tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort + "/");
    }

    public Path dataDir() {
        return home.resolve("data");
    }

    public synchronized boolean isRunning() {
        return process != null && process.isAlive();
    }

    /**
     * Starts the member again on its ports with the data it has (stopping it first if it runs),
     * and waits until it serves requests.
     */
    public synchronized void restart() {
        stop();
        launch();
    }

    private synchronized void launch() {
        startProcess();
        awaitReady();
    }

    private synchronized void startProcess() {
        String client = (tls == null ? "http" : "https") + "://127.0.0.1:" + clientPort;
        String peer = "http://127.0.0.1:" + peerPort;
        List<String> command = new java.util.ArrayList<>(
                List.of("bash", launcher().toString(), name, dataDir().toString(), client, client, peer));
        if (!fsync) {
            command.add("--unsafe-no-fsync");
        }
        if (tls != null) {
            command.addAll(List.of(
                    "--cert-file",
                    tls.serverCert().toString(),
                    "--key-file",
                    tls.serverKey().toString(),
                    "--trusted-ca-file",
                    tls.ca().toString(),
                    "--client-cert-auth"));
        }
        command.addAll(extraFlags);
        try {
            ProcessBuilder builder = new ProcessBuilder(command)
                    .redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(
                            home.resolve("etcd.log").toFile()));
            if (initialCluster != null) {
                builder.environment().put("JOVL_ETCD_INITIAL_CLUSTER", initialCluster);
            }
            process = builder.start();
        } catch (IOException e) {
            throw new IllegalStateException("cannot run " + command + ": " + e, e);
        }
    }

    private void awaitReady() {
        long end = System.nanoTime() + READY_WITHIN.toNanos();
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
        if (tls != null) {
            builder.sslContext(dev.jovl.kvstore.support.Tls.context(
                    tls.ca(), null, tls.clientCert(), tls.clientKey(), null, true));
        }
        try (HttpClient http = builder.build()) {
            while (System.nanoTime() < end) {
                if (!process.isAlive()) {
                    throw new IllegalStateException("etcd exited with " + process.exitValue() + ": " + logTail());
                }
                try {
                    HttpResponse<String> r = http.send(
                            HttpRequest.newBuilder(clientUri().resolve("v3/kv/range"))
                                    .timeout(Duration.ofSeconds(2))
                                    .POST(HttpRequest.BodyPublishers.ofString("{\"key\":\"AA==\",\"count_only\":true}"))
                                    .build(),
                            HttpResponse.BodyHandlers.ofString());
                    // with authentication on (a restarted secured etcd) the answer is a refusal: still serving
                    if (r.statusCode() == 200 || r.body().contains("etcdserver") || tls != null) {
                        return;
                    }
                } catch (IOException notYet) {
                    // not listening yet
                }
                Thread.sleep(50);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        throw new IllegalStateException("etcd not ready within " + READY_WITHIN + ": " + logTail());
    }

    /** Stops the member gracefully (SIGTERM), keeping its data for {@link #start()}. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        process.destroy();
        try {
            if (!process.waitFor(10, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        process = null;
    }

    /** Kills the member (SIGKILL) and deletes its data. */
    @Override
    public synchronized void close() {
        destroyProcess();
        try {
            Runtime.getRuntime().removeShutdownHook(killOnExit);
        } catch (IllegalStateException shuttingDown) {
            // the hook runs anyway
        }
        try (Stream<Path> files = Files.walk(home)) {
            files.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException ignored) {
            // a temp dir left behind is no failure of the test
        }
    }

    private synchronized void destroyProcess() {
        if (process != null) {
            process.destroyForcibly();
            try {
                process.waitFor(10, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            process = null;
        }
    }

    private String logTail() {
        try {
            List<String> lines = Files.readAllLines(home.resolve("etcd.log"));
            return String.join("\n", lines.subList(Math.max(0, lines.size() - 20), lines.size()));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    /** scripts/etcd-member of this repository, the project's one etcd launcher (it honours $JOVL_ETCD_BIN). */
    private static Path launcher() {
        for (Path p = Path.of("").toAbsolutePath(); p != null; p = p.getParent()) {
            Path script = p.resolve("scripts/etcd-member");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IllegalStateException(
                "scripts/etcd-member not found above " + Path.of("").toAbsolutePath());
    }

    /** A port nothing listens on right now (the kernel's pick), on loopback. */
    public static int freePort() {
        try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return s.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return "etcd on " + url() + " in " + home;
    }
}
