package dev.anomalyedge.config;

import dev.anomalyedge.engine.EngineException;
import dev.anomalyedge.engine.select.EngineMode;
import dev.anomalyedge.engine.trt.TrtPrecision;
import org.eclipse.microprofile.config.spi.Converter;

/**
 * Reads the engine's choices in the configuration with the same parsers as the command line ({@link EngineMode#parse},
 * {@link TrtPrecision#parse}: any case, surrounding blanks ignored). A value outside the choices fails the start; the
 * configuration names the setting and the value, the parser's message lists the allowed values.
 */
public final class Choices {
    private Choices() {}

    /** {@code appliance.engine.backend}. */
    public static final class Backend implements Converter<EngineMode> {
        @Override
        public EngineMode convert(String value) {
            try {
                return EngineMode.parse(value);
            } catch (EngineException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }

    /** {@code appliance.engine.precision}. */
    public static final class Precision implements Converter<TrtPrecision> {
        @Override
        public TrtPrecision convert(String value) {
            try {
                return TrtPrecision.parse(value);
            } catch (EngineException e) {
                throw new IllegalArgumentException(e.getMessage(), e);
            }
        }
    }
}
