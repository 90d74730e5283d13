package io.jray.runtime;

import io.jray.api.spi.JRayRuntime;
import io.jray.api.spi.JRayRuntimeFactory;

/** Found by {@code JRay.init()} through {@link java.util.ServiceLoader}: connects this JVM as a driver. */
public final class DefaultRuntimeFactory implements JRayRuntimeFactory {
  @Override
  public JRayRuntime create(String addressOrNull) {
    return DriverConnection.connect(addressOrNull);
  }
}
