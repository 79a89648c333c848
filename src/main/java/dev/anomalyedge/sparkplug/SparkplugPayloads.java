package dev.anomalyedge.sparkplug;

import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.List;

import dev.anomalyedge.inspection.InspectionResult;
import org.eclipse.tahu.protobuf.SparkplugBProto.DataType;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload;
import org.eclipse.tahu.protobuf.SparkplugBProto.Payload.Metric;

/**
 * Builds the Sparkplug B payloads of the edge node and its inspection device, with the metric names and data types
 * that the births announce. The {@code seq} of each payload is set by the caller ({@link SparkplugNode}).
 */
final class SparkplugPayloads {
    static final String BD_SEQ = "bdSeq";
    static final String REBIRTH = "Node Control/Rebirth";

    static final String RESULT_ID = "Inspection/Result ID";
    static final String VERDICT = "Inspection/Verdict";
    static final String SCORE = "Inspection/Score";
    static final String PART_ID = "Inspection/Part ID";
    static final String RESULT_CODE = "Inspection/Result Code";
    static final String PASS = "Inspection/Pass";
    static final String LATENCY = "Inspection/Latency ms";
    static final String STATE = "State";
    static final String MODEL_NAME = "Model/Name";
    static final String MODEL_VERSION = "Model/Version";

    private SparkplugPayloads() { }

    /** NDEATH (the Will, and the goodbye of a clean close): only {@code bdSeq}, no {@code seq}. */
    static Payload ndeath(long bdSeq, long now) {
        return Payload.newBuilder().setTimestamp(now).addMetrics(uint64(BD_SEQ, bdSeq, now)).build();
    }

    /** NBIRTH: {@code bdSeq} of this connection and the node's command metric. */
    static Payload.Builder nbirth(long bdSeq, long now) {
        return Payload.newBuilder().setTimestamp(now)
                .addMetrics(uint64(BD_SEQ, bdSeq, now))
                .addMetrics(bool(REBIRTH, false, now));
    }

    /** DBIRTH: every device metric, with the last result's values (null before the first result) and the status. */
    static Payload.Builder dbirth(InspectionResult last, NodeStatus status, long now) {
        Payload.Builder p = Payload.newBuilder().setTimestamp(now);
        long at = last == null ? now : timeOf(last, now);
        for (Metric m : resultMetrics(last, at, false)) p.addMetrics(m);
        for (Metric m : statusMetrics(status, now)) p.addMetrics(m);
        return p;
    }

    /** DDATA of one result; {@code historical} marks a result replayed after a reconnect. */
    static Payload.Builder result(InspectionResult r, boolean historical, long now) {
        Payload.Builder p = Payload.newBuilder().setTimestamp(now);
        for (Metric m : resultMetrics(r, timeOf(r, now), historical)) p.addMetrics(m);
        return p;
    }

    /** DDATA of a state or model change. */
    static Payload.Builder status(NodeStatus s, long now) {
        Payload.Builder p = Payload.newBuilder().setTimestamp(now);
        for (Metric m : statusMetrics(s, now)) p.addMetrics(m);
        return p;
    }

    /** Whether an NCMD payload asks for a rebirth ({@code Node Control/Rebirth} = true). */
    static boolean asksRebirth(Payload p) {
        return p.getMetricsList().stream().anyMatch(m -> REBIRTH.equals(m.getName())
                && m.getValueCase() == Metric.ValueCase.BOOLEAN_VALUE && m.getBooleanValue());
    }

    private static List<Metric> resultMetrics(InspectionResult r, long at, boolean historical) {
        List<Metric> metrics = List.of(
                string(RESULT_ID, r == null ? null : r.id(), at),
                string(VERDICT, r == null || r.verdict() == null ? null : r.verdict().name(), at),
                r == null || r.score() == null ? none(SCORE, DataType.Double, at) : dbl(SCORE, r.score(), at),
                string(PART_ID, r == null ? null : r.partId(), at),
                r == null ? none(RESULT_CODE, DataType.Int32, at) : int32(RESULT_CODE, r.resultCode(), at),
                r == null ? none(PASS, DataType.Boolean, at) : bool(PASS, r.pass(), at),
                r == null || r.timings() == null ? none(LATENCY, DataType.Double, at) : dbl(LATENCY, r.timings().totalMs(), at));
        if (!historical) return metrics;
        return metrics.stream().map(m -> m.toBuilder().setIsHistorical(true).build()).toList();
    }

    private static List<Metric> statusMetrics(NodeStatus s, long at) {
        return List.of(string(STATE, s.state() == null ? null : s.state().name(), at),
                string(MODEL_NAME, s.modelName(), at),
                string(MODEL_VERSION, s.modelVersion(), at));
    }

    /** The result's time (its ISO-8601 timestamp) in ms since the epoch; {@code fallback} if it has none. */
    static long timeOf(InspectionResult r, long fallback) {
        try {
            return r.timestamp() == null ? fallback : Instant.parse(r.timestamp()).toEpochMilli();
        } catch (DateTimeParseException e) {
            return fallback;
        }
    }

    private static Metric.Builder metric(String name, DataType type, long at) {
        return Metric.newBuilder().setName(name).setDatatype(type.getNumber()).setTimestamp(at);
    }

    private static Metric none(String name, DataType type, long at) {
        return metric(name, type, at).setIsNull(true).build();
    }

    private static Metric string(String name, String value, long at) {
        return value == null ? none(name, DataType.String, at) : metric(name, DataType.String, at).setStringValue(value).build();
    }

    private static Metric uint64(String name, long value, long at) {
        return metric(name, DataType.UInt64, at).setLongValue(value).build();
    }

    private static Metric int32(String name, int value, long at) {
        return metric(name, DataType.Int32, at).setIntValue(value).build();   // two's complement in uint32, as specified
    }

    private static Metric dbl(String name, double value, long at) {
        return metric(name, DataType.Double, at).setDoubleValue(value).build();
    }

    private static Metric bool(String name, boolean value, long at) {
        return metric(name, DataType.Boolean, at).setBooleanValue(value).build();
    }
}
