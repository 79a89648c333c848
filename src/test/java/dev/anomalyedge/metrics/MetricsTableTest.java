package dev.anomalyedge.metrics;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class MetricsTableTest {
    private static final ClassMetrics BOTTLE = new ClassMetrics(0.9, 0.95, 0.8, 0.91, 0.81);
    private static final ClassMetrics CABLE = new ClassMetrics(0.7, 0.75, 0.6, 0.89, 0.62);

    @Test
    void meanIsPerMetricArithmeticMean() {
        ClassMetrics mean = ClassMetrics.mean(List.of(BOTTLE, CABLE));
        assertEquals(0.8, mean.imageAuroc(), 1e-15);
        assertEquals(0.85, mean.imageAp(), 1e-15);
        assertEquals(0.7, mean.imageF1max(), 1e-15);
        assertEquals(0.9, mean.pixelAuroc(), 1e-15);
        assertEquals(0.715, mean.pixelAupro(), 1e-15);
        assertTrue(Double.isNaN(ClassMetrics.mean(List.of(BOTTLE, new ClassMetrics(Double.NaN, 1, 1, 1, 1))).imageAuroc()));
        assertThrows(IllegalArgumentException.class, () -> ClassMetrics.mean(List.of()));
    }

    /** Like the reference log: ×100, one decimal (np.round: half to even on x·1000), then a mean row. */
    @Test
    void markdownTable() {
        MetricsTable t = new MetricsTable().put("bottle", BOTTLE).put("cable", CABLE);
        String[] lines = t.toMarkdown().split("\n");
        assertEquals(5, lines.length);
        assertEquals("| objects | pixel_auroc | pixel_aupro | image_auroc | image_ap | image_f1max |", lines[0]);
        assertEquals("| bottle | 91.0 | 81.0 | 90.0 | 95.0 | 80.0 |", lines[2]);
        assertEquals("| cable | 89.0 | 62.0 | 70.0 | 75.0 | 60.0 |", lines[3]);
        assertEquals("| mean | 90.0 | 71.5 | 80.0 | 85.0 | 70.0 |", lines[4]);
        assertEquals("92.3", MetricsTable.percent(0.92345));
        assertEquals("100.0", MetricsTable.percent(1.0));
        assertEquals("0.2", MetricsTable.percent(0.0025)); // 2.5 → rint → 2 (half to even)
        assertEquals("0.4", MetricsTable.percent(0.0035)); // 0.35·10 = 3.5000000000000004 → 4
        assertEquals("nan", MetricsTable.percent(Double.NaN));
        assertTrue(new MetricsTable().put("a|b", BOTTLE).toMarkdown().contains("| a\\|b | 91.0 |"));
    }

    @Test
    void jsonUsesSnakeCaseAndRoundTrips() throws Exception {
        ObjectMapper json = new ObjectMapper();
        JsonNode one = json.readTree(json.writeValueAsString(BOTTLE));
        assertEquals(0.9, one.get("image_auroc").asDouble());
        assertEquals(0.95, one.get("image_ap").asDouble());
        assertEquals(0.8, one.get("image_f1max").asDouble());
        assertEquals(0.91, one.get("pixel_auroc").asDouble());
        assertEquals(0.81, one.get("pixel_aupro").asDouble());
        assertEquals(5, one.size());
        assertEquals(BOTTLE, json.readValue(json.writeValueAsString(BOTTLE), ClassMetrics.class));

        MetricsTable t = new MetricsTable().put("bottle", BOTTLE).put("cable", CABLE);
        String text = json.writeValueAsString(t);
        JsonNode tree = json.readTree(text);
        assertEquals(0.715, tree.get("mean").get("pixel_aupro").asDouble(), 1e-15);
        MetricsTable back = json.readValue(text, MetricsTable.class);
        assertEquals(t.classes(), back.classes());
        assertEquals(List.of("bottle", "cable"), List.copyOf(back.classes().keySet()));
    }
}
