package dev.anomalyedge.deploy;

import dev.anomalyedge.config.ApplianceConfig;
import io.smallrye.config.ConfigMapping;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.io.IOException;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.ParameterizedType;
import java.lang.reflect.Type;
import java.nio.file.Path;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Properties;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What the deployment files must agree with: the {@code appliance.*} settings of {@link ApplianceConfig} (read by
 * reflection, so a renamed setting breaks these tests) and {@code application.properties} for {@code quarkus.*}.
 */
final class ApplianceSettings {
    private ApplianceSettings() {}

    /** Every leaf setting of {@link ApplianceConfig}, name → its {@code @WithDefault} (null when it has none). */
    static Map<String, String> properties() {
        Map<String, String> out = new TreeMap<>();
        leaves().forEach((name, m) -> {
            WithDefault def = m.getAnnotation(WithDefault.class);
            out.put(name, def == null ? null : def.value());
        });
        return out;
    }

    /**
     * The settings that name a folder the service writes: every {@code Path} (or {@code Optional<Path>}) setting whose
     * name ends in {@code dir} (appliance.models.dir, appliance.mqtt.queue.dir, appliance.training.cache-dir, …), so a
     * new one is checked by the deployment tests without being listed here. Files it only reads (trust store) are not.
     */
    static Set<String> writtenFolders() {
        Set<String> out = new TreeSet<>();
        leaves().forEach((name, m) -> {
            Type t = m.getGenericReturnType();
            boolean path = t == Path.class || (t instanceof ParameterizedType p && p.getRawType() == Optional.class
                    && p.getActualTypeArguments()[0] == Path.class);
            if (path && name.endsWith("dir")) out.add(name);
        });
        return out;
    }

    private static Map<String, Method> leaves() {
        Map<String, Method> out = new TreeMap<>();
        collect(ApplianceConfig.class, ApplianceConfig.class.getAnnotation(ConfigMapping.class).prefix(), out);
        return out;
    }

    private static void collect(Class<?> group, String prefix, Map<String, Method> out) {
        for (Method m : group.getMethods()) {
            if (m.getParameterCount() != 0 || Modifier.isStatic(m.getModifiers()) || m.isDefault()) continue;
            WithName withName = m.getAnnotation(WithName.class);
            String name = prefix + "." + (withName != null ? withName.value() : kebab(m.getName()));
            Class<?> type = m.getReturnType();
            if (type.isInterface() && type.getEnclosingClass() != null && type != Optional.class) {
                collect(type, name, out);
            } else {
                out.put(name, m);
            }
        }
    }

    /** SmallRye's default naming for mapping methods: {@code clientId} → {@code client-id}. */
    static String kebab(String camel) {
        return camel.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** The environment variable MicroProfile Config maps to a property: non-alphanumerics become {@code _}, upper case. */
    static String envName(String property) {
        return property.replaceAll("[^A-Za-z0-9]", "_").toUpperCase(Locale.ROOT);
    }

    /** The {@code appliance.*} property an environment variable sets, if any. */
    static Optional<String> applianceProperty(String env) {
        return properties().keySet().stream().filter(p -> envName(p).equals(env)).findFirst();
    }

    static Properties applicationProperties() {
        Properties p = new Properties();
        try {
            p.load(new StringReader(DeployFiles.read("src/main/resources/application.properties")));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return p;
    }

    /**
     * Whether an environment variable names a real setting: {@code APPLIANCE_*} against {@link ApplianceConfig},
     * {@code QUARKUS_*} against the keys of application.properties. Other variables (JAVA_OPTS, …) are not settings.
     */
    static boolean isSetting(String env) {
        if (env.startsWith("APPLIANCE_")) return applianceProperty(env).isPresent();
        if (env.startsWith("QUARKUS_")) {
            return applicationProperties().stringPropertyNames().stream().anyMatch(k -> envName(k).equals(env));
        }
        return false;
    }

    static boolean looksLikeSetting(String env) {
        return env.startsWith("APPLIANCE_") || env.startsWith("QUARKUS_");
    }

    static int httpPort() {
        return Integer.parseInt(applicationProperties().getProperty("quarkus.http.port", "8080").trim());
    }

    /** /q/health/live unless application.properties moves it. */
    static String livenessPath() {
        return healthRoot() + "/" + applicationProperties().getProperty("quarkus.smallrye-health.liveness-path", "live");
    }

    /** /q/health/ready unless application.properties moves it. */
    static String readinessPath() {
        return healthRoot() + "/" + applicationProperties().getProperty("quarkus.smallrye-health.readiness-path", "ready");
    }

    private static String healthRoot() {
        Properties p = applicationProperties();
        return "/" + p.getProperty("quarkus.http.non-application-root-path", "q") + "/"
                + p.getProperty("quarkus.smallrye-health.root-path", "health");
    }

    static String defaultOf(String property) {
        Map<String, String> all = properties();
        if (!all.containsKey(property)) throw new AssertionError("no setting " + property + " in ApplianceConfig");
        return all.get(property);
    }
}
