package io.jray.runtime;

import io.jray.api.exception.GetTimeoutException;
import io.jray.api.exception.JRayException;
import io.jray.api.exception.ObjectLostException;
import io.jray.api.exception.OwnerDiedException;
import io.jray.api.exception.TaskCancelledException;
import io.jray.api.exception.TaskException;
import io.jray.api.exception.TaskUnschedulableException;
import io.jray.api.exception.WorkerCrashedException;
import io.jray.common.serialization.ObjectCodec;
import io.jray.proto.ErrorInfo;
import java.io.PrintWriter;
import java.io.StringWriter;

/** Turns failures into {@link ErrorInfo} for the wire and back into the typed exceptions of the API. */
final class RemoteErrors {
  private RemoteErrors() {}

  static ErrorInfo fromTaskThrowable(Throwable t, String functionName) {
    StringWriter sw = new StringWriter();
    t.printStackTrace(new PrintWriter(sw));
    return ErrorInfo.newBuilder().setType(ErrorInfo.Type.TASK_EXCEPTION).setClassName(t.getClass().getName())
        .setMessage(t.getMessage() == null ? "" : t.getMessage()).setStackTrace(sw.toString())
        .setSerializedException(com.google.protobuf.ByteString.copyFrom(ObjectCodec.encodeThrowable(t)))
        .setFunctionName(functionName).build();
  }

  static ErrorInfo of(ErrorInfo.Type type, String message, String functionName) {
    return ErrorInfo.newBuilder().setType(type).setMessage(message).setFunctionName(functionName).build();
  }

  static JRayException toException(ErrorInfo e) {
    return switch (e.getType()) {
      case TASK_EXCEPTION -> new TaskException(e.getFunctionName(), e.getClassName(), e.getMessage(),
          e.getStackTrace(), ObjectCodec.decodeThrowable(e.getSerializedException().toByteArray()));
      case WORKER_CRASHED, RUNTIME_FAILURE -> new WorkerCrashedException(e.getMessage());
      case OBJECT_LOST -> new ObjectLostException(e.getMessage());
      case OWNER_DIED -> new OwnerDiedException(e.getMessage());
      case TASK_CANCELLED -> new TaskCancelledException(e.getMessage());
      case TASK_UNSCHEDULABLE -> new TaskUnschedulableException(e.getMessage());
      case OBJECT_STORE_FULL -> new io.jray.api.exception.ObjectStoreFullException(e.getMessage());
      case OBJECT_RECONSTRUCTION_FAILED -> new io.jray.api.exception.ObjectReconstructionFailedException(
          e.getMessage());
      case ACTOR_DIED -> new io.jray.api.exception.ActorDiedException(e.getMessage(),
          e.hasCause() ? toException(e.getCause()) : null);
      default -> new JRayException(e.getMessage());
    };
  }

  static GetTimeoutException timeout(String what) {
    return new GetTimeoutException(what);
  }
}
