package io.jray.api;

import static org.junit.jupiter.api.Assertions.*;

import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskCallerTest {

    static int square(int x) {
        return x * x;
    }

    private static TaskCaller<Integer> caller() {
        return JRay.task(TaskCallerTest::square, 7);
    }

    @Test
    void defaultsAreUnset() {
        TaskOptions o = caller().options();
        assertTrue(o.resources().isEmpty());
        assertNull(o.maxRetries());
        assertNull(o.retryExceptions());
        assertEquals(SchedulingStrategy.DEFAULT, o.schedulingStrategy());
        assertNull(o.name());
    }

    @Test
    void settersApplyAndLatestResourceWins() {
        NodeId node = NodeId.random();
        TaskCaller<Integer> c = caller()
                .setResource("CPU", 2.0)
                .setResources(Map.of("CPU", 4.0, "GPU", 0.5))
                .setResource("custom", 0)
                .setMaxRetries(-1)
                .setRetryExceptions(true)
                .setSchedulingStrategy(SchedulingStrategy.nodeAffinity(node, true))
                .setName("sq");
        TaskOptions o = c.options();
        assertEquals(Map.of("CPU", 4.0, "GPU", 0.5, "custom", 0.0), o.resources());
        assertEquals(-1, o.maxRetries());
        assertEquals(Boolean.TRUE, o.retryExceptions());
        assertEquals(SchedulingStrategy.Kind.NODE_AFFINITY, o.schedulingStrategy().kind());
        assertEquals(node, o.schedulingStrategy().nodeId());
        assertTrue(o.schedulingStrategy().soft());
        assertEquals("sq", o.name());
        assertThrows(UnsupportedOperationException.class, () -> o.resources().put("x", 1.0));
    }

    @Test
    void invalidValuesAreRejectedAndChangeNothing() {
        TaskCaller<Integer> c = caller().setResource("CPU", 1.0).setMaxRetries(2).setName("n");
        String before = c.options().toString();

        assertThrows(IllegalArgumentException.class, () -> c.setResource("CPU", Double.NaN));
        assertThrows(IllegalArgumentException.class, () -> c.setResource("CPU", -1));
        assertThrows(IllegalArgumentException.class, () -> c.setResource("CPU", Double.POSITIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> c.setResource("CPU", Double.NEGATIVE_INFINITY));
        assertThrows(IllegalArgumentException.class, () -> c.setResource(" ", 1));
        assertThrows(IllegalArgumentException.class, () -> c.setResource("", 1));
        assertThrows(IllegalArgumentException.class, () -> c.setResource(null, 1));
        assertThrows(IllegalArgumentException.class, () -> c.setMaxRetries(-2));
        assertThrows(IllegalArgumentException.class, () -> c.setName("  "));

        // One bad entry must not let the good ones through.
        Map<String, Double> mixed = new LinkedHashMap<>();
        mixed.put("GPU", 1.0);
        mixed.put("CPU", Double.NaN);
        assertThrows(IllegalArgumentException.class, () -> c.setResources(mixed));
        Map<String, Double> nullAmount = new HashMap<>();
        nullAmount.put("GPU", null);
        assertThrows(IllegalArgumentException.class, () -> c.setResources(nullAmount));
        Map<String, Double> blankName = new HashMap<>();
        blankName.put("", 1.0);
        assertThrows(IllegalArgumentException.class, () -> c.setResources(blankName));

        assertEquals(before, c.options().toString());
        assertEquals(Map.of("CPU", 1.0), c.options().resources());
        assertEquals(2, c.options().maxRetries());
    }

    @Test
    void schedulingStrategyValueSemantics() {
        NodeId node = NodeId.random();
        assertEquals(SchedulingStrategy.nodeAffinity(node, false), SchedulingStrategy.nodeAffinity(node, false));
        assertNotEquals(SchedulingStrategy.nodeAffinity(node, false), SchedulingStrategy.nodeAffinity(node, true));
        assertNotEquals(SchedulingStrategy.DEFAULT, SchedulingStrategy.SPREAD);
        assertEquals("SPREAD", SchedulingStrategy.SPREAD.toString());
        assertNull(SchedulingStrategy.DEFAULT.nodeId());
        assertThrows(NullPointerException.class, () -> SchedulingStrategy.nodeAffinity(null, true));
    }
}
