package dev.anomalyedge.engine.trt;

/** Child JVM main of {@link TrtNativesLoadingTest}: the real probe, then what it left mapped. */
public final class ProbeMain {
    public static void main(String[] args) throws Exception {
        TrtAvailability a = TrtNatives.probe();
        System.out.println("available=" + a.available());
        System.out.println("reason=" + a.reason());
        NativeStubs.printMappedLibraries();
    }
}
