package io.jray.autoscaler;

/**
 * Where new nodes come from ({@code provider:} in the cluster file). {@code local}: raylet
 * processes on this machine. {@code docker}: raylet containers of {@code image} on the Docker
 * network {@code network}, joining GCS at {@code gcsAddress} (empty: the address the head
 * announces), each with {@code shmSize} of shared memory for its object store.
 */
public record ProviderConfig(String type, String image, String network, String shmSize, String gcsAddress) {
  public static final String LOCAL = "local";
  public static final String DOCKER = "docker";
  public static final String DEFAULT_IMAGE = "jray/jray:0.1.0";
  public static final String DEFAULT_NETWORK = "jray";
  public static final String DEFAULT_SHM_SIZE = "1g";

  public static ProviderConfig local() {
    return new ProviderConfig(LOCAL, DEFAULT_IMAGE, DEFAULT_NETWORK, DEFAULT_SHM_SIZE, "");
  }
}
