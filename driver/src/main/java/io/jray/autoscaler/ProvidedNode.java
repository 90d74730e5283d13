package io.jray.autoscaler;

/**
 * A node a provider started: its name, type, and what tells it apart among GCS's nodes (the local
 * provider knows the node id from the raylet's ready file; a container is known by its address).
 */
public record ProvidedNode(String name, String type, String nodeIdHex, String host, long pid) {}
