package io.jray.api.spi;

/**
 * Internal: how {@link io.jray.api.JRay#init} finds the runtime without worker-api depending on
 * it. The core worker registers an implementation under
 * {@code META-INF/services/io.jray.api.spi.JRayRuntimeFactory}; user code never calls this.
 */
public interface JRayRuntimeFactory {
    /**
     * Starts a driver runtime. With a null address it finds or starts a cluster itself
     * ({@code JRAY_ADDRESS}, then the cluster {@code jray start} left on this machine, then a new
     * local one); otherwise it connects to the GCS at {@code host:port}.
     */
    JRayRuntime create(String addressOrNull);
}
