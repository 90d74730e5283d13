package io.jray.runtime;

import io.jray.proto.ErrorInfo;

/**
 * A finished object as its owner holds it: serialized bytes, or why there is no value.
 * Decoded at each {@code get}, so callers never share a mutable instance.
 */
record ObjectValue(byte[] bytes, ErrorInfo error) {
  static ObjectValue of(byte[] bytes) {
    return new ObjectValue(bytes, null);
  }

  static ObjectValue failed(ErrorInfo error) {
    return new ObjectValue(null, error);
  }

  boolean isError() {
    return error != null;
  }
}
