package dev.anomalyedge.deploy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.w3c.dom.Element;
import org.w3c.dom.NodeList;

import javax.xml.parsers.DocumentBuilderFactory;
import java.io.InputStream;
import java.io.StringReader;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Properties;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The native-image metadata refers to classes, constructors, fields and resources that exist in the libraries on the
 * class path, and covers what ONNX Runtime's JNI library looks up (read out of the library itself). It cannot show
 * that a native build succeeds: that needs Mandrel 25 (deploy/README.md).
 */
class NativeImageConfigTest {
    static final String DIR = "src/main/resources/META-INF/native-image/dev.anomalyedge/anomaly-appliance/";
    static final String ORT_JNI = "ai/onnxruntime/native/linux-x64/libonnxruntime4j_jni.so";

    private static JsonNode metadata() throws Exception {
        return new ObjectMapper().readTree(DeployFiles.read(DIR + "reachability-metadata.json"));
    }

    private static Class<?> type(String name) throws ClassNotFoundException {
        if (name.endsWith("[]")) return type(name.substring(0, name.length() - 2)).arrayType();
        return switch (name) {
            case "int" -> int.class;
            case "long" -> long.class;
            case "boolean" -> boolean.class;
            case "float" -> float.class;
            case "double" -> double.class;
            default -> Class.forName(name, false, NativeImageConfigTest.class.getClassLoader());
        };
    }

    /** JNI descriptor of a constructor: (JJLai/onnxruntime/TensorInfo;)V. */
    private static String descriptor(Class<?>[] params) {
        StringBuilder sb = new StringBuilder("(");
        for (Class<?> p : params) sb.append(p.descriptorString());
        return sb.append(")V").toString();
    }

    @Test
    void everyRegisteredConstructorFieldAndTypeExists() throws Exception {
        JsonNode md = metadata();
        for (String section : List.of("jni", "reflection")) {
            for (JsonNode entry : md.get(section)) {
                Class<?> c = type(entry.get("type").asText());
                for (JsonNode m : entry.path("methods")) {
                    assertEquals("<init>", m.get("name").asText(), "only constructors are registered");
                    List<Class<?>> params = new ArrayList<>();
                    for (JsonNode p : m.get("parameterTypes")) params.add(type(p.asText()));
                    c.getDeclaredConstructor(params.toArray(Class<?>[]::new)); // throws if it does not exist
                }
                for (JsonNode f : entry.path("fields")) c.getDeclaredField(f.get("name").asText());
            }
        }
    }

    @Test
    void jniEntriesCoverWhatOnnxRuntimesJniLibraryLooksUp() throws Exception {
        byte[] lib;
        try (InputStream in = getClass().getClassLoader().getResourceAsStream(ORT_JNI)) {
            assertNotNull(in, ORT_JNI + " is not on the class path");
            lib = in.readAllBytes();
        }
        // the library's string table: class names for FindClass, descriptors for GetMethodID
        String strings = new String(lib, StandardCharsets.ISO_8859_1);
        Set<String> classes = new TreeSet<>();
        Matcher cm = Pattern.compile("(?<=\0)(ai/onnxruntime/[A-Za-z]+|java/lang/String)(?=\0)").matcher(strings);
        while (cm.find()) classes.add(cm.group(1).replace('/', '.'));
        Set<String> ctorDescriptors = new TreeSet<>();
        Matcher dm = Pattern.compile("(?<=\0)\\([A-Za-z\\[/;]*\\)V(?=\0)").matcher(strings);
        while (dm.find()) ctorDescriptors.add(dm.group());
        assertTrue(classes.contains("ai.onnxruntime.OnnxTensor") && ctorDescriptors.size() >= 5,
                "could not read the JNI lookups out of " + ORT_JNI + ": " + classes + " " + ctorDescriptors);

        Set<String> registeredTypes = new HashSet<>();
        Set<String> registeredDescriptors = new HashSet<>();
        for (JsonNode entry : metadata().get("jni")) {
            registeredTypes.add(entry.get("type").asText());
            for (JsonNode m : entry.path("methods")) {
                List<Class<?>> params = new ArrayList<>();
                for (JsonNode p : m.get("parameterTypes")) params.add(type(p.asText()));
                registeredDescriptors.add(descriptor(params.toArray(Class<?>[]::new)));
            }
        }
        for (String c : classes) assertTrue(registeredTypes.contains(c), "JNI looks up " + c + ": register it under \"jni\"");
        for (String d : ctorDescriptors) {
            assertTrue(registeredDescriptors.contains(d), "JNI looks up a constructor " + d + ": register it under \"jni\"");
        }
    }

    @Test
    void fieldsBehindAtomicFieldUpdatersOfTheMqttClientsQueueAreRegistered() throws Exception {
        Set<String> registered = new HashSet<>();
        for (JsonNode entry : metadata().get("reflection")) {
            for (JsonNode f : entry.path("fields")) registered.add(entry.get("type").asText() + "." + f.get("name").asText());
        }
        // the HiveMQ client's outgoing QoS handler uses this queue; walk its classes for updater-backed fields
        int found = 0;
        for (Class<?> c = Class.forName("org.jctools.queues.atomic.SpscUnboundedAtomicArrayQueue"); c != Object.class; c = c.getSuperclass()) {
            boolean hasUpdater = false;
            for (Field f : c.getDeclaredFields()) {
                Class<?> t = f.getType();
                hasUpdater |= Modifier.isStatic(f.getModifiers()) && (t == AtomicLongFieldUpdater.class
                        || t == AtomicIntegerFieldUpdater.class || t == AtomicReferenceFieldUpdater.class);
            }
            if (!hasUpdater) continue;
            for (Field f : c.getDeclaredFields()) {
                if (Modifier.isVolatile(f.getModifiers()) && !Modifier.isStatic(f.getModifiers())) {
                    found++;
                    assertTrue(registered.contains(c.getName() + "." + f.getName()), "register " + c.getName() + "." + f.getName());
                }
            }
        }
        assertTrue(found >= 2, "expected the producer and consumer index fields");
    }

    @Test
    void resourcesNameTheOnnxRuntimeLibrariesThatExist() throws Exception {
        List<String> globs = new ArrayList<>();
        for (JsonNode r : metadata().get("resources")) globs.add(r.get("glob").asText());
        for (String lib : List.of("ai/onnxruntime/native/linux-x64/libonnxruntime.so", ORT_JNI)) {
            assertTrue(globs.contains(lib), lib + " must be a resource of the image");
        }
        for (String glob : globs) {
            assertNotNull(getClass().getClassLoader().getResource(glob), glob + " is not on the class path");
        }
    }

    @Test
    void runTimeInitialisedClassesAndPackagesExist() throws Exception {
        Properties p = new Properties();
        p.load(new StringReader(DeployFiles.read(DIR + "native-image.properties")));
        String args = p.getProperty("Args");
        assertNotNull(args, "native-image.properties needs Args");
        Matcher m = Pattern.compile("--initialize-at-run-time=(\\S+)").matcher(args);
        assertTrue(m.find(), "--initialize-at-run-time is missing");
        List<String> entries = List.of(m.group(1).split(","));
        for (String e : entries) {
            boolean isClass;
            try {
                Class.forName(e, false, getClass().getClassLoader());
                isClass = true;
            } catch (ClassNotFoundException notAClass) {
                isClass = false;
            }
            boolean isPackage = getClass().getClassLoader().getResource(e.replace('.', '/')) != null;
            assertTrue(isClass || isPackage, e + " is neither a class nor a package on the class path");
        }
        for (String needed : List.of("ai.onnxruntime", "org.bytedeco", "io.reactivex")) {
            assertTrue(entries.contains(needed), needed + " loads natives or starts threads in static initialisers");
        }
    }

    @Test
    void nativeProfileEnablesTheNativeBuild() throws Exception {
        var doc = DocumentBuilderFactory.newInstance().newDocumentBuilder().parse(DeployFiles.path("pom.xml").toFile());
        NodeList profiles = doc.getElementsByTagName("profile");
        Element nativeProfile = null;
        for (int i = 0; i < profiles.getLength(); i++) {
            Element profile = (Element) profiles.item(i);
            if ("native".equals(profile.getElementsByTagName("id").item(0).getTextContent().strip())) nativeProfile = profile;
        }
        assertNotNull(nativeProfile, "pom.xml needs a profile with id native");
        assertEquals("true", nativeProfile.getElementsByTagName("quarkus.native.enabled").item(0).getTextContent().strip());
    }
}
