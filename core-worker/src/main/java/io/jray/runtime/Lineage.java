package io.jray.runtime;

import io.jray.api.ObjectRef;
import io.jray.proto.TaskSpec;
import java.util.List;

/**
 * How an owned object was made, kept so it can be made again if every copy is lost: the task's
 * spec as first sent, and the {@code ObjectRef}s of its arguments that live in the object store
 * (by argument index, null for inline ones). Holding the refs keeps those objects, and so their
 * own lineage, alive: DESIGN §5's lineage refs. Their locations are resolved again at each
 * re-execution, because the copies the first run read may be gone too.
 */
record Lineage(TaskSpec spec, List<ObjectRef<?>> storedArgs, String functionName) {
  /** Rough heap cost, for the lineage budget. */
  long bytes() {
    return 64L + spec.getSerializedSize() + 16L * storedArgs.size();
  }
}
