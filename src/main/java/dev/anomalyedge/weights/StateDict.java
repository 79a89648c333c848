package dev.anomalyedge.weights;

import dev.anomalyedge.tensor.Tensor;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/** An ordered name → tensor map read from one file; lookups fail with messages naming that file. */
public final class StateDict {
    private final String source;
    private final Map<String, Tensor> tensors;

    public StateDict(String source, Map<String, Tensor> tensors) {
        this.source = source;
        this.tensors = Collections.unmodifiableMap(new LinkedHashMap<>(tensors));
    }

    /** Where the tensors came from (a file path), used in error messages. */
    public String source() { return source; }

    public Set<String> keys() { return tensors.keySet(); }

    public Map<String, Tensor> asMap() { return tensors; }

    public boolean contains(String key) { return tensors.containsKey(key); }

    public int size() { return tensors.size(); }

    public Tensor get(String key) {
        Tensor t = tensors.get(key);
        if (t == null) throw new CheckpointException(source + ": missing key '" + key + "'");
        return t;
    }

    /** The tensor under {@code key}, which must have exactly {@code expectedShape}. */
    public Tensor get(String key, long... expectedShape) {
        Tensor t = get(key);
        if (!t.hasShape(expectedShape)) {
            throw new CheckpointException(source + ": key '" + key + "' expected shape " + Arrays.toString(expectedShape)
                    + " but found " + t.shapeString());
        }
        return t;
    }

    /** A floating tensor's data, shape-checked. */
    public float[] floats(String key, long... expectedShape) {
        Tensor t = get(key, expectedShape);
        if (!t.isFloating()) {
            throw new CheckpointException(source + ": key '" + key + "' expected a floating-point tensor but found " + t.dtype());
        }
        return t.floats();
    }

    /** The entries whose key starts with {@code prefix}, with the prefix removed. */
    public StateDict withPrefix(String prefix) {
        Map<String, Tensor> out = new LinkedHashMap<>();
        tensors.forEach((k, v) -> {
            if (k.startsWith(prefix)) out.put(k.substring(prefix.length()), v);
        });
        return new StateDict(source, out);
    }
}
