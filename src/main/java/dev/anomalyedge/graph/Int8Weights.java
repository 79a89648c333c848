package dev.anomalyedge.graph;

/**
 * Symmetric per-output-channel int8 quantisation of a linear layer's weight W [out, in] (PyTorch layout):
 * <pre>
 *   s_o   = max_i |W[o, i]| / 127                 (s_o = 1 for an all-zero row)
 *   Q[i, o] = clamp(round(W[o, i] / s_o), −127, 127)   stored transposed, [in, out], as MatMul's B operand
 *   W[o, i] ≈ s_o · Q[i, o]
 * </pre>
 * The zero point is 0 and −128 is never used, so the grid is symmetric about zero.
 *
 * @param q      int8 weights [in, out] (row-major)
 * @param scales per-output-channel scales s [out]
 */
record Int8Weights(byte[] q, float[] scales) {

    static Int8Weights quantize(float[] w, int out, int in) {
        if ((long) out * in != w.length) {
            throw new IllegalArgumentException("weight of " + w.length + " values is not [" + out + ", " + in + "]");
        }
        byte[] q = new byte[w.length];
        float[] scales = new float[out];
        for (int o = 0; o < out; o++) {
            float max = 0;
            for (int i = 0; i < in; i++) max = Math.max(max, Math.abs(w[o * in + i]));
            float s = max > 0 ? max / 127f : 1f;
            scales[o] = s;
            for (int i = 0; i < in; i++) {
                long r = Math.round(w[o * in + i] / s);
                q[i * out + o] = (byte) Math.max(-127, Math.min(127, r));
            }
        }
        return new Int8Weights(q, scales);
    }
}
