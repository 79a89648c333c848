package dev.anomalyedge.image;

import com.fasterxml.jackson.databind.ObjectMapper;
import dev.anomalyedge.tensor.Tensor;
import dev.anomalyedge.testing.Golden;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

import java.io.IOException;
import java.nio.file.Path;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

/** Every golden image and mask through the pre-processing must equal the reference tensors exactly. */
class PreprocessorGoldenTest {
    private final ImageDecoder decoder = new ImageDecoder();

    static Stream<String> cases() { return Golden.cases(); }

    @ParameterizedTest
    @MethodSource("cases")
    void imagesAndMasksMatchReferenceExactly(String caseName) throws IOException {
        Path dir = Golden.caseDir(caseName);
        int size = new ObjectMapper().readTree(dir.resolve("config.json").toFile()).get("image_size").asInt();
        Preprocessor pre = new Preprocessor(size);

        Tensor images = Golden.npy(caseName, "inputs/image_tensor.npy");
        Tensor masks = Golden.npy(caseName, "inputs/gt_mask.npy");
        long[] labels = Golden.npy(caseName, "inputs/labels.npy").longs();
        int n = labels.length;
        assertArrayEquals(new long[] {n, 3, size, size}, images.shape());
        assertArrayEquals(new long[] {n, size, size}, masks.shape());

        for (int i = 0; i < n; i++) {
            PillowImage img = decode(dir.resolve("images/img_" + i + ".png"));
            float[] x = pre.image(img);
            // exact: the resampling is integer arithmetic, the normalisation float32 like torchvision
            Golden.assertClose(caseName + " image " + i, Golden.first(images, i), x, 0, 0);

            float[] expectedMask = new float[size * size];
            for (int j = 0; j < expectedMask.length; j++) expectedMask[j] = masks.longs()[i * size * size + j]; // uint8 0/1
            float[] mask = labels[i] == 1 ? pre.mask(decode(dir.resolve("images/mask_" + i + ".png"))) : pre.normalMask();
            Golden.assertClose(caseName + " mask " + i, expectedMask, mask, 0, 0);
            if (labels[i] == 0) {
                // a normal image's mask file is blank, so reading it gives the same zeros
                assertArrayEquals(pre.normalMask(), pre.mask(decode(dir.resolve("images/mask_" + i + ".png"))));
            } else {
                double area = 0;
                for (float v : mask) area += v;
                assertEquals(true, area > 0, "anomalous image " + i + " has a non-empty mask");
            }
        }
    }

    private PillowImage decode(Path file) {
        return decoder.decode(file);
    }
}
