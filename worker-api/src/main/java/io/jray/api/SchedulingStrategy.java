package io.jray.api;

import java.io.Serial;
import java.io.Serializable;
import java.util.Objects;

/**
 * Where the scheduler should place a task or actor. A value class rather than an enum because
 * node affinity needs parameters; the parameterless strategies are shared constants.
 */
public final class SchedulingStrategy implements Serializable {
    @Serial
    private static final long serialVersionUID = 1L;

    /** The placement policies the scheduler knows. */
    public enum Kind {
        /** Pack onto the local node until it is half busy, then spread (Ray's hybrid policy). */
        DEFAULT,
        /** Spread over nodes as evenly as possible. */
        SPREAD,
        /** Run on a given node; see {@link #soft()}. */
        NODE_AFFINITY
    }

    /** The hybrid default policy. */
    public static final SchedulingStrategy DEFAULT = new SchedulingStrategy(Kind.DEFAULT, null, false);

    /** Spread across nodes. */
    public static final SchedulingStrategy SPREAD = new SchedulingStrategy(Kind.SPREAD, null, false);

    private final Kind kind;
    private final NodeId nodeId;
    private final boolean soft;

    private SchedulingStrategy(Kind kind, NodeId nodeId, boolean soft) {
        this.kind = kind;
        this.nodeId = nodeId;
        this.soft = soft;
    }

    /**
     * Run on {@code nodeId}. When {@code soft}, fall back to another node if that one is dead or
     * can never fit the demand; when hard, such a task fails as unschedulable instead.
     */
    public static SchedulingStrategy nodeAffinity(NodeId nodeId, boolean soft) {
        return new SchedulingStrategy(Kind.NODE_AFFINITY,
                Objects.requireNonNull(nodeId, "nodeId must not be null"), soft);
    }

    public Kind kind() {
        return kind;
    }

    /** The target node for {@link Kind#NODE_AFFINITY}, otherwise null. */
    public NodeId nodeId() {
        return nodeId;
    }

    /** Whether node affinity may fall back to another node; false for other kinds. */
    public boolean soft() {
        return soft;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof SchedulingStrategy s
                && kind == s.kind && soft == s.soft && Objects.equals(nodeId, s.nodeId);
    }

    @Override
    public int hashCode() {
        return Objects.hash(kind, nodeId, soft);
    }

    @Override
    public String toString() {
        return kind == Kind.NODE_AFFINITY
                ? "NODE_AFFINITY(" + nodeId + (soft ? ", soft)" : ", hard)")
                : kind.name();
    }

    // Keeps the constants singletons across serialization, so == against them stays meaningful.
    @Serial
    private Object readResolve() {
        return switch (kind) {
            case DEFAULT -> DEFAULT;
            case SPREAD -> SPREAD;
            case NODE_AFFINITY -> this;
        };
    }
}
