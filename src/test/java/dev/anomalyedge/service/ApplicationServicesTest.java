package dev.anomalyedge.service;

import dev.anomalyedge.inspection.InspectionException;
import dev.anomalyedge.inspection.InspectionResult;
import dev.anomalyedge.synthetic.SyntheticParts;
import dev.anomalyedge.tensor.Npy;
import dev.anomalyedge.testing.Golden;
import dev.anomalyedge.training.TrainRequest;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import javax.imageio.ImageIO;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The application services the REST adapters call, without Quarkus: on an appliance serving the untrained demo, and on
 * one that is not serving.
 */
class ApplicationServicesTest {
    static Path models;
    static Appliance serving;
    static Inspections inspections;
    static Trainings trainings;

    @BeforeAll
    static void start() throws Exception {
        models = Golden.tempDir("services-");
        serving = ApplianceRestartTest.appliance(models, false);
        serving.start();
        assertTrue(serving.awaitFirstModel(120, TimeUnit.SECONDS), "not ready after 120 s: " + serving.startupError());
        inspections = new Inspections();
        inspections.app = serving;
        trainings = new Trainings();
        trainings.app = serving;
    }

    @AfterAll
    static void stop() {
        if (serving != null) serving.stop();
    }

    record Upload(String source, byte[] bytes) implements Inspections.Image {
        @Override
        public byte[] read() {
            if (bytes == null) throw new InspectionException(InspectionException.Kind.TOO_LARGE, source + ": too large");
            return bytes;
        }
    }

    static byte[] part(long seed) {
        try {
            ByteArrayOutputStream out = new ByteArrayOutputStream();
            ImageIO.write(SyntheticParts.generate(200, seed, SyntheticParts.Defect.NONE).image(), "png", out);
            return out.toByteArray();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Test
    void aBatchAnswersEveryImageInRequestOrder() throws Exception {
        List<Upload> images = List.of(new Upload("a.png", part(1)), new Upload("b.png", new byte[] {1, 2, 3}),
                new Upload("c.png", null), new Upload("d.png", part(2)));
        Inspections.Batch batch = inspections.inspectBatch(images, "P-7");
        assertEquals(4, batch.count());
        assertEquals(2, batch.failed());
        InspectionResult a = assertInstanceOf(InspectionResult.class, batch.results().get(0));
        assertEquals("a.png", a.source());
        assertEquals("P-7", a.partId());
        Inspections.ImageError b = assertInstanceOf(Inspections.ImageError.class, batch.results().get(1));
        assertEquals("b.png", b.source());
        assertEquals("unprocessable", b.error());
        Inspections.ImageError c = assertInstanceOf(Inspections.ImageError.class, batch.results().get(2));
        assertEquals(new Inspections.ImageError("c.png", "too_large", "c.png: too large"), c);
        assertEquals("d.png", assertInstanceOf(InspectionResult.class, batch.results().get(3)).source());
        assertEquals(2.0, serving.registry.get("appliance.requests.rejected").counters().stream()
                .mapToDouble(x -> x.count()).sum(), "each failed image counts as a rejected request");
    }

    @Test
    void aRecentResultWithItsHeatmapAndMap() throws Exception {
        InspectionResult r = inspections.inspect(part(3), "e.png", null);
        assertEquals(r, inspections.recent(r.id()));
        BufferedImage heatmap = ImageIO.read(new ByteArrayInputStream(inspections.heatmapPng(r.id())));
        assertEquals(r.map().size(), heatmap.getWidth());
        Path npy = Files.createTempFile("map", ".npy");
        Files.write(npy, inspections.anomalyMapNpy(r.id()));
        assertArrayEquals(new long[] {r.map().size(), r.map().size()}, Npy.read(npy).shape());
        NotFound missing = assertThrows(NotFound.class, () -> inspections.recent("nope"));
        assertTrue(missing.getMessage().startsWith("no recent inspection with id 'nope' (only the last "), missing.getMessage());
    }

    @Test
    void aTrainingRequestDefaultsToTheActiveBundleAndExplainsWhatIsWrong() throws Exception {
        Path data = Files.createTempDirectory("train-data-");
        String clip = models.resolve(".demo-sources/demo_clip.safetensors").toString();
        assertEquals("'data' (a data folder on the appliance) is required", refusal(null));
        assertEquals("data folder /no/such/data does not exist on the appliance", refusal(job("/no/such/data", clip, null, null, null)));
        assertTrue(refusal(job(data.toString(), "/no/clip", null, null, null)).startsWith("give 'clip'"));
        assertEquals("model demo/untrained-1 already exists", refusal(job(data.toString(), clip, "untrained-1", null, null)));
        assertEquals("validation folder /no/such/val does not exist on the appliance",
                refusal(job(data.toString(), clip, null, "/no/such/val", null)));
        assertEquals("'target_false_alarm_rate' and 'target_recall' calibrate on 'validation_data'; give it too",
                refusal(job(data.toString(), clip, null, null, 0.01)));

        TrainRequest r = trainings.request(job(data.toString(), clip, "v2", null, null));
        assertEquals("demo", r.name(), "the active model's name");
        assertEquals("v2", r.version());
        assertEquals(models.resolve("demo/v2"), r.out());
        assertTrue(r.demo(), "trained from the demo model");
        assertNotNull(r.prompts(), "starts from the active bundle's prompts");
        assertThrows(NotFound.class, () -> trainings.status("unknown"));
    }

    @Test
    void anApplianceThatIsNotServingAnswersUnavailable() throws Exception {
        Appliance dormant = ApplianceRestartTest.appliance(Golden.tempDir("dormant-"), false);
        Inspections in = new Inspections();
        in.app = dormant;
        Trainings tr = new Trainings();
        tr.app = dormant;
        ApplianceStatus status = new ApplianceStatus();
        status.app = dormant;

        InspectionException e = assertThrows(InspectionException.class, () -> in.inspect(part(4), "f.png", null));
        assertEquals(InspectionException.Kind.UNAVAILABLE, e.kind());
        Inspections.Batch batch = in.inspectBatch(List.of(new Upload("g.png", part(5))), null);
        assertEquals(new Inspections.ImageError("g.png", "unavailable", "the appliance is not serving"), batch.results().get(0));
        Path data = Files.createTempDirectory("train-data-");
        e = assertThrows(InspectionException.class, () -> tr.request(job(data.toString(), null, null, null, null)));
        assertEquals("no model is loaded yet", e.getMessage());
        assertEquals(InspectionException.Kind.UNAVAILABLE, assertThrows(InspectionException.class, tr::list).kind());

        assertTrue(status.unhealthy().isEmpty(), "not serving is not unhealthy");
        assertEquals(new ApplianceStatus.ModelState(null, null, "loading and warming up"), status.model());
        assertTrue(status.mqtt().isEmpty());
    }

    @Test
    void theServingModelIsReported() {
        ApplianceStatus status = new ApplianceStatus();
        status.app = serving;
        ApplianceStatus.Serving s = status.model().serving();
        assertEquals("demo", s.name());
        assertEquals("untrained-1", s.version());
        assertNotNull(s.backendReason());
        assertNull(status.model().notReady());
    }

    static Trainings.JobRequest job(String data, String clip, String version, String validation, Double falseAlarms) {
        return new Trainings.JobRequest(data, null, clip, null, null, null, version, null, null, null, null, null, null,
                validation, falseAlarms, null, null);
    }

    static String refusal(Trainings.JobRequest request) {
        return assertThrows(IllegalArgumentException.class, () -> trainings.request(request)).getMessage();
    }
}
