package io.jray.api;

import static org.junit.jupiter.api.Assertions.*;

import io.jray.api.exception.TaskException;
import java.io.IOException;
import java.io.Serializable;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Mostly a compile-time test: the calls in DESIGN §3 must resolve to one overload each. */
class TaskOverloadsTest {

    static int square(int x) {
        return x * x;
    }

    static int add(int a, int b) {
        return a + b;
    }

    static void log(String s) {
    }

    static String six(String a, int b, long c, double d, boolean e, Integer f) throws IOException {
        return a;
    }

    private static final class Ref<T> implements ObjectRef<T> {
        private static final long serialVersionUID = 1L;

        @Override
        public T get() {
            return null;
        }

        @Override
        public T get(Duration timeout) {
            return null;
        }

        @Override
        public java.util.concurrent.CompletableFuture<T> toCompletableFuture() {
            return null;
        }

        @Override
        public ObjectId id() {
            return null;
        }
    }

    private static Object[] args(TaskCaller<?> c) throws Exception {
        var f = TaskCaller.class.getDeclaredField("args");
        f.setAccessible(true);
        return (Object[]) f.get(c);
    }

    @Test
    void valuesRefsAndVoidResolve() throws Exception {
        ObjectRef<Integer> r = new Ref<>();
        TaskCaller<Integer> a = JRay.task(TaskOverloadsTest::square, 7);
        TaskCaller<Integer> b = JRay.task(TaskOverloadsTest::add, r, 1);
        TaskCaller<Integer> c = JRay.task(TaskOverloadsTest::add, 1, r);
        TaskCaller<Void> d = JRay.task(TaskOverloadsTest::log, "x");
        TaskCaller<Void> e = JRay.task(TaskOverloadsTest::log, new Ref<String>());
        TaskCaller<String> f = JRay.task(TaskOverloadsTest::six, "a", 1, 2L, new Ref<Double>(), true, r);
        assertArrayEquals(new Object[]{7}, args(a));
        assertArrayEquals(new Object[]{r, 1}, args(b));
        assertArrayEquals(new Object[]{1, r}, args(c));
        assertArrayEquals(new Object[]{"x"}, args(d));
        assertEquals(1, args(e).length);
        assertEquals(6, args(f).length);
        assertInstanceOf(Serializable.class, (Func1<Integer, Integer>) TaskOverloadsTest::square);
    }

    @Test
    void taskExceptionMessageNamesEverything() {
        Exception original = new IllegalStateException("boom");
        TaskException e = new TaskException("com.x.MyTasks.square", "java.lang.IllegalStateException",
                "boom", "\tat com.x.MyTasks.square(MyTasks.java:3)", original);
        assertSame(original, e.getCause());
        assertTrue(e.getMessage().contains("com.x.MyTasks.square"));
        assertTrue(e.getMessage().contains("java.lang.IllegalStateException: boom"));
        assertTrue(e.getMessage().contains("MyTasks.java:3"));
        assertNull(new TaskException("f", "C", null, null, null).getCause());
        List.of(e.functionName(), e.remoteClassName(), e.remoteMessage(), e.remoteStackTrace());
    }
}
