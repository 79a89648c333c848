package dev.anomalyedge.demo;

import dev.anomalyedge.model.ClipArchitecture;
import dev.anomalyedge.tensor.Tensor;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * A CLIP checkpoint with random weights, initialised the way OpenAI's CLIP initialises a fresh model
 * ({@code CLIP.initialize_parameters}): deterministic for a seed, OpenAI key names and shapes. Used for the built-in
 * demo model's text tower and for full-size benchmarks; it is untrained and its scores mean nothing.
 */
public final class RandomClip {
    private RandomClip() {}

    /** The real ViT-L/14@336px architecture. */
    public static ClipArchitecture vitL14at336() {
        return new ClipArchitecture(1024, 24, 16, 14, 24, 768, 77, 49408, 768, 12, 12);
    }

    public static Map<String, Tensor> generate(ClipArchitecture a, long seed) {
        Gaussian g = new Gaussian(seed);
        Map<String, Tensor> sd = new LinkedHashMap<>();
        int dv = a.visionWidth();
        float vScale = (float) Math.pow(dv, -0.5);
        sd.put("visual.class_embedding", g.tensor(vScale, dv));
        sd.put("visual.positional_embedding", g.tensor(vScale, 1 + a.storedGrid() * a.storedGrid(), dv));
        sd.put("visual.proj", g.tensor(vScale, dv, a.embedDim()));
        sd.put("visual.conv1.weight", g.tensor((float) Math.pow(3 * a.patchSize() * a.patchSize(), -0.5), dv, 3, a.patchSize(), a.patchSize()));
        putLayerNorm(sd, "visual.ln_pre", dv);
        blocks(sd, g, "visual.transformer.resblocks.", a.visionLayers(), dv);
        putLayerNorm(sd, "visual.ln_post", dv);

        int dt = a.textWidth();
        sd.put("positional_embedding", g.tensor(0.01f, a.contextLength(), dt));
        sd.put("text_projection", g.tensor((float) Math.pow(dt, -0.5), dt, a.embedDim()));
        sd.put("logit_scale", Tensor.ofFloats(new long[0], new float[] {(float) Math.log(1 / 0.07)}));
        sd.put("token_embedding.weight", g.tensor(0.02f, a.vocabSize(), dt));
        blocks(sd, g, "transformer.resblocks.", a.textLayers(), dt);
        putLayerNorm(sd, "ln_final", dt);
        return sd;
    }

    private static void blocks(Map<String, Tensor> sd, Gaussian g, String prefix, int layers, int w) {
        float attnStd = (float) Math.pow(w, -0.5);
        float projStd = attnStd * (float) Math.pow(2 * layers, -0.5);
        float fcStd = (float) Math.pow(2 * w, -0.5);
        for (int i = 0; i < layers; i++) {
            String p = prefix + i + ".";
            sd.put(p + "attn.in_proj_weight", g.tensor(attnStd, 3L * w, w));
            sd.put(p + "attn.in_proj_bias", zeros(3L * w));
            sd.put(p + "attn.out_proj.weight", g.tensor(projStd, w, w));
            sd.put(p + "attn.out_proj.bias", zeros(w));
            putLayerNorm(sd, p + "ln_1", w);
            sd.put(p + "mlp.c_fc.weight", g.tensor(fcStd, 4L * w, w));
            sd.put(p + "mlp.c_fc.bias", zeros(4L * w));
            sd.put(p + "mlp.c_proj.weight", g.tensor(projStd, w, 4L * w));
            sd.put(p + "mlp.c_proj.bias", zeros(w));
            putLayerNorm(sd, p + "ln_2", w);
        }
    }

    private static void putLayerNorm(Map<String, Tensor> sd, String name, int w) {
        float[] ones = new float[w];
        java.util.Arrays.fill(ones, 1f);
        sd.put(name + ".weight", Tensor.ofFloats(new long[] {w}, ones));
        sd.put(name + ".bias", zeros(w));
    }

    private static Tensor zeros(long n) {
        return Tensor.ofFloats(new long[] {n}, new float[Math.toIntExact(n)]);
    }

    /** Seeded standard normal samples (Box–Muller over SplittableRandom), identical on every JVM. */
    static final class Gaussian {
        private final SplittableRandom random;

        Gaussian(long seed) { this.random = new SplittableRandom(seed); }

        Tensor tensor(float std, long... shape) {
            float[] v = new float[Math.toIntExact(Tensor.numel(shape))];
            for (int i = 0; i < v.length; i += 2) {
                double u1 = 1.0 - random.nextDouble(); // (0, 1]
                double u2 = random.nextDouble();
                double r = Math.sqrt(-2 * Math.log(u1));
                v[i] = (float) (std * r * Math.cos(2 * Math.PI * u2));
                if (i + 1 < v.length) v[i + 1] = (float) (std * r * Math.sin(2 * Math.PI * u2));
            }
            return Tensor.ofFloats(shape, v);
        }
    }
}
