package org.emsoc.engine;

import org.elasticsearch.common.logging.LogConfigurator;
import org.elasticsearch.common.settings.Settings;
import org.elasticsearch.env.Environment;
import org.elasticsearch.node.InternalSettingsPreparer;
import org.elasticsearch.node.Node;
import org.elasticsearch.plugins.PluginsLoader;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.jar.JarFile;
import java.util.zip.ZipEntry;

/**
 * Starts one Elasticsearch node the way the distribution's bootstrap does (environment, logging,
 * modules loaded from {@code <home>/modules} with their own class loaders, then {@code new Node(...)}),
 * but without the CLI/entitlement launcher, which Maven Central does not carry.
 *
 * Configuration comes from system properties set by start.sh:
 * emsoc.engine.home, emsoc.engine.data, emsoc.engine.logs, emsoc.engine.port, emsoc.engine.cluster,
 * emsoc.engine.moduleJars (path-separator list of the transport-netty4 module's jars).
 */
public final class EngineMain {
    private static final String PLUGIN_META_DIR = "META-INF/es-plugins/";

    private EngineMain() {}

    public static void main(String[] args) throws Exception {
        Path home = requiredPath("emsoc.engine.home");
        Path data = requiredPath("emsoc.engine.data");
        Path logs = requiredPath("emsoc.engine.logs");
        String port = System.getProperty("emsoc.engine.port", "9200");
        String cluster = System.getProperty("emsoc.engine.cluster", "emsoc-ci");
        String nodeName = cluster + "-node";

        Path config = home.resolve("config");
        Files.createDirectories(config);
        Files.createDirectories(data);
        Files.createDirectories(logs);
        installModule(home.resolve("modules"), moduleJars());
        writeLoggingConfig(config);

        Settings settings = Settings.builder()
            .put("path.home", home.toString())
            .put("path.data", data.toString())
            .put("path.logs", logs.toString())
            .put("cluster.name", cluster)
            .put("node.name", nodeName)
            .put("discovery.type", "single-node")
            .put("network.host", "127.0.0.1")
            .put("http.port", port)
            // CI disks are often nearly full; the watermarks would otherwise make indices read-only.
            .put("cluster.routing.allocation.disk.threshold_enabled", false)
            .build();

        LogConfigurator.configureESLogging(); // installs the logger provider that static initialisers need
        LogConfigurator.registerErrorListener();
        LogConfigurator.setClusterName(cluster);
        LogConfigurator.setNodeName(nodeName);
        Environment env = InternalSettingsPreparer.prepareEnvironment(settings, Map.of(), config, () -> nodeName);
        LogConfigurator.configure(env, true); // keep the console appender: start.sh captures stdout

        PluginsLoader plugins = PluginsLoader.createPluginsLoader(
            PluginsLoader.loadModulesBundles(env.modulesDir(), false),
            PluginsLoader.loadPluginsBundles(env.pluginsDir(), false),
            Map.of()
        );
        Node node = new Node(env, plugins);

        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                node.prepareForClose();
                node.close();
                node.awaitClose(30, TimeUnit.SECONDS);
            } catch (Exception e) {
                e.printStackTrace();
            } finally {
                stopped.countDown();
            }
        }, "emsoc-engine-shutdown"));

        node.start();
        System.out.println("emsoc-engine: node started, http port " + port + ", data " + data);
        stopped.await(); // keep a non-daemon thread until the shutdown hook has run
    }

    private static Path requiredPath(String key) {
        String value = System.getProperty(key);
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException("system property " + key + " is required");
        }
        return Path.of(value).toAbsolutePath();
    }

    private static List<Path> moduleJars() {
        String list = System.getProperty("emsoc.engine.moduleJars", "");
        List<Path> jars = new ArrayList<>();
        for (String part : list.split(java.io.File.pathSeparator)) {
            if (part.isBlank() == false) jars.add(Path.of(part));
        }
        if (jars.isEmpty()) throw new IllegalArgumentException("emsoc.engine.moduleJars is empty: no HTTP transport");
        return jars;
    }

    /**
     * Lays out one module directory as the distribution has it: the module's jars plus the
     * descriptor and entitlement policy that the module jar carries under META-INF/es-plugins/NAME/.
     */
    private static void installModule(Path modulesDir, List<Path> jars) throws IOException {
        String name = null;
        Path descriptorJar = null;
        for (Path jar : jars) {
            String found = pluginNameIn(jar);
            if (found != null) {
                name = found;
                descriptorJar = jar;
            }
        }
        if (name == null) throw new IllegalStateException("no " + PLUGIN_META_DIR + "*/plugin-descriptor.properties in " + jars);
        Path dir = modulesDir.resolve(name);
        Files.createDirectories(dir);
        for (Path jar : jars) {
            Path link = dir.resolve(jar.getFileName());
            Files.deleteIfExists(link);
            Files.createSymbolicLink(link, jar.toAbsolutePath());
        }
        try (JarFile jf = new JarFile(descriptorJar.toFile())) {
            for (String file : List.of("plugin-descriptor.properties", "entitlement-policy.yaml")) {
                ZipEntry entry = jf.getEntry(PLUGIN_META_DIR + name + "/" + file);
                if (entry == null) continue;
                try (InputStream in = jf.getInputStream(entry)) {
                    Files.copy(in, dir.resolve(file), StandardCopyOption.REPLACE_EXISTING);
                }
            }
        }
    }

    private static String pluginNameIn(Path jar) throws IOException {
        try (JarFile jf = new JarFile(jar.toFile())) {
            return jf.stream()
                .map(ZipEntry::getName)
                .filter(n -> n.startsWith(PLUGIN_META_DIR) && n.endsWith("/plugin-descriptor.properties"))
                .map(n -> n.substring(PLUGIN_META_DIR.length(), n.length() - "/plugin-descriptor.properties".length()))
                .findFirst()
                .orElse(null);
        }
    }

    private static void writeLoggingConfig(Path config) throws IOException {
        try (InputStream in = EngineMain.class.getResourceAsStream("/emsoc-engine/log4j2.properties")) {
            if (in == null) throw new IllegalStateException("log4j2.properties resource missing from the launcher");
            Files.copy(in, config.resolve("log4j2.properties"), StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
