package io.jray.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.jray.api.Func1;
import io.jray.api.Remote;
import java.io.Serializable;
import org.junit.jupiter.api.Test;

class RemoteFunctionTest {
  @Remote(numCpus = 0.5, resources = {"accel=2"}, maxRetries = 7)
  static int annotated(int x) {
    return x;
  }

  static int plain(int x) {
    return x;
  }

  @Remote
  static final class Tasks {
    public static String hello(String s) {
      return s;
    }
  }

  @Test
  void resolvesStaticMethodReferenceWithItsRemoteDefaults() {
    Func1<Integer, Integer> f = RemoteFunctionTest::annotated;
    RemoteFunction fn = RemoteFunction.of(f);
    assertThat(fn.descriptor.getClassName()).isEqualTo(RemoteFunctionTest.class.getName());
    assertThat(fn.descriptor.getMethodName()).isEqualTo("annotated");
    assertThat(fn.descriptor.getMethodDescriptor()).isEqualTo("(I)I");
    assertThat(fn.defaultResources).containsEntry("CPU", 0.5).containsEntry("accel", 2.0);
    assertThat(fn.defaultMaxRetries).isEqualTo(7);
    assertThat(RemoteFunction.forDescriptor(fn.descriptor, getClass().getClassLoader()).method)
        .isEqualTo(fn.method);
  }

  @Test
  void classLevelRemoteCoversItsMethods() {
    Func1<String, String> f = Tasks::hello;
    assertThat(RemoteFunction.of(f).defaultResources).containsEntry("CPU", 1.0);
  }

  @Test
  void rejectsNonRemoteLambdasAndBoundReferences() {
    Func1<Integer, Integer> notRemote = RemoteFunctionTest::plain;
    assertThatThrownBy(() -> RemoteFunction.of(notRemote)).isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(RemoteFunctionTest.class.getName() + ".plain").hasMessageContaining("@io.jray.api.Remote");
    Func1<Integer, Integer> lambda = x -> x + 1;
    assertThatThrownBy(() -> RemoteFunction.of(lambda)).hasMessageContaining("not a lambda");
    String captured = "abc";
    Func1<Integer, Character> bound = captured::charAt;
    assertThatThrownBy(() -> RemoteFunction.of(bound)).hasMessageContaining("captures values");
    Func1<String, Integer> instance = String::length;
    assertThatThrownBy(() -> RemoteFunction.of(instance)).hasMessageContaining("instance method");
    Serializable notAFunction = "x";
    assertThatThrownBy(() -> RemoteFunction.of(notAFunction)).hasMessageContaining("method reference");
  }
}
