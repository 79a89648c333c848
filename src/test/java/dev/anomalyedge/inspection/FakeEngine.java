package dev.anomalyedge.inspection;

import dev.anomalyedge.engine.AnomalyEngine;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

/**
 * A test engine: score = the image's first input value, map = that value everywhere; features = that value too
 * (K = T = E = 1); records batch sizes; score() can be held.
 */
final class FakeEngine implements AnomalyEngine {
    final int size;
    final List<Integer> batches = new CopyOnWriteArrayList<>();
    volatile CountDownLatch gate = new CountDownLatch(0);
    volatile boolean closed;
    volatile Error fails; // thrown by score() when set
    volatile CountDownLatch entered = new CountDownLatch(1); // counted down when score() is called (replace it to wait for the next call)

    FakeEngine(int size) { this.size = size; }

    @Override
    public int imageSize() { return size; }

    @Override
    public String backend() { return "fake"; }

    @Override
    public ScoreBatch score(float[] images, int batch) {
        entered.countDown();
        if (fails != null) throw fails;
        try {
            gate.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        batches.add(batch);
        int per = 3 * size * size;
        float[] scores = new float[batch];
        float[] maps = new float[batch * size * size];
        for (int b = 0; b < batch; b++) {
            scores[b] = images[b * per];
            java.util.Arrays.fill(maps, b * size * size, (b + 1) * size * size, scores[b]);
        }
        return new ScoreBatch(batch, size, scores, maps);
    }

    @Override
    public FeatureBatch features(float[] images, int batch) {
        batches.add(batch);
        int per = 3 * size * size;
        float[] values = new float[batch];
        for (int b = 0; b < batch; b++) values[b] = images[b * per];
        return new FeatureBatch(batch, 1, 1, 1, values.clone(), values); // K = T = E = 1: each image's first input value
    }

    @Override
    public void close() { closed = true; }
}
