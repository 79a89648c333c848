package dev.anomalyedge.graph;

import ai.onnx.proto.OnnxMl.AttributeProto;
import ai.onnx.proto.OnnxMl.GraphProto;
import ai.onnx.proto.OnnxMl.ModelProto;
import ai.onnx.proto.OnnxMl.NodeProto;
import ai.onnx.proto.OnnxMl.OperatorSetIdProto;
import ai.onnx.proto.OnnxMl.StringStringEntryProto;
import ai.onnx.proto.OnnxMl.TensorProto;
import ai.onnx.proto.OnnxMl.TensorShapeProto;
import ai.onnx.proto.OnnxMl.TypeProto;
import ai.onnx.proto.OnnxMl.ValueInfoProto;
import com.google.protobuf.ByteString;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A minimal ONNX graph writer over the {@code OnnxMl} protobuf classes (opset 17, IR 8). Weights go to an
 * {@link ExternalDataFile} as they are added; small constants (shapes, scalars) are stored inline. Every value
 * name must be unique; node names equal their (first) output name. Nodes of ONNX Runtime's contrib domain
 * ({@link #MS_DOMAIN}) import that domain; a graph without them imports the standard domain only.
 */
final class OnnxGraph {
    static final int OPSET = 17;
    static final int IR_VERSION = 8;
    /** ONNX Runtime's contrib operators (DynamicQuantizeMatMul, QuickGelu, ...), opset version 1. */
    static final String MS_DOMAIN = "com.microsoft";
    private static final int INT8 = TensorProto.DataType.INT8_VALUE;
    private static final int FLOAT = TensorProto.DataType.FLOAT_VALUE;
    private static final int INT64 = TensorProto.DataType.INT64_VALUE;

    /** A node attribute. */
    record Attr(AttributeProto proto) {}

    private final ExternalDataFile data;
    private final GraphProto.Builder graph = GraphProto.newBuilder();
    private final Set<String> names = new HashSet<>();
    private boolean usesMsDomain;

    OnnxGraph(String name, ExternalDataFile data) {
        this.data = data;
        graph.setName(name);
    }

    // ---------------------------------------------------------------- inputs, outputs, initializers

    /** A float32 graph input; dims are Integer (fixed) or String (symbolic, e.g. "batch"). */
    String input(String name, Object... dims) {
        claim(name);
        graph.addInput(valueInfo(name, dims));
        return name;
    }

    /** A float16 graph input (e.g. a memory bank fed as stored); dims as {@link #input}. */
    String inputHalf(String name, Object... dims) {
        claim(name);
        graph.addInput(valueInfo(name, TensorProto.DataType.FLOAT16_VALUE, dims));
        return name;
    }

    /** A float32 initializer stored inline in the model (small constants of a graph without a data file). */
    String constant(String name, float[] values, long... dims) {
        claim(name);
        long n = 1;
        for (long d : dims) n *= d;
        if (n != values.length) {
            throw new IllegalArgumentException("constant '" + name + "' has shape " + Arrays.toString(dims) + " but " + values.length + " values");
        }
        ByteBuffer b = ByteBuffer.allocate(4 * values.length).order(ByteOrder.LITTLE_ENDIAN);
        b.asFloatBuffer().put(values);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(b));
        for (long d : dims) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    /** Declares {@code value} a float32 graph output; dims are Integer, String or null (unknown). */
    void output(String value, Object... dims) {
        if (!names.contains(value)) throw new IllegalStateException("graph output '" + value + "' is not a defined value");
        graph.addOutput(valueInfo(value, dims));
    }

    /** A float32 initializer written to the external data file now. */
    String weight(String name, float[] values, long... dims) {
        return external(name, FLOAT, values.length, data -> data.append(values), dims);
    }

    private String external(String name, int type, long count, java.util.function.Function<ExternalDataFile, ExternalDataFile.Span> write,
                            long... dims) {
        claim(name);
        long n = 1;
        for (long d : dims) n *= d;
        if (n != count) {
            throw new IllegalArgumentException("initializer '" + name + "' has shape " + Arrays.toString(dims) + " (" + n
                    + " values) but " + count + " values were given");
        }
        ExternalDataFile.Span span = write.apply(data);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(type)
                .setDataLocation(TensorProto.DataLocation.EXTERNAL)
                .addExternalData(entry("location", data.location()))
                .addExternalData(entry("offset", Long.toString(span.offset())))
                .addExternalData(entry("length", Long.toString(span.length())));
        for (long d : dims) t.addDims(d);
        graph.addInitializer(t);
        return name;
    }

    /** An int8 initializer written to the external data file now. */
    String int8Weight(String name, byte[] values, long... dims) {
        return external(name, INT8, values.length, data -> data.append(values), dims);
    }

    /** An inline int64 vector constant (shapes, axes, indices); identical constants are shared. */
    String ints(long... values) {
        StringBuilder name = new StringBuilder("const.i64");
        for (long v : values) name.append('_').append(v);
        return ints(name.toString(), values);
    }

    private String ints(String name, long[] values) {
        if (names.contains(name)) return name;
        claim(name);
        TensorProto.Builder t = TensorProto.newBuilder().setName(name).setDataType(INT64).addDims(values.length);
        for (long v : values) t.addInt64Data(v);
        graph.addInitializer(t);
        return name;
    }

    /** An inline int64 scalar (0-d) constant, e.g. a Gather index that drops the axis. */
    String intScalar(long value) {
        String name = "const.i64_scalar_" + value;
        if (names.contains(name)) return name;
        claim(name);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(INT64).addInt64Data(value));
        return name;
    }

    /** An inline float32 scalar (0-d) constant. */
    String floatScalar(float value) {
        String name = "const.f32_scalar_" + value;
        if (names.contains(name)) return name;
        claim(name);
        ByteBuffer b = ByteBuffer.allocate(4).order(ByteOrder.LITTLE_ENDIAN).putFloat(0, value);
        graph.addInitializer(TensorProto.newBuilder().setName(name).setDataType(FLOAT).setRawData(ByteString.copyFrom(b)));
        return name;
    }

    // ---------------------------------------------------------------- nodes

    /** Adds a single-output node named after its output. */
    String node(String op, String output, List<String> inputs, Attr... attrs) {
        nodeMulti(op, new String[] {output}, inputs, attrs);
        return output;
    }

    /** Adds a single-output node of ONNX Runtime's contrib domain ({@link #MS_DOMAIN}), named after its output. */
    String msNode(String op, String output, List<String> inputs, Attr... attrs) {
        usesMsDomain = true;
        addNode(MS_DOMAIN, op, new String[] {output}, inputs, attrs);
        return output;
    }

    /** A multi-output node of ONNX Runtime's contrib domain; an empty output name leaves that optional output out. */
    String[] msNodeMulti(String op, String[] outputs, List<String> inputs, Attr... attrs) {
        usesMsDomain = true;
        return addNode(MS_DOMAIN, op, outputs, inputs, attrs);
    }

    String[] nodeMulti(String op, String[] outputs, List<String> inputs, Attr... attrs) {
        return addNode("", op, outputs, inputs, attrs);
    }

    private String[] addNode(String domain, String op, String[] outputs, List<String> inputs, Attr... attrs) {
        for (String in : inputs) {
            if (!in.isEmpty() && !names.contains(in)) throw new IllegalStateException(op + " node '" + outputs[0] + "' reads undefined value '" + in + "'");
        }
        for (String out : outputs) if (!out.isEmpty()) claim(out); // "": an optional output left out
        NodeProto.Builder n = NodeProto.newBuilder().setOpType(op).setName(outputs[0]).addAllInput(inputs);
        if (!domain.isEmpty()) n.setDomain(domain);
        for (String out : outputs) n.addOutput(out);
        for (Attr a : attrs) n.addAttribute(a.proto());
        graph.addNode(n);
        return outputs;
    }

    static Attr attr(String name, long value) {
        return new Attr(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INT).setI(value).build());
    }

    static Attr attr(String name, float value) {
        return new Attr(AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.FLOAT).setF(value).build());
    }

    static Attr attrInts(String name, long... values) {
        AttributeProto.Builder a = AttributeProto.newBuilder().setName(name).setType(AttributeProto.AttributeType.INTS);
        for (long v : values) a.addInts(v);
        return new Attr(a.build());
    }

    // ---------------------------------------------------------------- common operators

    String add(String out, String a, String b) { return node("Add", out, List.of(a, b)); }

    String mul(String out, String a, String b) { return node("Mul", out, List.of(a, b)); }

    String div(String out, String a, String b) { return node("Div", out, List.of(a, b)); }

    String matMul(String out, String a, String b) { return node("MatMul", out, List.of(a, b)); }

    /** y = x Wᵀ + b for 2-D x [N, in], W [out, in] (PyTorch Linear layout), b [out]. */
    String linear(String out, String x, String w, String b) {
        return node("Gemm", out, List.of(x, w, b), attr("transB", 1));
    }

    /** LayerNorm over the last axis, eps 1e-5 (nn.LayerNorm default). */
    String layerNorm(String out, String x, String w, String b) {
        return node("LayerNormalization", out, List.of(x, w, b), attr("axis", -1), attr("epsilon", 1e-5f));
    }

    String reshape(String out, String x, long... shape) { return node("Reshape", out, List.of(x, ints(shape))); }

    String transpose(String out, String x, long... perm) { return node("Transpose", out, List.of(x), attrInts("perm", perm)); }

    String softmaxLastAxis(String out, String x) { return node("Softmax", out, List.of(x), attr("axis", -1)); }

    /** x[..., index, ...] along {@code axis}, dropping that axis. */
    String select(String out, String x, long index, long axis) {
        return node("Gather", out, List.of(x, intScalar(index)), attr("axis", axis));
    }

    String unsqueeze(String out, String x, long axis) { return node("Unsqueeze", out, List.of(x, ints(axis))); }

    String concat(String out, List<String> xs, long axis) { return node("Concat", out, xs, attr("axis", axis)); }

    String identity(String out, String x) { return node("Identity", out, List.of(x)); }

    // ---------------------------------------------------------------- model

    ModelProto model(String producer, String doc, List<StringStringEntryProto> metadata) {
        ModelProto.Builder m = ModelProto.newBuilder()
                .addAllMetadataProps(metadata)
                .setIrVersion(IR_VERSION)
                .addOpsetImport(OperatorSetIdProto.newBuilder().setDomain("").setVersion(OPSET));
        if (usesMsDomain) m.addOpsetImport(OperatorSetIdProto.newBuilder().setDomain(MS_DOMAIN).setVersion(1));
        return m.setProducerName(producer)
                .setDocString(doc)
                .setGraph(graph)
                .build();
    }

    boolean defines(String name) { return names.contains(name); }

    private void claim(String name) {
        if (!names.add(name)) throw new IllegalStateException("ONNX value name '" + name + "' is defined twice");
    }

    private static StringStringEntryProto entry(String key, String value) {
        return StringStringEntryProto.newBuilder().setKey(key).setValue(value).build();
    }

    private static ValueInfoProto valueInfo(String name, Object... dims) {
        return valueInfo(name, FLOAT, dims);
    }

    private static ValueInfoProto valueInfo(String name, int elemType, Object... dims) {
        TensorShapeProto.Builder shape = TensorShapeProto.newBuilder();
        for (Object d : dims) {
            TensorShapeProto.Dimension.Builder dim = TensorShapeProto.Dimension.newBuilder();
            if (d instanceof Integer i) dim.setDimValue(i);
            else if (d instanceof Long l) dim.setDimValue(l);
            else if (d instanceof String s) dim.setDimParam(s);
            shape.addDim(dim);
        }
        TypeProto type = TypeProto.newBuilder()
                .setTensorType(TypeProto.Tensor.newBuilder().setElemType(elemType).setShape(shape)).build();
        return ValueInfoProto.newBuilder().setName(name).setType(type).build();
    }
}
