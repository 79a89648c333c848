package dev.anomalyedge.mqtt;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Optional;

/**
 * Everything the MQTT side of the appliance needs, validated once at construction.
 *
 * <p>Results go to {@code <topicPrefix>/<site>/<area>/<line>/<cell>/result} (ISA-95 / Unified Namespace levels, see
 * {@link Topics}). {@code enabled} is read by the wiring layer, which only builds an {@link MqttResultPublisher} when it
 * is true; the publisher itself does not look at it.
 *
 * @param enabled            whether the appliance publishes to MQTT at all
 * @param host               broker host name or address
 * @param port               broker port (1..65535)
 * @param clientId           MQTT client identifier; also names the appliance in the status payloads
 * @param username           optional user name (simple auth)
 * @param password           optional password; only sent together with a user name
 * @param tls                connect with TLS
 * @param trustStorePath     optional trust store (any type {@code KeyStore.getInstance(File, char[])} detects: PKCS12, JKS);
 *                           without it TLS trusts the JVM's default CAs
 * @param trustStorePassword optional trust store password
 * @param topicPrefix        first topic level(s), e.g. {@code anomaly} or {@code v1.0/acme}; levels separated by '/'
 * @param site               ISA-95 site level
 * @param area               ISA-95 area level
 * @param line               ISA-95 line level
 * @param cell               ISA-95 cell level
 * @param resultQos          QoS of result messages: 1 or 2 (store-and-forward needs the broker's acknowledgement)
 * @param heatmapEnabled     also publish the heatmap PNG of each result
 * @param heatmapQos         QoS of heatmap messages (0..2); heatmaps are best-effort, see {@link MqttResultPublisher}
 * @param queueDir           folder of the disk-backed store-and-forward queue
 * @param queueMaxBytes      bound on the bytes of unacknowledged messages on disk
 * @param queueMaxMessages   bound on the number of unacknowledged messages
 * @param dropPolicy         what happens when a bound is reached
 * @param reconnectMinDelay  first automatic-reconnect delay (doubles after each failure, with the client's jitter)
 * @param reconnectMaxDelay  cap of the reconnect delay (also of the delay between retries of a result the broker
 *                           refused for now)
 * @param deadLetterMaxMessages bound on the number of dead letters kept on disk (results that can never be delivered)
 * @param deadLetterMaxBytes    bound on their total bytes
 */
public record MqttSettings(
        boolean enabled,
        String host,
        int port,
        String clientId,
        Optional<String> username,
        Optional<String> password,
        boolean tls,
        Optional<Path> trustStorePath,
        Optional<String> trustStorePassword,
        String topicPrefix,
        String site,
        String area,
        String line,
        String cell,
        int resultQos,
        boolean heatmapEnabled,
        int heatmapQos,
        Path queueDir,
        long queueMaxBytes,
        long queueMaxMessages,
        DropPolicy dropPolicy,
        Duration reconnectMinDelay,
        Duration reconnectMaxDelay,
        long deadLetterMaxMessages,
        long deadLetterMaxBytes) {

    public static final String DEFAULT_TOPIC_PREFIX = "anomaly";
    public static final long DEFAULT_QUEUE_MAX_BYTES = 256L * 1024 * 1024;
    public static final long DEFAULT_QUEUE_MAX_MESSAGES = 1_000_000L;
    public static final long DEFAULT_DEAD_LETTER_MAX_MESSAGES = 1000;
    public static final long DEFAULT_DEAD_LETTER_MAX_BYTES = 64L * 1024 * 1024;

    public MqttSettings {
        requireText("appliance.mqtt.host", host);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("appliance.mqtt.port must be 1..65535, found " + port);
        }
        requireText("appliance.mqtt.client-id", clientId);
        username = Objects.requireNonNullElse(username, Optional.empty());
        password = Objects.requireNonNullElse(password, Optional.empty());
        trustStorePath = Objects.requireNonNullElse(trustStorePath, Optional.empty());
        trustStorePassword = Objects.requireNonNullElse(trustStorePassword, Optional.empty());
        if (password.isPresent() && username.isEmpty()) {
            throw new IllegalArgumentException("appliance.mqtt.password is set but appliance.mqtt.username is not (MQTT sends a password only with a user name)");
        }
        if (trustStorePath.isPresent() && !tls) {
            throw new IllegalArgumentException("appliance.mqtt.trust-store is set but appliance.mqtt.tls is false");
        }
        validateTopicPrefix(topicPrefix);
        validateTopicLevel("appliance.mqtt.site", site);
        validateTopicLevel("appliance.mqtt.area", area);
        validateTopicLevel("appliance.mqtt.line", line);
        validateTopicLevel("appliance.mqtt.cell", cell);
        if (resultQos < 1 || resultQos > 2) {
            throw new IllegalArgumentException("appliance.mqtt.result-qos must be 1 or 2 (store-and-forward removes a result only after "
                    + "the broker acknowledged it, which QoS 0 never does), found " + resultQos);
        }
        if (heatmapQos < 0 || heatmapQos > 2) {
            throw new IllegalArgumentException("appliance.mqtt.heatmap.qos must be 0, 1 or 2, found " + heatmapQos);
        }
        Objects.requireNonNull(queueDir, "appliance.mqtt.queue.dir must be set");
        if (queueMaxBytes <= 0) {
            throw new IllegalArgumentException("appliance.mqtt.queue.max-bytes must be > 0, found " + queueMaxBytes);
        }
        if (queueMaxMessages <= 0) {
            throw new IllegalArgumentException("appliance.mqtt.queue.max-messages must be > 0, found " + queueMaxMessages);
        }
        Objects.requireNonNull(dropPolicy, "appliance.mqtt.queue.drop-policy must be set (DROP_OLDEST or REJECT_NEW)");
        Objects.requireNonNull(reconnectMinDelay, "appliance.mqtt.reconnect-min-delay must be set");
        Objects.requireNonNull(reconnectMaxDelay, "appliance.mqtt.reconnect-max-delay must be set");
        if (reconnectMinDelay.isNegative() || reconnectMinDelay.isZero()) {
            throw new IllegalArgumentException("appliance.mqtt.reconnect-min-delay must be > 0, found " + reconnectMinDelay);
        }
        if (reconnectMaxDelay.compareTo(reconnectMinDelay) < 0) {
            throw new IllegalArgumentException("appliance.mqtt.reconnect-max-delay (" + reconnectMaxDelay
                    + ") must not be below appliance.mqtt.reconnect-min-delay (" + reconnectMinDelay + ")");
        }
        if (deadLetterMaxMessages <= 0) {
            throw new IllegalArgumentException("appliance.mqtt.dead-letter.max-messages must be > 0, found " + deadLetterMaxMessages);
        }
        if (deadLetterMaxBytes <= 0) {
            throw new IllegalArgumentException("appliance.mqtt.dead-letter.max-bytes must be > 0, found " + deadLetterMaxBytes);
        }
    }

    /** Where results that can never be delivered are kept: {@code dead-letter} inside the queue folder. */
    public Path deadLetterDir() {
        return queueDir.resolve("dead-letter");
    }

    /** Settings with the defaults for everything but the broker address and the queue folder. */
    public static Builder builder(String host, int port, Path queueDir) {
        return new Builder(host, port, queueDir);
    }

    /**
     * Checks one topic level: non-empty, no whitespace, none of the MQTT special characters {@code + # /} and no
     * {@code $} (reserved for broker topics such as {@code $SYS}).
     */
    public static void validateTopicLevel(String setting, String level) {
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
    static void validateTopicPrefix(String prefix) {
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

    /** Builder with the appliance defaults; every setter returns the builder. */
    public static final class Builder {
        private boolean enabled = true;
        private String host;
        private int port;
        private String clientId = "anomaly-edge";
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

        public MqttSettings build() {
            return new MqttSettings(enabled, host, port, clientId, username, password, tls, trustStorePath,
                    trustStorePassword, topicPrefix, site, area, line, cell, resultQos, heatmapEnabled, heatmapQos,
                    queueDir, queueMaxBytes, queueMaxMessages, dropPolicy, reconnectMinDelay, reconnectMaxDelay,
                    deadLetterMaxMessages, deadLetterMaxBytes);
        }
    }
}
