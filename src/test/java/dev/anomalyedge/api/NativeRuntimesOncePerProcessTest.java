package dev.anomalyedge.api;

import ai.onnxruntime.OrtEnvironment;
import io.quarkus.test.junit.QuarkusTest;
import org.bytedeco.javacpp.Loader;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.Test;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.stream.Collectors;

import static org.junit.jupiter.api.Assertions.assertEquals;
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

    /**
     * Every native-runtime jar on the class path, platform jars included, is declared parent-first: JavaCPP looks for
     * its natives through its own class loader, so a platform jar left to the application's loader is not found in the
     * packaged appliance ("no jniopenblas_nolapack in java.library.path").
     */
    @Test
    void everyNativeRuntimeJarIsDeclaredParentFirst() throws IOException {
        Properties p = new Properties();
        try (InputStream in = getClass().getClassLoader().getResourceAsStream("application.properties")) {
            p.load(in);
        }
        Set<String> declared = Arrays.stream(p.getProperty("quarkus.class-loading.parent-first-artifacts").split(","))
                .map(String::trim).collect(Collectors.toSet());
        List<String> jars = Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .map(Path::of).filter(j -> j.toString().contains("/org/bytedeco/") || j.toString().contains("/com/microsoft/onnxruntime/"))
                .map(NativeRuntimesOncePerProcessTest::artifactKey).toList();
        assertEquals(List.of(), jars.stream().filter(k -> !declared.contains(k)).toList(), "not declared parent-first");
        assertEquals(true, jars.contains("org.bytedeco:pytorch:linux-x86_64"), "the class path was read: " + jars);
    }

    /** groupId:artifactId[:classifier] of a jar in a Maven repository layout (…/group/path/artifact/version/file.jar). */
    static String artifactKey(Path jar) {
        int n = jar.getNameCount();
        String version = jar.getName(n - 2).toString(), artifact = jar.getName(n - 3).toString();
        int repo = 0;
        for (int i = 0; i < n; i++) if (jar.getName(i).toString().equals("repository")) repo = i + 1;
        String group = jar.subpath(repo, n - 3).toString().replace('/', '.');
        String file = jar.getFileName().toString();
        String rest = file.substring((artifact + "-" + version).length(), file.length() - ".jar".length());
        return group + ":" + artifact + (rest.startsWith("-") ? ":" + rest.substring(1) : "");
    }
}
