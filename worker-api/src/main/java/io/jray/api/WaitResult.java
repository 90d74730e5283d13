package io.jray.api;

import java.util.List;

/**
 * Outcome of {@link JRay#wait(List, int, java.time.Duration)}: the refs split into those whose
 * objects are ready (or failed, since a failure is also final) and the rest, each in input order.
 *
 * @param <T> type of the values
 */
public final class WaitResult<T> {
    private final List<ObjectRef<T>> ready;
    private final List<ObjectRef<T>> unready;

    public WaitResult(List<ObjectRef<T>> ready, List<ObjectRef<T>> unready) {
        this.ready = List.copyOf(ready);
        this.unready = List.copyOf(unready);
    }

    /** Refs whose objects can be fetched without blocking; unmodifiable. */
    public List<ObjectRef<T>> ready() {
        return ready;
    }

    /** The remaining refs; unmodifiable. */
    public List<ObjectRef<T>> unready() {
        return unready;
    }

    @Override
    public String toString() {
        return "WaitResult{ready=" + ready + ", unready=" + unready + '}';
    }
}
