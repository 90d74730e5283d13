package io.jray.runtime;

import io.jray.api.Remote;
import io.jray.proto.FunctionDescriptor;
import java.io.Serializable;
import java.lang.invoke.MethodHandleInfo;
import java.lang.invoke.MethodType;
import java.lang.invoke.SerializedLambda;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.concurrent.ConcurrentHashMap;

/**
 * An actor's instance method, named by the reference the caller passed ({@code Counter::add}: the
 * actor is its first parameter), or found on the actor's worker in the actor object's class
 * (inherited and interface default methods included). It may run when it, or the class that
 * declares it, or the actor's class, is {@code @Remote} (a public method, for the latter two).
 * Cached per JVM.
 */
final class ActorMethod {
  private static final ConcurrentHashMap<Class<?>, ActorMethod> BY_FUNC_CLASS = new ConcurrentHashMap<>();
  private static final ConcurrentHashMap<Key, Method> RESOLVED = new ConcurrentHashMap<>();

  private record Key(Class<?> actorClass, FunctionDescriptor descriptor) {}

  final FunctionDescriptor descriptor;
  final int arity;
  final boolean returnsVoid;
  final String displayName;

  private ActorMethod(FunctionDescriptor descriptor, int arity, boolean returnsVoid) {
    this.descriptor = descriptor;
    this.arity = arity;
    this.returnsVoid = returnsVoid;
    this.displayName = descriptor.getClassName() + "." + descriptor.getMethodName();
  }

  /** Resolves what the caller passed to {@code handle.task}. */
  static ActorMethod of(Serializable func) {
    ActorMethod cached = BY_FUNC_CLASS.get(func.getClass());
    if (cached != null) {
      return cached;
    }
    SerializedLambda sl = LambdaReference.of(func, "handle.task", "Counter::add");
    int kind = sl.getImplMethodKind();
    if (kind != MethodHandleInfo.REF_invokeVirtual && kind != MethodHandleInfo.REF_invokeInterface) {
      throw new IllegalArgumentException("handle.task needs a reference to an instance method of the actor (like"
          + " Counter::add); " + sl.getImplClass().replace('/', '.') + "::" + sl.getImplMethodName()
          + " is static or a constructor (static methods run with JRay.task)");
    }
    FunctionDescriptor d = FunctionDescriptor.newBuilder().setClassName(sl.getImplClass().replace('/', '.'))
        .setMethodName(sl.getImplMethodName()).setMethodDescriptor(sl.getImplMethodSignature()).build();
    MethodType t = MethodType.fromMethodDescriptorString(sl.getImplMethodSignature(), func.getClass().getClassLoader());
    ActorMethod m = new ActorMethod(d, t.parameterCount(), t.returnType() == void.class);
    BY_FUNC_CLASS.put(func.getClass(), m);
    return m;
  }

  /** The method to run on {@code actor}; IllegalArgumentException if there is none or it may not run. */
  static Method resolve(Object actor, FunctionDescriptor d) {
    Class<?> cls = actor.getClass();
    Key k = new Key(cls, d);
    Method m = RESOLVED.get(k);
    if (m != null) {
      return m;
    }
    m = find(cls, d);
    if (m == null) {
      throw new IllegalArgumentException("actor class " + cls.getName() + " has no method " + d.getMethodName()
          + d.getMethodDescriptor() + " (from " + d.getClassName() + ")");
    }
    boolean allowed = m.isAnnotationPresent(Remote.class) || Modifier.isPublic(m.getModifiers())
        && (m.getDeclaringClass().isAnnotationPresent(Remote.class) || cls.isAnnotationPresent(Remote.class));
    if (!allowed) {
      throw new IllegalArgumentException(cls.getName() + "." + m.getName() + " may not run remotely: mark it (or the"
          + " actor class, for public methods) @io.jray.api.Remote");
    }
    m.setAccessible(true);
    RESOLVED.put(k, m);
    return m;
  }

  private static Method find(Class<?> cls, FunctionDescriptor d) {
    for (Method m : cls.getMethods()) { // public ones, inherited and interface defaults included
      if (matches(m, d)) {
        return m;
      }
    }
    for (Class<?> c = cls; c != null; c = c.getSuperclass()) {
      for (Method m : c.getDeclaredMethods()) {
        if (matches(m, d)) {
          return m;
        }
      }
    }
    return null;
  }

  private static boolean matches(Method m, FunctionDescriptor d) {
    return !Modifier.isStatic(m.getModifiers()) && m.getName().equals(d.getMethodName())
        && MethodType.methodType(m.getReturnType(), m.getParameterTypes()).toMethodDescriptorString()
            .equals(d.getMethodDescriptor());
  }
}
