package dev.anomalyedge.api;

import ai.onnxruntime.OrtEnvironment;
import io.quarkus.test.junit.QuarkusTest;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertSame;

/**
 * The native runtimes' Java sides come from the system class loader, so their native libraries load once per process
 * however often the application restarts in it (tests restart it for every profile; each restart used to load another
 * copy of the JNI wrappers and of ONNX Runtime beside the native threads of the previous one).
 */
@QuarkusTest
class NativeRuntimesOncePerProcessTest {
    @Test
    void javacppPresetsAndOnnxRuntimeAreLoadedByTheSystemClassLoader() {
        ClassLoader system = ClassLoader.getSystemClassLoader();
        assertSame(system, Loader.class.getClassLoader(), "JavaCPP");
        assertSame(system, torch.class.getClassLoader(), "libtorch preset");
        assertSame(system, OrtEnvironment.class.getClassLoader(), "ONNX Runtime");
        assertSame(system, org.bytedeco.cuda.global.cudart.class.getClassLoader(), "CUDA preset");
        assertSame(system, org.bytedeco.tensorrt.global.nvinfer.class.getClassLoader(), "TensorRT preset");
    }
}
