package dev.anomalyedge.engine.trt;

import org.bytedeco.tensorrt.global.nvinfer.BuilderFlag;
import org.bytedeco.tensorrt.global.nvinfer.DataType;
import org.bytedeco.tensorrt.global.nvinfer.LayerType;
import org.bytedeco.tensorrt.nvinfer.IBuilder;
import org.bytedeco.tensorrt.nvinfer.IBuilderConfig;
import org.bytedeco.tensorrt.nvinfer.IElementWiseLayer;
import org.bytedeco.tensorrt.nvinfer.ILayer;
import org.bytedeco.tensorrt.nvinfer.INetworkDefinition;
import org.bytedeco.tensorrt.nvinfer.ITensor;
import org.bytedeco.tensorrt.nvinfer.IUnaryLayer;

import java.util.Map;
import java.util.TreeMap;

/**
 * The one place that uses TensorRT's weakly typed precision API: {@code BuilderFlag.kFP16},
 * {@code kPREFER_PRECISION_CONSTRAINTS}, {@code ILayer.setPrecision}/{@code setOutputType} and
 * {@code IBuilder.platformHasFastFp16}. All of them are deprecated in TensorRT 10 and removed in TensorRT 11, whose
 * networks are strongly typed (the ONNX graph's own types decide, FP16 comes from casts in the graph). Moving to
 * TensorRT 11 is then one change here: create the network with {@code kSTRONGLY_TYPED} and have the FP16 variant of
 * the scoring graph carry the casts that {@link PrecisionPolicy} describes, instead of these per-layer constraints.
 */
final class WeakTypedFp16 {
    private WeakTypedFp16() {}

    /** FP16 everywhere except where {@code policy} keeps FP32; returns how many layers were kept. */
    static int configure(IBuilder builder, INetworkDefinition network, IBuilderConfig config, PrecisionPolicy policy,
                         BuildProgress progress) {
        if (!builder.platformHasFastFp16()) progress.note("warning: this GPU has no fast FP16; the plan may be slower than FP32");
        config.setFlag(BuilderFlag.kFP16);
        // prefer (not obey): if TensorRT has no FP32 kernel for a constrained layer it may still build
        config.setFlag(BuilderFlag.kPREFER_PRECISION_CONSTRAINTS);
        Map<String, Integer> kept = new TreeMap<>();
        int layers = network.getNbLayers(), count = 0;
        for (int i = 0; i < layers; i++) {
            ILayer layer = network.getLayer(i);
            LayerType type = layer.getType().intern();
            String op = null;
            if (type == LayerType.kUNARY) op = new IUnaryLayer(layer).getOperation().intern().name();
            else if (type == LayerType.kELEMENTWISE) op = new IElementWiseLayer(layer).getOperation().intern().name();
            String why = policy.fp32Reason(type.name(), layer.getName(), op);
            if (why == null || !hasFloatOutput(layer)) continue;
            layer.setPrecision(DataType.kFLOAT);
            for (int j = 0; j < layer.getNbOutputs(); j++) {
                if (isFloat(layer.getOutput(j))) layer.setOutputType(j, DataType.kFLOAT);
            }
            kept.merge(why, 1, Integer::sum);
            count++;
        }
        progress.note("FP16 with " + count + " of " + layers + " layers kept in FP32 " + kept);
        return count;
    }

    /** The trtexec flags for the same configuration. */
    static String trtexecFlags() {
        return " --fp16 --precisionConstraints=prefer";
    }

    private static boolean hasFloatOutput(ILayer layer) {
        for (int j = 0; j < layer.getNbOutputs(); j++) if (isFloat(layer.getOutput(j))) return true;
        return false;
    }

    private static boolean isFloat(ITensor t) {
        DataType d = t.getType().intern();
        return d == DataType.kFLOAT || d == DataType.kHALF;
    }
}
