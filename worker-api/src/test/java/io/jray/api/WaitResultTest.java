package io.jray.api;

import static org.junit.jupiter.api.Assertions.*;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class WaitResultTest {

    private record Ref(ObjectId id) implements ObjectRef<String> {
        @Override
        public String get() {
            throw new UnsupportedOperationException();
        }

        @Override
        public String get(Duration timeout) {
            throw new UnsupportedOperationException();
        }

        @Override
        public java.util.concurrent.CompletableFuture<String> toCompletableFuture() {
            throw new UnsupportedOperationException();
        }
    }

    @Test
    void listsAreUnmodifiableCopies() {
        ObjectRef<String> a = new Ref(ObjectId.forReturn(TaskId.random(), 0));
        ObjectRef<String> b = new Ref(ObjectId.forReturn(TaskId.random(), 0));
        List<ObjectRef<String>> ready = new ArrayList<>(List.of(a));
        WaitResult<String> w = new WaitResult<>(ready, List.of(b));
        ready.clear();
        assertEquals(List.of(a), w.ready());
        assertEquals(List.of(b), w.unready());
        assertThrows(UnsupportedOperationException.class, () -> w.ready().add(b));
        assertThrows(UnsupportedOperationException.class, () -> w.unready().clear());
    }
}
