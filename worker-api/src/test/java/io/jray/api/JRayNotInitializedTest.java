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
        ObjectRef<Integer> result = ref(ObjectId.forReturn(TaskId.random(), 0));
        assertNotInitialized(() -> JRay.cancel(result));
        assertNotInitialized(() -> JRay.cancel(result, true, false));
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
        assertThrows(NullPointerException.class, () -> JRay.cancel(null));
        IllegalArgumentException put = assertThrows(IllegalArgumentException.class,
                () -> JRay.cancel(ref(ObjectId.forPut(TaskId.random(), 1))));
        assertTrue(put.getMessage().contains("JRay.put"), put.getMessage());
    }

    /** A ref that only answers id(): enough for the checks made before the runtime is reached. */
    @SuppressWarnings("unchecked")
    private static <T> ObjectRef<T> ref(ObjectId id) {
        return (ObjectRef<T>) java.lang.reflect.Proxy.newProxyInstance(ObjectRef.class.getClassLoader(),
                new Class<?>[] {ObjectRef.class}, (proxy, method, args) -> {
                    if (method.getName().equals("id")) {
                        return id;
                    }
                    throw new UnsupportedOperationException(method.getName());
                });
    }
}
