package io.jray.runtime;

import io.jray.api.Remote;
import io.jray.proto.FunctionDescriptor;
import java.io.Serializable;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * A static {@code @Remote} method, found from the method reference the user passed
 * ({@code MathTasks::square}) on the submitting side, or from its descriptor on the executing
 * side. Lookups are cached: the reflection runs once per function per JVM.
 */
final class RemoteFunction {
  private static final ConcurrentHashMap<Class<?>, RemoteFunction> BY_FUNC_CLASS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<FunctionDescriptor, RemoteFunction> BY_DESCRIPTOR = new ConcurrentHashMap<>();

  final FunctionDescriptor descriptor;
  final Method method;
  final boolean returnsVoid;
  final Map<String, Double> defaultResources;
  final int defaultMaxRetries;
  final String displayName;

  private RemoteFunction(FunctionDescriptor descriptor, Method method) {
    this.descriptor = descriptor;
    this.method = method;
    this.returnsVoid = method.getReturnType() == void.class;
    this.displayName = method.getDeclaringClass().getName() + "." + method.getName();
    Remote r = method.getAnnotation(Remote.class);
    if (r == null) {
      r = method.getDeclaringClass().getAnnotation(Remote.class);
    }
    if (r == null) {
      throw new IllegalArgumentException(displayName + " is not marked @Remote, so it cannot run remotely."
          + " Fix: annotate the method (or its class) with @io.jray.api.Remote.");
    }
    Map<String, Double> res = RemoteResources.of(r, displayName, true);
    this.defaultResources = Map.copyOf(res);
    this.defaultMaxRetries = r.maxRetries();
    method.setAccessible(true);
  }

  /** Resolves a method reference the user passed to {@code JRay.task}. */
  static RemoteFunction of(Serializable func) {
    RemoteFunction cached = BY_FUNC_CLASS.get(func.getClass());
    if (cached != null) {
      return cached;
    }
    SerializedLambda sl = LambdaReference.of(func, "JRay.task", "MyTasks::work");
    if (sl.getImplMethodKind() != MethodHandleInfo.REF_invokeStatic) {
      throw new IllegalArgumentException("JRay.task needs a static method; " + sl.getImplClass().replace('/', '.')
          + "::" + sl.getImplMethodName() + " is an instance method (actor methods come with JRay.actor).");
    }
    FunctionDescriptor d = FunctionDescriptor.newBuilder().setClassName(sl.getImplClass().replace('/', '.'))
        .setMethodName(sl.getImplMethodName()).setMethodDescriptor(sl.getImplMethodSignature()).build();
    RemoteFunction f = forDescriptor(d, func.getClass().getClassLoader());
    BY_FUNC_CLASS.put(func.getClass(), f);
    return f;
  }

  /** Resolves a descriptor that arrived in a task spec; IllegalArgumentException if it is not runnable. */
  static RemoteFunction forDescriptor(FunctionDescriptor d, ClassLoader loader) {
    RemoteFunction f = BY_DESCRIPTOR.get(d);
    if (f != null) {
      return f;
    }
    Class<?> cls = LambdaReference.loadClass(d, loader);
    for (Method m : cls.getDeclaredMethods()) {
      if (m.getName().equals(d.getMethodName()) && Modifier.isStatic(m.getModifiers())
          && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString()
              .equals(d.getMethodDescriptor())) {
        f = new RemoteFunction(d, m);
        BY_DESCRIPTOR.put(d, f);
        return f;
      }
    }
    throw new IllegalArgumentException("no static method " + d.getClassName() + "." + d.getMethodName()
        + d.getMethodDescriptor());
  }
}
