package io.jray.common.serialization;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import org.apache.fory.Fory;
import org.apache.fory.ThreadSafeFory;
import org.apache.fory.config.Language;

/**
 * The one place where JRay turns user values into bytes and back (arguments, results, puts).
 *
 * <p>Apache Fory serializes arbitrary user classes, records, collections and arrays without
 * {@code Serializable}. Instances are reused per thread (building one costs milliseconds).
 * Throwables go through Java serialization instead: they are {@code Serializable} by contract and
 * their stack traces survive it exactly, which is what a remote error report needs.
 */
public final class ObjectCodec {
  private static final ThreadSafeFory FORY = Fory.builder()
      .withLanguage(Language.JAVA)
      .requireClassRegistration(false)
      .suppressClassRegistrationWarnings(true)
      .withRefTracking(true)
      .withAsyncCompilation(true)
      .buildThreadSafeFory();

  private ObjectCodec() {}

  public static byte[] encode(Object value) {
    return FORY.serialize(value);
  }

  public static Object decode(byte[] bytes) {
    return FORY.deserialize(bytes);
  }

  /** Decodes straight out of (shared) memory, without copying the bytes to the heap first. */
  public static Object decode(java.lang.foreign.MemorySegment bytes) {
    return FORY.deserialize(bytes.asByteBuffer());
  }

  /** Java-serializes a throwable; returns an empty array when some part of it is not serializable. */
  public static byte[] encodeThrowable(Throwable t) {
    try (ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        ObjectOutputStream out = new ObjectOutputStream(bytes)) {
      out.writeObject(t);
      out.flush();
      return bytes.toByteArray();
    } catch (IOException | RuntimeException e) {
      return new byte[0];
    }
  }

  /** The throwable from {@link #encodeThrowable}, or null when it cannot be rebuilt here. */
  public static Throwable decodeThrowable(byte[] bytes) {
    if (bytes == null || bytes.length == 0) {
      return null;
    }
    try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes)) {
      @Override
      protected Class<?> resolveClass(java.io.ObjectStreamClass desc) throws IOException, ClassNotFoundException {
        return Class.forName(desc.getName(), false, Thread.currentThread().getContextClassLoader() != null
            ? Thread.currentThread().getContextClassLoader() : ObjectCodec.class.getClassLoader());
      }
    }) {
      Object o = in.readObject();
      return o instanceof Throwable t ? t : null;
    } catch (IOException | ClassNotFoundException | RuntimeException e) {
      return null;
    }
  }

}
