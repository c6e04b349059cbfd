package dev.jovl.driver.http;

import dev.jovl.net.PrivateFiles;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Docker's plugin transport: HTTP/1.1 on a Unix domain socket, through Netty's native epoll
 * transport. The socket file is made readable and writable by root only (Docker runs as root;
 * nobody else may drive the network), a stale file from an earlier run is replaced, and missing
 * parent directories are created.
 */
public final class PluginServer implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(PluginServer.class);
    /** Docker's bodies are small JSON documents; anything bigger is refused with 413. */
    public static final int MAX_BODY_BYTES = 1 << 20;

    private final Path socketPath;
    private final EventLoopGroup group;
    private final Channel channel;

    private PluginServer(Path socketPath, EventLoopGroup group, Channel channel) {
        this.socketPath = socketPath;
        this.group = group;
        this.channel = channel;
    }

    public static PluginServer start(Path socketPath, RouteTable routes, Executor executor, RequestStats stats) {
        return start(socketPath, routes, executor, stats, ConnectionGuard.Limits.DEFAULT);
    }

    /** With other bounds than {@link ConnectionGuard.Limits#DEFAULT} (tests use short ones). */
    public static PluginServer start(
            Path socketPath, RouteTable routes, Executor executor, RequestStats stats, ConnectionGuard.Limits limits) {
        prepareSocketPath(socketPath);
        ConnectionGuard.Shared shared = new ConnectionGuard.Shared(limits);
        // one I/O thread is plenty: the event loop only parses and writes, handlers run elsewhere
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        PluginRouter router = new PluginRouter(routes, executor);
        try {
            ServerBootstrap bootstrap = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<DomainSocketChannel>() {
                        @Override
                        protected void initChannel(DomainSocketChannel c) {
                            ConnectionGuard guard = new ConnectionGuard(shared);
                            c.pipeline()
                                    .addLast(
                                            "idle",
                                            new IdleStateHandler(
                                                    0, 0, limits.idleTimeout().toMillis(), TimeUnit.MILLISECONDS))
                                    .addLast("guard", guard)
                                    .addLast("http", new HttpServerCodec(4096, 8192, 8192))
                                    .addLast("meter", guard.bodyMeter())
                                    .addLast("aggregate", new HttpObjectAggregator(MAX_BODY_BYTES))
                                    .addLast("log", new RequestLogHandler(stats))
                                    .addLast("route", router);
                        }
                    });
            Channel ch = bindPrivately(
                    socketPath,
                    at -> bootstrap
                            .bind(new DomainSocketAddress(at.toFile()))
                            .syncUninterruptibly()
                            .channel(),
                    c -> c.close().syncUninterruptibly());
            log.info("listening on {}", socketPath);
            return new PluginServer(socketPath, group, ch);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw e instanceof IOException io
                    ? new UncheckedIOException("cannot listen on " + socketPath, io)
                    : (RuntimeException) e;
        }
    }

    /** Binds a listening socket at the path it is given. */
    @FunctionalInterface
    interface Binder<C> {
        C bind(Path at) throws IOException;
    }

    /**
     * Binds the socket in a directory only this user can enter, makes it 0600 there, and renames
     * it to {@code socketPath}: bound in place, it would be 0777 minus the umask until the chmod,
     * and under umask 000 anyone could connect in that window and keep the connection. Where the
     * staging path would be too long for the kernel, it is bound in place.
     */
    static <C> C bindPrivately(Path socketPath, Binder<C> binder, java.util.function.Consumer<C> close)
            throws IOException {
        Path staging = socketPath
                .toAbsolutePath()
                .resolveSibling(".jovl-" + ProcessHandle.current().pid());
        Path bound = staging.resolve("s");
        if (bound.toString().getBytes(StandardCharsets.UTF_8).length >= 108) {
            C listener = binder.bind(socketPath);
            Files.setPosixFilePermissions(socketPath, PrivateFiles.FILE);
            return listener;
        }
        Files.deleteIfExists(bound); // left by a crashed earlier process of the same pid
        Files.deleteIfExists(staging);
        Files.createDirectory(staging, PosixFilePermissions.asFileAttribute(PrivateFiles.DIRECTORY));
        try {
            Files.setPosixFilePermissions(staging, PrivateFiles.DIRECTORY);
            C listener = binder.bind(bound);
            try {
                Files.setPosixFilePermissions(bound, PrivateFiles.FILE);
                Files.move(bound, socketPath, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                return listener;
            } catch (IOException | RuntimeException e) {
                close.accept(listener);
                throw e;
            }
        } finally {
            Files.deleteIfExists(bound);
            Files.deleteIfExists(staging);
        }
    }

    private static void prepareSocketPath(Path socketPath) {
        if (socketPath.toString().getBytes(StandardCharsets.UTF_8).length >= 108) {
            throw new IllegalArgumentException("socket path longer than 107 bytes (the kernel's limit): " + socketPath);
        }
        try {
            Path parent = socketPath.toAbsolutePath().getParent();
            if (parent != null) {
                // 0700 whatever the umask: a world-writable plugin directory would let anyone
                // plant a socket that Docker takes for a plugin
                PrivateFiles.missingDirectories(parent);
            }
            if (Files.exists(socketPath, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                if (Files.isDirectory(socketPath, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                    throw new IllegalArgumentException("socket path is a directory: " + socketPath);
                }
                // a socket left by an earlier run (kill -9 leaves it behind) blocks bind: replace it
                Files.delete(socketPath);
                log.info("replaced stale socket file {}", socketPath);
            }
        } catch (IOException e) {
            throw new UncheckedIOException("cannot prepare socket path " + socketPath, e);
        }
    }

    public Path socketPath() {
        return socketPath;
    }

    /** The one I/O thread's group (tests hold it busy to make two arrivals simultaneous). */
    EventLoopGroup eventLoops() {
        return group;
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 2, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            Files.deleteIfExists(socketPath);
        } catch (IOException e) {
            log.warn("cannot remove socket file {}: {}", socketPath, e.toString());
        }
    }
}
