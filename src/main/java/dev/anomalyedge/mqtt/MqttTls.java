package dev.anomalyedge.mqtt;

import com.hivemq.client.mqtt.MqttClientSslConfig;
import com.hivemq.client.mqtt.MqttClientSslConfigBuilder;

import javax.net.ssl.TrustManagerFactory;
import java.io.File;
import java.io.IOException;
import java.security.GeneralSecurityException;
import java.security.KeyStore;

/**
 * The TLS configuration of every MQTT session the appliance opens to the broker of {@code appliance.mqtt.*} (the result
 * publisher's and the Sparkplug node's): the JDK's trust store, or {@code appliance.mqtt.trust-store} when set.
 */
public final class MqttTls {
    private MqttTls() {}

    /** Fails with a message naming the setting when the trust store cannot be read. */
    public static MqttClientSslConfig sslConfig(MqttSettings s) {
        MqttClientSslConfigBuilder ssl = MqttClientSslConfig.builder();
        if (s.trustStorePath().isPresent()) {
            File file = s.trustStorePath().get().toFile();
            char[] password = s.trustStorePassword().map(String::toCharArray).orElse(null);
            try {
                KeyStore store = KeyStore.getInstance(file, password);
                TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
                tmf.init(store);
                ssl = ssl.trustManagerFactory(tmf);
            } catch (IOException | GeneralSecurityException | IllegalArgumentException e) {
                // IllegalArgumentException: KeyStore.getInstance(File, …) for a missing or non-regular file
                throw new IllegalArgumentException("cannot load appliance.mqtt.trust-store " + file + ": " + e.getMessage(), e);
            }
        }
        return ssl.build();
    }
}
