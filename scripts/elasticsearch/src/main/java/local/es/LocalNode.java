package local.es;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.http.HttpServerTransport;
import org.elasticsearch.node.ClasspathPluginNode;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.transport.netty4.Netty4Plugin;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * Elasticsearch for local development, tests and CI, running the server jars from Maven Central.
 *
 * Usage: java -cp target/classes:$(cat target/classpath.txt) local.es.LocalNode <dataDir> <httpPort>
 *   a single node;
 * or: ... local.es.LocalNode <dataDir> <httpPort> <nodeName> <transportPort> <seedHosts> <masterNodes>
 *   one node of a cluster on 127.0.0.1: seedHosts are the transport addresses of all its nodes
 *   (host:port, comma separated), masterNodes the names of the nodes that bootstrap it ("" once it has been).
 *
 * httpPort 0 binds a free port. Prints "ES_READY http://127.0.0.1:PORT" on stdout once the node has started.
 * The process exits when its stdin reaches EOF (the parent process died or closed the pipe) and closes the
 * node cleanly on SIGTERM.
 */
public final class LocalNode {
    private static final String LOG4J_CONFIG = """
        status = error
        appender.console.type = Console
        appender.console.name = console
        appender.console.layout.type = PatternLayout
        appender.console.layout.pattern = [%d{ISO8601}][%-5p][%-25c{1.}] [%node_name]%marker %m%n
        rootLogger.level = info
        rootLogger.appenderRef.console.ref = console
        logger.deprecation.name = org.elasticsearch.deprecation
        logger.deprecation.level = error
        logger.nativeaccess.name = org.elasticsearch.nativeaccess
        logger.nativeaccess.level = error
        """;
    private static final CountDownLatch KEEP_ALIVE = new CountDownLatch(1);
    private static volatile Node node;

    public static void main(String[] args) {
        if (args.length != 2 && args.length != 6) {
            System.err.println("usage: LocalNode <dataDir> <httpPort> [<nodeName> <transportPort> <seedHosts> <masterNodes>]");
            System.exit(2);
        }
        PrintStream stderr = System.err; // Elasticsearch redirects System.err into its logger
        try {
            run(args);
        } catch (Throwable t) {
            stderr.println("LocalNode: failed to start Elasticsearch: " + t);
            t.printStackTrace(stderr);
            stderr.flush();
            System.exit(1);
        }
    }

    private static void run(String[] args) throws Exception {
        PrintStream stdout = System.out;
        Path home = Path.of(args[0]).toAbsolutePath().normalize();
        int httpPort = Integer.parseInt(args[1]);
        boolean clustered = args.length == 6;
        String nodeName = clustered ? args[2] : "local";
        Files.createDirectories(home.resolve("config"));
        Files.createDirectories(home.resolve("data"));
        Files.createDirectories(home.resolve("logs"));

        Settings.Builder builder = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", home.resolve("data").toString())
            .put("path.logs", home.resolve("logs").toString())
            .put("node.name", nodeName)
            .put("network.host", "127.0.0.1")
            .put("http.port", httpPort)
            .put("http.type", "netty4")
            .put("transport.type", "netty4")
            .put("cluster.routing.allocation.disk.threshold_enabled", false);
        if (clustered) {
            builder
                .put("cluster.name", "local-es-cluster")
                .put("transport.port", Integer.parseInt(args[3]))
                .putList("discovery.seed_hosts", List.of(args[4].split(",")));
            // empty once the cluster has been bootstrapped: its nodes remember it
            if (!args[5].isEmpty()) builder.putList("cluster.initial_master_nodes", List.of(args[5].split(",")));
        } else {
            builder.put("cluster.name", "local-es").put("discovery.type", "single-node").put("transport.port", 0);
        }
        Settings settings = builder.build();

        // Logging goes to stdout (the launcher redirects it into a log file).
        Files.writeString(home.resolve("config").resolve("log4j2.properties"), LOG4J_CONFIG);
        Environment environment = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), null, () -> nodeName);
        LogConfigurator.setNodeName(nodeName);
        LogConfigurator.configure(environment, true);

        watchStdin();
        Runtime.getRuntime().addShutdownHook(new Thread(LocalNode::closeNode, "local-es-shutdown"));

        Node created = new ClasspathPluginNode(environment, List.of(Netty4Plugin.class, RootInfoPlugin.class));
        node = created;
        created.start();

        int port = created.injector().getInstance(HttpServerTransport.class).boundAddress().publishAddress().getPort();
        stdout.println("ES_READY http://127.0.0.1:" + port);
        stdout.flush();

        // Elasticsearch's own threads are daemons: keep the JVM alive until shutdown (stdin EOF or a signal).
        KEEP_ALIVE.await();
    }

    /** Exit as soon as stdin closes, so that a dead parent never leaves an orphan JVM behind. */
    private static void watchStdin() {
        Thread watcher = new Thread(() -> {
            try {
                InputStream in = System.in;
                byte[] buffer = new byte[256];
                while (in.read(buffer) >= 0) {
                    // ignore input; only EOF matters
                }
            } catch (IOException ignored) {
                // treat a broken stdin like EOF
            }
            System.err.println("LocalNode: stdin closed, shutting down");
            System.exit(0); // runs the shutdown hook
        }, "local-es-stdin-watcher");
        watcher.setDaemon(true);
        watcher.start();
    }

    private static void closeNode() {
        Node current = node;
        KEEP_ALIVE.countDown();
        if (current == null) return;
        // never let a stuck close keep the JVM around
        Thread watchdog = new Thread(() -> {
            try {
                Thread.sleep(20_000);
            } catch (InterruptedException e) {
                return;
            }
            System.err.println("LocalNode: node did not close within 20s, halting");
            Runtime.getRuntime().halt(1);
        }, "local-es-halt-watchdog");
        watchdog.setDaemon(true);
        watchdog.start();
        try {
            current.close();
            current.awaitClose(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            System.err.println("LocalNode: error while closing node: " + e);
        }
    }
}
