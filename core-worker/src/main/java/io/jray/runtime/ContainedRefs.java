package io.jray.runtime;

import io.jray.api.ObjectRef;
import java.util.List;

/**
 * The refs a value contains, found while it is serialized: {@link ObjectRefImpl} reports itself
 * here as it is written. Whoever keeps the serialized value (a put, a pending task's arguments, a
 * task result at its owner) holds these refs for as long, so an object stays alive while a value
 * that names it can still be read (DESIGN §5's nested refs).
 */
final class ContainedRefs {
  private static final ThreadLocal<List<ObjectRef<?>>> COLLECTOR = new ThreadLocal<>();

  private ContainedRefs() {}

  /** Encodes {@code value}, adding every ref it contains to {@code into}. */
  static StoredValueFormat.Encoded encode(Object value, List<ObjectRef<?>> into) {
    List<ObjectRef<?>> outer = COLLECTOR.get();
    COLLECTOR.set(into);
    try {
      return StoredValueFormat.encode(value);
    } finally {
      COLLECTOR.set(outer);
    }
  }

  static void serializing(ObjectRefImpl<?> ref) {
    List<ObjectRef<?>> into = COLLECTOR.get();
    if (into != null) {
      into.add(ref);
    }
  }
}
