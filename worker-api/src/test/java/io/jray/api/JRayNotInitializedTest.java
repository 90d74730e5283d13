package io.jray.api;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class JRayNotInitializedTest {
    private static final String MESSAGE = "JRay is not initialized: call JRay.init() first";

    static int square(int x) {
        return x * x;
    }

    private static void assertNotInitialized(Executable call) {
        IllegalStateException e = assertThrows(IllegalStateException.class, call);
        assertEquals(MESSAGE, e.getMessage());
    }

    @Test
    void callsBeforeInitThrow() {
        assertFalse(JRay.isInitialized());
        List<ObjectRef<Integer>> none = List.of();
        assertNotInitialized(() -> JRay.put(1));
        assertNotInitialized(() -> JRay.get(none));
        assertNotInitialized(() -> JRay.get(none, Duration.ofSeconds(1)));
        assertNotInitialized(() -> JRay.wait(none));
        assertNotInitialized(() -> JRay.wait(none, 0));
        assertNotInitialized(() -> JRay.wait(none, 0, Duration.ZERO));
        assertNotInitialized(JRay::runtimeContext);
        assertNotInitialized(() -> JRay.task(JRayNotInitializedTest::square, 3).remote());
    }

    @Test
    void shutdownWithoutInitIsHarmless() {
        JRay.shutdown();
        assertFalse(JRay.isInitialized());
    }

    @Test
    void argumentsAreValidatedFirst() {
        assertThrows(NullPointerException.class, () -> JRay.get((List<ObjectRef<Integer>>) null));
        assertThrows(NullPointerException.class, () -> JRay.get(java.util.Arrays.asList((ObjectRef<Integer>) null)));
        assertThrows(IllegalArgumentException.class, () -> JRay.wait(List.<ObjectRef<Integer>>of(), 1));
        assertThrows(IllegalArgumentException.class, () -> JRay.wait(List.<ObjectRef<Integer>>of(), -1));
        assertThrows(IllegalArgumentException.class,
                () -> JRay.get(List.<ObjectRef<Integer>>of(), Duration.ofMillis(-1)));
    }
}
