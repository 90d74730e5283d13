package io.jray.runtime;

import io.jray.proto.ErrorInfo;
import io.jray.proto.StoredLocation;

/**
 * A finished object as its owner holds it: serialized bytes (small objects, inline), the node
 * whose object store holds it (large objects), or why there is no value. Decoded at each
 * {@code get}, so callers never share a mutable instance.
 */
record ObjectValue(byte[] bytes, ErrorInfo error, StoredLocation stored) {
  static ObjectValue of(byte[] bytes) {
    return new ObjectValue(bytes, null, null);
  }

  static ObjectValue failed(ErrorInfo error) {
    return new ObjectValue(null, error, null);
  }

  static ObjectValue inStore(StoredLocation where) {
    return new ObjectValue(null, null, where);
  }

  boolean isError() {
    return error != null;
  }

  boolean isStored() {
    return stored != null;
  }
}
