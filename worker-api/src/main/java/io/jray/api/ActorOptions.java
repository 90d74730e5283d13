package io.jray.api;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Options of one actor creation, as set on its {@link ActorCreator}. Unset options are null (or
 * absent from {@link #resources()}) so the runtime can fall back to the class's {@link Remote}
 * annotation, then to the defaults. Publicly read-only.
 */
public final class ActorOptions {
    private final Map<String, Double> resources = new LinkedHashMap<>();
    private final Map<String, Double> resourcesView = Collections.unmodifiableMap(resources);
    private String name;
    private ActorLifetime lifetime = ActorLifetime.NON_DETACHED;
    private Integer maxRestarts;
    private Integer maxTaskRetries;
    private Integer maxConcurrency;
    private int maxPendingCalls = DEFAULT_MAX_PENDING_CALLS;
    private List<String> jvmOptions = List.of();

    /** Unanswered calls one process may have per actor before {@code remote()} blocks. */
    public static final int DEFAULT_MAX_PENDING_CALLS = 10_000;

    ActorOptions() {
    }

    /** Resources given on the creation call, held by the actor for its whole life; unmodifiable. */
    public Map<String, Double> resources() {
        return resourcesView;
    }

    /** The cluster-wide name, or null. */
    public String name() {
        return name;
    }

    /** Never null; {@link ActorLifetime#NON_DETACHED} unless set. */
    public ActorLifetime lifetime() {
        return lifetime;
    }

    /** Restarts after the actor's process died (-1 unlimited), or null when not given. */
    public Integer maxRestarts() {
        return maxRestarts;
    }

    /** Retries of a call interrupted by the actor's death (-1 unlimited), or null when not given. */
    public Integer maxTaskRetries() {
        return maxTaskRetries;
    }

    /** Calls that may run at once, or null when not given. */
    public Integer maxConcurrency() {
        return maxConcurrency;
    }

    /** Unanswered calls per calling process before {@code remote()} blocks. */
    public int maxPendingCalls() {
        return maxPendingCalls;
    }

    /** Extra JVM options of the actor's own worker process; unmodifiable, empty unless set. */
    public List<String> jvmOptions() {
        return jvmOptions;
    }

    void putResource(String resourceName, double amount) {
        resources.put(resourceName, amount);
    }

    void setName(String name) {
        this.name = name;
    }

    void setLifetime(ActorLifetime lifetime) {
        this.lifetime = lifetime;
    }

    void setMaxRestarts(int maxRestarts) {
        this.maxRestarts = maxRestarts;
    }

    void setMaxTaskRetries(int maxTaskRetries) {
        this.maxTaskRetries = maxTaskRetries;
    }

    void setMaxConcurrency(int maxConcurrency) {
        this.maxConcurrency = maxConcurrency;
    }

    void setMaxPendingCalls(int maxPendingCalls) {
        this.maxPendingCalls = maxPendingCalls;
    }

    void setJvmOptions(List<String> jvmOptions) {
        this.jvmOptions = List.copyOf(jvmOptions);
    }

    @Override
    public String toString() {
        return "ActorOptions{name=" + name + ", lifetime=" + lifetime + ", resources=" + resources
                + ", maxRestarts=" + maxRestarts + ", maxTaskRetries=" + maxTaskRetries + ", maxConcurrency="
                + maxConcurrency + ", maxPendingCalls=" + maxPendingCalls + ", jvmOptions=" + jvmOptions + '}';
    }
}
