package io.jray.api;

/**
 * Identifies a node (one raylet) for the lifetime of the cluster; used in {@link RuntimeContext} and node-affinity scheduling.
 */
public final class NodeId extends BaseId {
    private static final long serialVersionUID = 1L;

    /** Length of the id in bytes. */
    public static final int SIZE = 16;

    private NodeId(byte[] bytes) {
        super(bytes);
    }

    /** Wraps a copy of {@code bytes}; throws {@link IllegalArgumentException} unless it is {@value #SIZE} bytes long. */
    public static NodeId fromBytes(byte[] bytes) {
        return new NodeId(bytes);
    }

    /** Parses the form produced by {@link #hex()}. */
    public static NodeId fromHex(String hex) {
        return new NodeId(parseHex(hex));
    }

    /** A fresh id; unique with overwhelming probability, not unpredictable. */
    public static NodeId random() {
        return new NodeId(randomBytes(SIZE));
    }

    @Override
    int size() {
        return SIZE;
    }
}
