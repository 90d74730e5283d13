package io.jray.runtime;

import java.io.Serializable;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;

/**
 * What a method reference the user passed ({@code Counter::new}, {@code Counter::add}) points at,
 * read from its {@link SerializedLambda}; refused with a message that says the fix when it is a
 * lambda or captures values.
 */
final class LambdaReference {
  private LambdaReference() {}

  static SerializedLambda of(Serializable func, String api, String example) {
    SerializedLambda sl = null;
    try {
      Method w = func.getClass().getDeclaredMethod("writeReplace");
      w.setAccessible(true);
      if (w.invoke(func) instanceof SerializedLambda l) {
        sl = l;
      }
    } catch (ReflectiveOperationException | RuntimeException e) {
      // falls through to the error below
    }
    if (sl == null) {
      throw new IllegalArgumentException(api + " needs a method reference like " + example + "; got an instance of "
          + func.getClass().getName());
    }
    if (sl.getCapturedArgCount() > 0) {
      throw new IllegalArgumentException(api + " needs a method reference like " + example + "; got a lambda or"
          + " bound reference that captures values (" + sl.getImplClass().replace('/', '.') + "."
          + sl.getImplMethodName() + "). Pass the values as arguments instead.");
    }
    if (sl.getImplMethodName().startsWith("lambda$")) {
      throw new IllegalArgumentException(api + " needs a method reference like " + example + ", not a lambda: move"
          + " the lambda's body into a method and pass a reference to it.");
    }
    return sl;
  }

  /** The class a descriptor names, loaded as the job's code; IllegalArgumentException if it is not there. */
  static Class<?> loadClass(io.jray.proto.FunctionDescriptor d, ClassLoader loader) {
    try {
      return Class.forName(d.getClassName(), true, loader);
    } catch (ClassNotFoundException e) {
      throw new IllegalArgumentException("class " + d.getClassName() + " is not on this worker's class path"
          + " (the job's class path is the driver's java.class.path)", e);
    }
  }
}
