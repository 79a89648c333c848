package dev.anomalyedge.engine.trt;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

class PrecisionPolicyTest {
    private final PrecisionPolicy policy = PrecisionPolicy.standard();

    @Test
    void normalisationsSoftmaxAndReductionsStayFp32() {
        assertEquals("normalization", policy.fp32Reason("kNORMALIZATION", "visual.transformer.resblocks.0.ln_1", null));
        assertEquals("softmax", policy.fp32Reason("kSOFTMAX", "visual.transformer.resblocks.3.attn.softmax", null));
        assertEquals("reduce", policy.fp32Reason("REDUCE", "whatever", null));
        assertEquals("unary sqrt", policy.fp32Reason("kUNARY", "x", "kSQRT"));
        assertEquals("unary exp", policy.fp32Reason("kUNARY", "x", "kEXP"));
        assertEquals("elementwise pow", policy.fp32Reason("kELEMENTWISE", "x", "kPOW"));
    }

    @Test
    void theTransformerBodyRunsFp16() {
        assertNull(policy.fp32Reason("kMATRIX_MULTIPLY", "visual.transformer.resblocks.0.attn.q", null));
        assertNull(policy.fp32Reason("kCONVOLUTION", "visual.conv1", null));
        assertNull(policy.fp32Reason("kACTIVATION", "visual.transformer.resblocks.0.mlp.gelu_gate", null));
        assertNull(policy.fp32Reason("kELEMENTWISE", "visual.transformer.resblocks.0.mlp.gelu", "kPROD"));
        assertNull(policy.fp32Reason("kUNARY", "x", "kABS"));
    }

    @Test
    void theScoringHeadStaysFp32ByName() {
        assertEquals("scoring head", policy.fp32Reason("kMATRIX_MULTIPLY", "taps.2.cos", null));
        assertEquals("scoring head", policy.fp32Reason("kMATRIX_MULTIPLY", "map.rows", null));
        assertEquals("scoring head", policy.fp32Reason("kMATRIX_MULTIPLY", "image_features", null));
        assertNull(new PrecisionPolicy(List.of()).fp32Reason("kMATRIX_MULTIPLY", "taps.2.cos", null));
        assertNull(policy.fp32Reason("kMATRIX_MULTIPLY", null, null));
    }
}
