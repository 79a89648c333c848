package dev.anomalyedge.mqtt;

import io.smallrye.config.WithConverter;
import io.smallrye.config.WithDefault;
import io.smallrye.config.WithName;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the MQTT side of the appliance needs, declared once: these accessors are the {@code appliance.mqtt.*}
 * settings of the configuration mapping ({@code ApplianceConfig.Mqtt} extends this interface; {@code @WithName} and
 * {@code @WithDefault} give each setting's name below {@code appliance.mqtt} and its default), and they are what
 * {@link MqttResultPublisher} reads. Tests and tools build a {@link Values} with {@link #builder}, which starts from
 * the same defaults. {@link #validate} checks a set of settings, naming the setting at fault; the publisher calls it
 * before it opens anything, {@link Builder#build()} too.
 *
 * <p>Results go to {@code <topicPrefix>/<site>/<area>/<line>/<cell>/result} (ISA-95 / Unified Namespace levels, see
 * {@link Topics}). {@code enabled} is read by the wiring layer, which only builds an {@link MqttResultPublisher} when it
 * is true; the publisher itself does not look at it.
 */
public interface MqttSettings {

    String DEFAULT_CLIENT_ID = "anomaly-appliance";
    String DEFAULT_TOPIC_PREFIX = "anomaly";
    long DEFAULT_QUEUE_MAX_BYTES = 256L * 1024 * 1024;
    long DEFAULT_QUEUE_MAX_MESSAGES = 1_000_000L;
    long DEFAULT_DEAD_LETTER_MAX_MESSAGES = 1000;
    long DEFAULT_DEAD_LETTER_MAX_BYTES = 64L * 1024 * 1024;

    /** Whether the appliance publishes to MQTT at all. */
    @WithDefault("false")
    boolean enabled();

    /** Broker host name or address. */
    @WithDefault("localhost")
    String host();

    /** Broker port (1..65535). */
    @WithDefault("1883")
    int port();

    /** MQTT client identifier; also names the appliance in the status payloads. */
    @WithName("client-id")
    @WithDefault(DEFAULT_CLIENT_ID)
    String clientId();

    /** Optional user name (simple auth). */
    Optional<String> username();

    /** Optional password; only sent together with a user name. */
    Optional<String> password();

    /** Connect with TLS. */
    @WithDefault("false")
    boolean tls();

    /**
     * Optional trust store (any type {@code KeyStore.getInstance(File, char[])} detects: PKCS12, JKS); without it TLS
     * trusts the JVM's default CAs.
     */
    @WithName("trust-store")
    Optional<Path> trustStorePath();

    /** Optional trust store password. */
    @WithName("trust-store-password")
    Optional<String> trustStorePassword();

    /** First topic level(s), e.g. {@code anomaly} or {@code v1.0/acme}; levels separated by '/'. */
    @WithName("topic-prefix")
    @WithDefault(DEFAULT_TOPIC_PREFIX)
    String topicPrefix();

    /** ISA-95 site level. */
    @WithDefault("site1")
    String site();

    /** ISA-95 area level. */
    @WithDefault("area1")
    String area();

    /** ISA-95 line level. */
    @WithDefault("line1")
    String line();

    /** ISA-95 cell level. */
    @WithDefault("cell1")
    String cell();

    /** QoS of result messages: 1 or 2 (store-and-forward needs the broker's acknowledgement). */
    @WithName("result-qos")
    @WithDefault("1")
    int resultQos();

    /** Also publish the heatmap PNG of each result. */
    @WithName("heatmap.enabled")
    @WithDefault("false")
    boolean heatmapEnabled();

    /** QoS of heatmap messages (0..2); heatmaps are best-effort, see {@link MqttResultPublisher}. */
    @WithName("heatmap.qos")
    @WithDefault("0")
    int heatmapQos();

    /**
     * Take inspection triggers on {@code …/trigger} (images, MQTT 5 request/response); see {@link TriggerSubscriber}.
     */
    @WithName("trigger.enabled")
    @WithDefault("false")
    boolean triggerEnabled();

    /** Folder of the disk-backed store-and-forward queue (survives restarts; put it on a volume). */
    @WithName("queue.dir")
    @WithDefault("mqtt-queue")
    Path queueDir();

    /** Bound on the bytes of unacknowledged messages on disk. */
    @WithName("queue.max-bytes")
    @WithDefault("" + DEFAULT_QUEUE_MAX_BYTES)
    long queueMaxBytes();

    /** Bound on the number of unacknowledged messages. */
    @WithName("queue.max-messages")
    @WithDefault("" + DEFAULT_QUEUE_MAX_MESSAGES)
    long queueMaxMessages();

    /**
     * What happens when a bound is reached; drops are counted. The configuration reads it with {@link DropPolicy#parse}.
     */
    @WithName("queue.drop-policy")
    @WithDefault("DROP_OLDEST")
    @WithConverter(DropPolicyConverter.class)
    DropPolicy dropPolicy();

    /** First automatic-reconnect delay (doubles after each failure, with the client's jitter). */
    @WithName("reconnect-min-delay")
    @WithDefault("1s")
    Duration reconnectMinDelay();

    /** Cap of the reconnect delay (also of the delay between retries of a result the broker refused for now). */
    @WithName("reconnect-max-delay")
    @WithDefault("2m")
    Duration reconnectMaxDelay();

    /** Bound on the number of dead letters kept on disk (results that can never be delivered), oldest deleted first. */
    @WithName("dead-letter.max-messages")
    @WithDefault("" + DEFAULT_DEAD_LETTER_MAX_MESSAGES)
    long deadLetterMaxMessages();

    /** Bound on the dead letters' total bytes. */
    @WithName("dead-letter.max-bytes")
    @WithDefault("" + DEFAULT_DEAD_LETTER_MAX_BYTES)
    long deadLetterMaxBytes();

    /** Where results that can never be delivered are kept: {@code dead-letter} inside the queue folder. */
    default Path deadLetterDir() {
        return queueDir().resolve("dead-letter");
    }

    /** Settings with the defaults for everything but the broker address and the queue folder (and enabled). */
    static Builder builder(String host, int port, Path queueDir) {
        return new Builder(host, port, queueDir);
    }

    /**
     * Checks a set of settings; the message of the {@link IllegalArgumentException} (or {@link NullPointerException}
     * for a missing value) names the {@code appliance.mqtt.*} setting at fault.
     *
     * @return {@code s}
     */
    static MqttSettings validate(MqttSettings s) {
        requireText("appliance.mqtt.host", s.host());
        if (s.port() < 1 || s.port() > 65535) {
            throw new IllegalArgumentException("appliance.mqtt.port must be 1..65535, found " + s.port());
        }
        requireText("appliance.mqtt.client-id", s.clientId());
        Objects.requireNonNull(s.username(), "appliance.mqtt.username");
        Objects.requireNonNull(s.password(), "appliance.mqtt.password");
        Objects.requireNonNull(s.trustStorePath(), "appliance.mqtt.trust-store");
        Objects.requireNonNull(s.trustStorePassword(), "appliance.mqtt.trust-store-password");
        if (s.password().isPresent() && s.username().isEmpty()) {
            throw new IllegalArgumentException("appliance.mqtt.password is set but appliance.mqtt.username is not (MQTT sends a password only with a user name)");
        }
        if (s.trustStorePath().isPresent() && !s.tls()) {
            throw new IllegalArgumentException("appliance.mqtt.trust-store is set but appliance.mqtt.tls is false");
        }
        validateTopicPrefix(s.topicPrefix());
        validateTopicLevel("appliance.mqtt.site", s.site());
        validateTopicLevel("appliance.mqtt.area", s.area());
        validateTopicLevel("appliance.mqtt.line", s.line());
        validateTopicLevel("appliance.mqtt.cell", s.cell());
        if (s.resultQos() < 1 || s.resultQos() > 2) {
            throw new IllegalArgumentException("appliance.mqtt.result-qos must be 1 or 2 (store-and-forward removes a result only after "
                    + "the broker acknowledged it, which QoS 0 never does), found " + s.resultQos());
        }
        if (s.heatmapQos() < 0 || s.heatmapQos() > 2) {
            throw new IllegalArgumentException("appliance.mqtt.heatmap.qos must be 0, 1 or 2, found " + s.heatmapQos());
        }
        Objects.requireNonNull(s.queueDir(), "appliance.mqtt.queue.dir must be set");
        if (s.queueMaxBytes() <= 0) {
            throw new IllegalArgumentException("appliance.mqtt.queue.max-bytes must be > 0, found " + s.queueMaxBytes());
        }
        if (s.queueMaxMessages() <= 0) {
            throw new IllegalArgumentException("appliance.mqtt.queue.max-messages must be > 0, found " + s.queueMaxMessages());
        }
        Objects.requireNonNull(s.dropPolicy(), "appliance.mqtt.queue.drop-policy must be set (DROP_OLDEST or REJECT_NEW)");
        Objects.requireNonNull(s.reconnectMinDelay(), "appliance.mqtt.reconnect-min-delay must be set");
        Objects.requireNonNull(s.reconnectMaxDelay(), "appliance.mqtt.reconnect-max-delay must be set");
        if (s.reconnectMinDelay().isNegative() || s.reconnectMinDelay().isZero()) {
            throw new IllegalArgumentException("appliance.mqtt.reconnect-min-delay must be > 0, found " + s.reconnectMinDelay());
        }
        if (s.reconnectMaxDelay().compareTo(s.reconnectMinDelay()) < 0) {
            throw new IllegalArgumentException("appliance.mqtt.reconnect-max-delay (" + s.reconnectMaxDelay()
                    + ") must not be below appliance.mqtt.reconnect-min-delay (" + s.reconnectMinDelay() + ")");
        }
        if (s.deadLetterMaxMessages() <= 0) {
            throw new IllegalArgumentException("appliance.mqtt.dead-letter.max-messages must be > 0, found " + s.deadLetterMaxMessages());
        }
        if (s.deadLetterMaxBytes() <= 0) {
            throw new IllegalArgumentException("appliance.mqtt.dead-letter.max-bytes must be > 0, found " + s.deadLetterMaxBytes());
        }
        return s;
    }

    /**
     * Checks one topic level: non-empty, no whitespace, none of the MQTT special characters {@code + # /} and no
     * {@code $} (reserved for broker topics such as {@code $SYS}).
     */
    static void validateTopicLevel(String setting, String level) {
        if (level == null || level.isEmpty()) {
            throw new IllegalArgumentException(setting + " must not be empty");
        }
        for (int i = 0; i < level.length(); i++) {
            char c = level.charAt(i);
            if (Character.isWhitespace(c)) {
                throw new IllegalArgumentException(setting + " must not contain spaces, found '" + level + "'");
            }
            if (c == '+' || c == '#' || c == '/' || c == '$') {
                throw new IllegalArgumentException(setting + " must not contain '" + c
                        + "' (characters + # / $ are not allowed in a topic level), found '" + level + "'");
            }
            if (c == '\u0000') {
                throw new IllegalArgumentException(setting + " must not contain a NUL character");
            }
        }
    }

    /** The prefix may span several levels ({@code v1.0/acme}); each one follows {@link #validateTopicLevel}. */
    private static void validateTopicPrefix(String prefix) {
        if (prefix == null || prefix.isEmpty()) {
            throw new IllegalArgumentException("appliance.mqtt.topic-prefix must not be empty");
        }
        String[] levels = prefix.split("/", -1);
        for (int i = 0; i < levels.length; i++) {
            validateTopicLevel("appliance.mqtt.topic-prefix level " + (i + 1) + " of '" + prefix + "'", levels[i]);
        }
    }

    private static void requireText(String setting, String value) {
        if (value == null || value.isBlank()) {
            throw new IllegalArgumentException(setting + " must not be empty");
        }
    }

    /** Reads {@code appliance.mqtt.queue.drop-policy} with {@link DropPolicy#parse}. */
    final class DropPolicyConverter implements org.eclipse.microprofile.config.spi.Converter<DropPolicy> {
        @Override
        public DropPolicy convert(String value) {
            return DropPolicy.parse(value);
        }
    }

    /** A plain set of MQTT settings (tests, tools); {@link #builder} fills it with the defaults. */
    record Values(boolean enabled, String host, int port, String clientId, Optional<String> username,
                  Optional<String> password, boolean tls, Optional<Path> trustStorePath, Optional<String> trustStorePassword,
                  String topicPrefix, String site, String area, String line, String cell, int resultQos,
                  boolean heatmapEnabled, int heatmapQos, boolean triggerEnabled, Path queueDir, long queueMaxBytes, long queueMaxMessages,
                  DropPolicy dropPolicy, Duration reconnectMinDelay, Duration reconnectMaxDelay,
                  long deadLetterMaxMessages, long deadLetterMaxBytes) implements MqttSettings {
        public Values {
            username = Objects.requireNonNullElse(username, Optional.empty());
            password = Objects.requireNonNullElse(password, Optional.empty());
            trustStorePath = Objects.requireNonNullElse(trustStorePath, Optional.empty());
            trustStorePassword = Objects.requireNonNullElse(trustStorePassword, Optional.empty());
        }
    }

    /**
     * Builder of {@link Values} with the settings' defaults, except that {@code enabled} is true (a publisher is being
     * built); every setter returns the builder.
     */
    final class Builder {
        private boolean enabled = true;
        private final String host;
        private final int port;
        private String clientId = DEFAULT_CLIENT_ID;
        private Optional<String> username = Optional.empty();
        private Optional<String> password = Optional.empty();
        private boolean tls;
        private Optional<Path> trustStorePath = Optional.empty();
        private Optional<String> trustStorePassword = Optional.empty();
        private String topicPrefix = DEFAULT_TOPIC_PREFIX;
        private String site = "site1";
        private String area = "area1";
        private String line = "line1";
        private String cell = "cell1";
        private int resultQos = 1;
        private boolean heatmapEnabled;
        private int heatmapQos;
        private boolean triggerEnabled;
        private Path queueDir;
        private long queueMaxBytes = DEFAULT_QUEUE_MAX_BYTES;
        private long queueMaxMessages = DEFAULT_QUEUE_MAX_MESSAGES;
        private DropPolicy dropPolicy = DropPolicy.DROP_OLDEST;
        private Duration reconnectMinDelay = Duration.ofSeconds(1);
        private Duration reconnectMaxDelay = Duration.ofMinutes(2);
        private long deadLetterMaxMessages = DEFAULT_DEAD_LETTER_MAX_MESSAGES;
        private long deadLetterMaxBytes = DEFAULT_DEAD_LETTER_MAX_BYTES;

        private Builder(String host, int port, Path queueDir) {
            this.host = host;
            this.port = port;
            this.queueDir = queueDir;
        }

        public Builder enabled(boolean v) { enabled = v; return this; }
        public Builder clientId(String v) { clientId = v; return this; }
        public Builder credentials(String user, String pass) {
            username = Optional.ofNullable(user);
            password = Optional.ofNullable(pass);
            return this;
        }
        public Builder tls(boolean v) { tls = v; return this; }
        public Builder trustStore(Path path, String pass) {
            trustStorePath = Optional.ofNullable(path);
            trustStorePassword = Optional.ofNullable(pass);
            return this;
        }
        public Builder topicPrefix(String v) { topicPrefix = v; return this; }
        public Builder isa95(String site, String area, String line, String cell) {
            this.site = site;
            this.area = area;
            this.line = line;
            this.cell = cell;
            return this;
        }
        public Builder resultQos(int v) { resultQos = v; return this; }
        public Builder heatmap(boolean enabled, int qos) { heatmapEnabled = enabled; heatmapQos = qos; return this; }
        public Builder trigger(boolean enabled) { triggerEnabled = enabled; return this; }
        public Builder queueMaxBytes(long v) { queueMaxBytes = v; return this; }
        public Builder queueMaxMessages(long v) { queueMaxMessages = v; return this; }
        public Builder dropPolicy(DropPolicy v) { dropPolicy = v; return this; }
        public Builder reconnectDelay(Duration min, Duration max) {
            reconnectMinDelay = min;
            reconnectMaxDelay = max;
            return this;
        }

        public Builder deadLetterBounds(long maxMessages, long maxBytes) {
            deadLetterMaxMessages = maxMessages;
            deadLetterMaxBytes = maxBytes;
            return this;
        }

        /** The settings, {@linkplain MqttSettings#validate validated}. */
        public MqttSettings build() {
            return validate(new Values(enabled, host, port, clientId, username, password, tls, trustStorePath,
                    trustStorePassword, topicPrefix, site, area, line, cell, resultQos, heatmapEnabled, heatmapQos,
                    triggerEnabled, queueDir, queueMaxBytes, queueMaxMessages, dropPolicy, reconnectMinDelay, reconnectMaxDelay,
                    deadLetterMaxMessages, deadLetterMaxBytes));
        }
    }
}
