package dev.anomalyedge.bundle;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import org.junit.jupiter.api.Test;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;

/**
 * The typed {@code calibration} and {@code training} records of {@code bundle.json} keep the file format: a manifest as
 * this appliance wrote it before the records were typed loads into them, writes back with the same field names and
 * values, and fields it does not know (a newer appliance's) do not stop it loading.
 */
class BundleManifestTest {

    /** A manifest with the calibration and training records exactly as the untyped maps were written. */
    static final String WRITTEN_BEFORE = """
            {"format":"anomalyclip-bundle","format_version":1,"name":"demo","version":"trained-1",
             "created_at":"2026-11-30T10:00:00Z","tool_version":"0.1.0","demo":true,
             "files":{"graph":"visual.onnx","text_embeddings":"text_embeddings.npy"},
             "calibration":{"image_threshold":0.61,"pixel_threshold":0.42,"method":"good_quantile",
               "target_false_alarm_rate":0.05,"n_good":10,"n_anomalous":14,"n_anomalous_with_mask":12,
               "image_rule":"the 95% quantile of 10 good scores","pixel_rule":"the 95% quantile of per-image maxima of good maps",
               "good_flagged_rate":0.1,"anomalous_recall":0.857,
               "normalised_score":"score rescaled piecewise linearly so that image_threshold maps to 0.5",
               "created_at":"2026-11-30T10:05:00Z","data":"/data/val"},
             "training":{"recipe":"official","epochs":6,"batch_size":8,"optimizer":"adam","lr":0.001,"betas":[0.5,0.999],
               "seed":111,"shuffle":"SplittableRandom(seed) Fisher-Yates per epoch","initial_prompt_learner":"initialised with seed 111",
               "data":"/data/train","format":"mvtec","classes":["bottle"],"images":24,"good":10,"anomalous":14,"with_mask":12,
               "pseudo_anomalies":false,"steps":18,"epoch_losses":[1.5,1.2,1.0,0.9,0.85,0.8],
               "feature_cache":{"engine":"onnxruntime-cpu","dir":"/cache/features","hits":120,"misses":24,"computed_images":24,
                 "size_bytes":5000000,"max_bytes":17179869184},
               "metrics_before":{"mean":{"image_auroc":0.5}},"metrics":{"mean":{"image_auroc":0.9}},
               "metrics_data":"training set (in-sample), from cached float16 features",
               "validation_metrics":{"mean":{"image_auroc":0.88}},"validation_data":"/data/val",
               "started_at":"2026-11-30T10:00:00Z","finished_at":"2026-11-30T10:04:00Z","seconds":240.3,"threads":2,"device":"cpu"}}
            """;

    @Test
    void aManifestWrittenBeforeLoadsIntoTheRecordsAndWritesBackTheSameFields() throws Exception {
        BundleManifest m = ModelBundle.JSON.readValue(WRITTEN_BEFORE, BundleManifest.class);

        CalibrationRecord c = m.calibration();
        assertEquals(0.61, c.imageThreshold());
        assertEquals(0.42, c.pixelThreshold());
        assertEquals("good_quantile", c.method());
        assertEquals(12, c.nAnomalousWithMask());
        assertNull(c.targetRecall(), "absent: not the target-recall method");
        assertEquals("/data/val", c.data());

        TrainingRecord t = m.training();
        assertEquals("official", t.recipe());
        assertEquals(8, t.batchSize());
        assertEquals(List.of(0.5, 0.999), t.betas());
        assertEquals(111L, t.seed());
        assertEquals(17179869184L, t.featureCache().maxBytes());
        assertEquals("onnxruntime-cpu", t.featureCache().engine());
        assertEquals(Map.of("mean", Map.of("image_auroc", 0.88)), t.validationMetrics());
        assertEquals(240.3, t.seconds());

        JsonNode before = ModelBundle.JSON.readTree(WRITTEN_BEFORE);
        JsonNode after = ModelBundle.JSON.readTree(ModelBundle.JSON.writeValueAsString(m));
        assertEquals(before.get("calibration"), after.get("calibration"), "same names, same values");
        assertEquals(before.get("training"), after.get("training"), "same names, same values");
        assertEquals(names(before.get("training")), names(after.get("training")), "and in the same order");
    }

    @Test
    void recordsOfEarlierVersionsLackingFieldsAndOfNewerVersionsWithMoreFieldsLoad() throws Exception {
        ObjectNode file = (ObjectNode) ModelBundle.JSON.readTree(WRITTEN_BEFORE);
        ObjectNode training = (ObjectNode) file.get("training");
        training.remove(List.of("device", "threads"));                       // an earlier version did not record them
        ((ObjectNode) training.get("feature_cache")).remove("engine");
        training.put("learning_rate_schedule", "cosine");                     // a newer version's fields
        ((ObjectNode) file.get("calibration")).putObject("per_class").put("bottle", 0.6);
        file.putArray("recipes").addObject().put("name", "official");

        BundleManifest m = ModelBundle.JSON.readValue(ModelBundle.JSON.writeValueAsString(file), BundleManifest.class);
        assertNull(m.training().device());
        assertNull(m.training().threads());
        assertNull(m.training().featureCache().engine());
        assertEquals(6, m.training().epochs());
        assertEquals(0.61, m.calibration().imageThreshold());

        JsonNode written = ModelBundle.JSON.readTree(ModelBundle.JSON.writeValueAsString(m));
        assertFalse(written.get("training").has("device"), "absent fields are not written as null");
        assertFalse(written.get("training").get("feature_cache").has("engine"));
    }

    @Test
    void aBundleWithoutRecordsHasNone() throws Exception {
        ObjectNode file = (ObjectNode) ModelBundle.JSON.readTree(WRITTEN_BEFORE);
        file.remove(List.of("calibration", "training"));
        BundleManifest m = ModelBundle.JSON.readValue(ModelBundle.JSON.writeValueAsString(file), BundleManifest.class);
        assertNull(m.calibration());
        assertNull(m.training());
        JsonNode written = ModelBundle.JSON.readTree(ModelBundle.JSON.writeValueAsString(m));
        assertFalse(written.has("calibration") || written.has("training"), written.toString());
    }

    @Test
    void withCalibrationAndWithTrainingReplaceOneRecordAndKeepTheOther() throws Exception {
        BundleManifest m = ModelBundle.JSON.readValue(WRITTEN_BEFORE, BundleManifest.class);
        CalibrationRecord recalibrated = m.calibration().withData("/data/other");
        BundleManifest n = m.withCalibration(recalibrated);
        assertEquals("/data/other", n.calibration().data());
        assertEquals(0.61, n.calibration().imageThreshold());
        assertEquals(m.training(), n.training());
        assertNull(m.withCalibration(null).calibration());
        assertEquals(m.calibration(), m.withTraining(null).calibration());
    }

    private static List<String> names(JsonNode object) {
        List<String> out = new ArrayList<>();
        for (Iterator<String> it = object.fieldNames(); it.hasNext(); ) out.add(it.next());
        return out;
    }
}
