package dev.anomalyedge.engine.trt;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import org.junit.platform.launcher.Launcher;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;
import org.junit.platform.launcher.listeners.TestExecutionSummary;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs {@link TrtGpuTest} without Maven (tensorrt-build/gpu-check.sh on a GPU box that has no build tools): the JUnit
 * platform launcher on the packed test classes, a summary on stdout and, with an argument, as JSON in that file.
 * Exit status 0 only when every test ran and passed: skipped or aborted tests (no GPU, no TensorRT) count as failure.
 */
public final class GpuTestMain {
    public static void main(String[] args) throws Exception {
        System.setProperty("gpu.tests", "true");
        LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request().selectors(selectClass(TrtGpuTest.class)).build();
        Launcher launcher = LauncherFactory.create();
        SummaryGeneratingListener listener = new SummaryGeneratingListener();
        launcher.execute(request, listener);
        TestExecutionSummary s = listener.getSummary();
        s.printTo(new PrintWriter(System.out, true));
        s.printFailuresTo(new PrintWriter(System.out, true), 20);
        List<String> failures = new ArrayList<>();
        for (TestExecutionSummary.Failure f : s.getFailures()) failures.add(f.getTestIdentifier().getDisplayName() + ": " + f.getException());
        Map<String, Object> json = new LinkedHashMap<>();
        json.put("found", s.getTestsFoundCount());
        json.put("succeeded", s.getTestsSucceededCount());
        json.put("failed", s.getTestsFailedCount());
        json.put("aborted", s.getTestsAbortedCount());
        json.put("skipped", s.getTestsSkippedCount());
        json.put("seconds", (s.getTimeFinished() - s.getTimeStarted()) / 1000.0);
        json.put("failures", failures);
        if (args.length > 0) new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT).writeValue(Path.of(args[0]).toFile(), json);
        boolean ok = s.getTestsFoundCount() > 0 && s.getTestsSucceededCount() == s.getTestsFoundCount();
        System.exit(ok ? 0 : 1);
    }
}
