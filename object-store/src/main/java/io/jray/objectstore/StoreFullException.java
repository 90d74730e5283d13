package io.jray.objectstore;

/** No room for an object even after spilling everything spillable; the message names the sizes. */
public final class StoreFullException extends RuntimeException {
  public StoreFullException(String message) {
    super(message);
  }
}
