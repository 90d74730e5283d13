package io.jray.runtime;

import io.jray.common.proto.ProtoIds;
import com.google.protobuf.ByteString;
import io.jray.api.ObjectId;
import io.jray.api.ObjectRef;
import io.jray.proto.Address;
import io.jray.proto.ObjectReference;
import io.jray.proto.StoredLocation;
import io.jray.proto.TaskArg;
import io.jray.proto.TaskSpec;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import java.util.function.Supplier;

/**
 * Turns a task's arguments into what its spec carries (DESIGN §4 step 1): values are serialized
 * on the caller's thread (large ones straight into the object store, owned here), ObjectRefs wait
 * until their objects are known and then travel inline when small or by reference when stored. A
 * task whose argument failed fails with the same cause without running; a stored argument owned
 * here whose every copy died is made again first; a task cancelled while it waits is dropped. Only then is the task handed to a submitter,
 * so a leased worker never waits for an argument to be computed.
 *
 * <p>Threads: any, no state of its own. {@link #encode} runs on the submitting thread; the rest of
 * the resolution runs on whichever thread completes the last dependency (a gRPC or fetch thread),
 * or on the submitting thread when every argument is known already. Nothing here blocks: a
 * dependency that is not known yet becomes a callback.
 */
final class DependencyResolver {
  /** Makes an owned object whose every copy is gone again; returns its future from now on. */
  interface LostObjects {
    CompletableFuture<ObjectValue> recover(ObjectId id, ObjectValue lost, String why);
  }

  /** An ObjectRef argument and its value once known. */
  private record RefArg(ObjectRef<?> ref, CompletableFuture<ObjectValue> value) {}

  /** A task's arguments as submitted: inline bytes or {@link RefArg}s, and the refs the values contain. */
  record Arguments(Object[] encoded, List<ObjectRef<?>> contained, List<CompletableFuture<ObjectValue>> pending) {}

  private final OwnershipTable table;
  private final StoredObjects stored;
  private final ObjectReader reader;
  private final TaskManager tasks;
  private final ObjectDirectory directory;
  private final Address self;
  private final Supplier<ObjectId> nextPutId;
  private final LostObjects lostObjects;

  DependencyResolver(OwnershipTable table, StoredObjects stored, ObjectReader reader, TaskManager tasks,
      ObjectDirectory directory, Address self, Supplier<ObjectId> nextPutId, LostObjects lostObjects) {
    this.table = table;
    this.stored = stored;
    this.reader = reader;
    this.tasks = tasks;
    this.directory = directory;
    this.self = self;
    this.nextPutId = nextPutId;
    this.lostObjects = lostObjects;
  }

  /**
   * Serializes {@code args} now, on the caller's thread; an argument that cannot be serialized
   * throws {@link IllegalArgumentException} naming it and {@code fnName}.
   */
  Arguments encode(Object[] args, String fnName) {
    Object[] encoded = new Object[args.length];
    List<ObjectRef<?>> contained = new ArrayList<>(0);
    List<CompletableFuture<ObjectValue>> pending = null;
    for (int i = 0; i < args.length; i++) {
      ObjectRef<?> argRef = args[i] instanceof ObjectRef<?> r ? r : null;
      if (argRef == null) {
        ObjectId putId = nextPutId.get();
        byte[][] inline = new byte[1][];
        StoredLocation where;
        int before = contained.size();
        try {
          where = stored.storeIfLarge(putId, args[i], inline, contained);
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException("argument " + i + " of " + fnName + ": " + e.getMessage(), e);
        }
        if (where == null) {
          encoded[i] = ByteString.copyFrom(inline[0]);
          continue;
        }
        argRef = table.addReady(putId, ObjectValue.inStore(where), self);
        table.hold(putId, new ArrayList<>(contained.subList(before, contained.size())));
      }
      CompletableFuture<ObjectValue> f = reader.futureOf(argRef);
      encoded[i] = new RefArg(argRef, f);
      if (!f.isDone()) {
        if (pending == null) {
          pending = new ArrayList<>();
        }
        pending.add(f);
      }
    }
    return new Arguments(encoded, contained, pending);
  }

  /** Hands {@code t} to {@code submit} once every argument in {@code args} is known. */
  void resolve(PendingTask t, TaskSpec.Builder spec, Arguments args, Consumer<PendingTask> submit) {
    if (args.pending() == null) {
      queue(t, spec, args.encoded(), submit);
    } else {
      CompletableFuture.allOf(args.pending().toArray(CompletableFuture[]::new))
          .whenComplete((v, e) -> queue(t, spec, args.encoded(), submit));
    }
  }

  /**
   * Resolves {@code t} again: {@code spec} is {@code earlier} with its args cleared; inline
   * arguments are taken from {@code earlier}, stored ones looked up afresh (the copies that run
   * read may be gone).
   */
  void resolveAgain(PendingTask t, TaskSpec earlier, TaskSpec.Builder spec, List<ObjectRef<?>> storedArgs,
      Consumer<PendingTask> submit) {
    Object[] encoded = new Object[earlier.getArgsCount()];
    List<CompletableFuture<ObjectValue>> deps = new ArrayList<>();
    for (int i = 0; i < encoded.length; i++) {
      ObjectRef<?> ref = storedArgs == null || storedArgs.isEmpty() ? null : storedArgs.get(i);
      if (ref == null) {
        encoded[i] = earlier.getArgs(i).getInlineValue();
      } else {
        RefArg r = new RefArg(ref, reader.futureOf(ref));
        encoded[i] = r;
        deps.add(r.value());
      }
    }
    CompletableFuture.allOf(deps.toArray(CompletableFuture[]::new))
        .whenComplete((x, e) -> queue(t, spec, encoded, submit));
  }

  /** Every ObjectRef argument is known: values inline, stored objects by reference. */
  private void queue(PendingTask t, TaskSpec.Builder spec, Object[] encoded, Consumer<PendingTask> submit) {
    if (t.cancelled()) {
      return; // cancelled while it waited for its arguments: it never runs
    }
    List<CompletableFuture<ObjectValue>> remade = null;
    for (int i = 0; i < encoded.length; i++) {
      if (encoded[i] instanceof RefArg r) {
        ObjectValue v = r.value().join();
        if (v.isStored() && directory.lostEverywhere(r.ref().id(), v)) {
          CompletableFuture<ObjectValue> f = lostObjects.recover(r.ref().id(), v, "every node holding it died");
          encoded[i] = new RefArg(r.ref(), f);
          if (remade == null) {
            remade = new ArrayList<>();
          }
          remade.add(f);
        }
      }
    }
    if (remade != null) {
      CompletableFuture.allOf(remade.toArray(CompletableFuture[]::new))
          .whenComplete((x, e) -> queue(t, spec, encoded, submit));
      return;
    }
    List<ObjectRef<?>> storedArgs = null;
    for (int i = 0; i < encoded.length; i++) {
      Object a = encoded[i];
      if (a instanceof ByteString b) {
        spec.addArgs(TaskArg.newBuilder().setInlineValue(b));
        continue;
      }
      RefArg r = (RefArg) a;
      ObjectValue v = r.value().join();
      if (v.isError()) {
        tasks.fail(t, v.error()); // a task whose argument failed fails with the same cause
        return;
      }
      if (v.isStored()) {
        // The worker reads it from its node's store; the ref stays held until the task is done,
        // so the object cannot be freed under a pending task.
        ObjectRefImpl<?> ri = (ObjectRefImpl<?>) r.ref();
        spec.addArgs(TaskArg.newBuilder().setReference(ObjectReference.newBuilder()
            .setObjectId(ProtoIds.bytes(ri.id())).setOwner(ri.owner()).setLocation(v.stored())));
        if (storedArgs == null) {
          storedArgs = new ArrayList<>(Collections.nCopies(encoded.length, null));
        }
        storedArgs.set(i, r.ref());
      } else {
        spec.addArgs(TaskArg.newBuilder().setInlineValue(ByteString.copyFrom(v.bytes())));
      }
    }
    TaskSpec built = spec.build();
    // its lineage is kept once its result turns out stored (TaskManager.onResult): only store
    // copies can be lost, and most results are small enough to come inline
    t.resolved(built, storedArgs);
    if (tasks.submitted(t)) { // else cancelled meanwhile
      submit.accept(t);
    }
  }
}
