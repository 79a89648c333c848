package dev.anomalyedge.inspection;

import dev.anomalyedge.image.ImageDecodeException;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Image files through the pipeline: a file that does not decode is answered on its own, the others are scored. */
class InspectorTest {
    static final int S = 8;

    @Test
    void aFailedDecodeIsAnsweredPerImageWhileTheOthersAreScoredInBatches(@TempDir Path dir) throws IOException {
        Path a = Files.write(dir.resolve("a.png"), PreprocessingTest.png(20, 20, 1));
        Path broken = Files.write(dir.resolve("broken.png"), new byte[] {(byte) 0x89, 'P', 'N', 'G', 1, 2, 3});
        Path b = Files.write(dir.resolve("b.png"), PreprocessingTest.png(20, 20, 60));
        Path c = Files.write(dir.resolve("c.png"), PreprocessingTest.png(20, 20, 120));
        FakeEngine engine = new FakeEngine(S);
        Preprocessing preprocessing = new Preprocessing(S);

        List<Inspector.Result> results = new Inspector(engine, preprocessing).inspect(List.of(a, broken, b, c), 2);

        assertEquals(List.of(a, broken, b, c), results.stream().map(Inspector.Result::file).toList(), "in the order asked");
        assertEquals(List.of(2, 1), engine.batches, "the broken file takes no place in a batch");
        Inspector.Result failed = results.get(1);
        assertInstanceOf(ImageDecodeException.class, failed.error());
        assertTrue(failed.error().getMessage().contains("broken.png"), failed.error().getMessage());
        assertNull(failed.map());
        for (int i : new int[] {0, 2, 3}) {
            Inspector.Result r = results.get(i);
            assertTrue(r.ok());
            Preprocessing.Input expected = preprocessing.prepare(r.file());
            assertEquals(expected.tensor()[0], r.score(), 0, r.file() + ": the fake engine scores the first input value");
            assertEquals(expected.resized(), r.resized());
            assertArrayEquals(new float[S * S], subtract(r.map(), r.score()), 0);
        }
    }

    @Test
    void theEngineAndThePreprocessingMustAgreeOnTheSize() {
        assertThrows(IllegalArgumentException.class, () -> new Inspector(new FakeEngine(S), new Preprocessing(S + 1)));
        assertThrows(IllegalArgumentException.class, () -> new Inspector(new FakeEngine(S), new Preprocessing(S)).inspect(List.of(), 0));
    }

    private static float[] subtract(float[] map, float v) {
        float[] out = map.clone();
        for (int i = 0; i < out.length; i++) out[i] -= v;
        return out;
    }
}
