package io.jray.runtime;

import io.jray.api.Remote;
import io.jray.proto.FunctionDescriptor;
import java.io.Serializable;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Constructor;
import java.lang.reflect.Executable;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * How an actor is made: a constructor ({@code Counter::new}) or a {@code @Remote} static factory
 * method returning the actor, found from the reference the creator passed, or on the actor's
 * worker from its descriptor (method name {@code <init>} for a constructor). Carries the actor
 * class's {@link Remote} defaults. Cached per JVM.
 */
final class ActorConstructor {
  private static final ConcurrentHashMap<Class<?>, ActorConstructor> BY_FUNC_CLASS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<FunctionDescriptor, ActorConstructor> BY_DESCRIPTOR = new ConcurrentHashMap<>();
  static final String CONSTRUCTOR_NAME = "<init>";

  final FunctionDescriptor descriptor;
  final Executable executable;
  final Class<?> actorClass;
  final String displayName;
  /** Resources the annotation asks for explicitly (anything but the default 1 CPU): held for life. */
  final Map<String, Double> explicitResources;
  final int maxRestarts;
  final int maxTaskRetries;
  final int maxConcurrency;

  private ActorConstructor(FunctionDescriptor descriptor, Executable executable) {
    this.descriptor = descriptor;
    this.executable = executable;
    this.actorClass = executable instanceof Constructor<?> c ? c.getDeclaringClass() : ((Method) executable).getReturnType();
    this.displayName = executable instanceof Constructor<?> ? actorClass.getName() + "::new"
        : executable.getDeclaringClass().getName() + "." + executable.getName();
    Remote r = executable.getAnnotation(Remote.class);
    if (r == null) {
      r = executable.getDeclaringClass().getAnnotation(Remote.class);
    }
    if (r == null) {
      r = actorClass.getAnnotation(Remote.class);
    }
    if (r == null) {
      throw new IllegalArgumentException("actor class " + actorClass.getName() + " is not marked @Remote, so it cannot"
          + " run remotely. Fix: annotate the class with @io.jray.api.Remote.");
    }
    Map<String, Double> res = RemoteResources.of(r, actorClass.getName(), false);
    res.values().removeIf(v -> v == 0.0);
    this.explicitResources = Map.copyOf(res);
    this.maxRestarts = r.maxRestarts();
    this.maxTaskRetries = r.maxTaskRetries();
    this.maxConcurrency = r.maxConcurrency();
    executable.setAccessible(true);
  }

  int arity() {
    return executable.getParameterCount();
  }

  /** Resolves what the creator passed to {@code JRay.actor}. */
  static ActorConstructor of(Serializable func) {
    ActorConstructor cached = BY_FUNC_CLASS.get(func.getClass());
    if (cached != null) {
      return cached;
    }
    SerializedLambda sl = LambdaReference.of(func, "JRay.actor", "Counter::new");
    int kind = sl.getImplMethodKind();
    if (kind != MethodHandleInfo.REF_newInvokeSpecial && kind != MethodHandleInfo.REF_invokeStatic) {
      throw new IllegalArgumentException("JRay.actor needs a constructor (Counter::new) or a static factory method;"
          + " " + sl.getImplClass().replace('/', '.') + "::" + sl.getImplMethodName() + " is an instance method");
    }
    FunctionDescriptor d = FunctionDescriptor.newBuilder().setClassName(sl.getImplClass().replace('/', '.'))
        .setMethodName(kind == MethodHandleInfo.REF_newInvokeSpecial ? CONSTRUCTOR_NAME : sl.getImplMethodName())
        .setMethodDescriptor(sl.getImplMethodSignature()).build();
    ActorConstructor c = forDescriptor(d, func.getClass().getClassLoader());
    BY_FUNC_CLASS.put(func.getClass(), c);
    return c;
  }

  /** Resolves a creation descriptor on the actor's worker; IllegalArgumentException if it is not runnable. */
  static ActorConstructor forDescriptor(FunctionDescriptor d, ClassLoader loader) {
    ActorConstructor c = BY_DESCRIPTOR.get(d);
    if (c != null) {
      return c;
    }
    Class<?> cls = LambdaReference.loadClass(d, loader);
    if (d.getMethodName().equals(CONSTRUCTOR_NAME)) {
      for (Constructor<?> k : cls.getDeclaredConstructors()) {
        if (MethodType.methodType(void.class, k.getParameterTypes()).toMethodDescriptorString()
            .equals(d.getMethodDescriptor())) {
          c = new ActorConstructor(d, k);
          break;
        }
      }
    } else {
      for (Method m : cls.getDeclaredMethods()) {
        if (m.getName().equals(d.getMethodName()) && Modifier.isStatic(m.getModifiers())
            && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString()
                .equals(d.getMethodDescriptor())) {
          if (m.getReturnType().isPrimitive()) {
            throw new IllegalArgumentException(d.getClassName() + "." + d.getMethodName()
                + " returns a primitive: an actor factory must return the actor object");
          }
          c = new ActorConstructor(d, m);
          break;
        }
      }
    }
    if (c == null) {
      throw new IllegalArgumentException("no constructor or static factory " + d.getClassName() + "."
          + d.getMethodName() + d.getMethodDescriptor());
    }
    BY_DESCRIPTOR.put(d, c);
    return c;
  }

  /** Runs the constructor or factory; InvocationTargetException carries what it threw. */
  Object newInstance(Object[] args) throws InvocationTargetException, ReflectiveOperationException {
    Object o = executable instanceof Constructor<?> k ? k.newInstance(args) : ((Method) executable).invoke(null, args);
    if (o == null) {
      throw new IllegalStateException(displayName + " returned null: an actor factory must return the actor object");
    }
    return o;
  }
}
