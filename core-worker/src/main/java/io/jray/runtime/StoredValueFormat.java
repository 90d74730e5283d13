package io.jray.runtime;

import io.jray.common.serialization.ObjectCodec;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * How a value is laid out in the object store: an 8-byte header (a kind tag) and the payload.
 * {@code byte[]}, primitive arrays and {@code ByteBuffer}s are stored raw, so a put copies them
 * straight into the arena and a get copies them straight out (or, for a ByteBuffer, hands out a
 * read-only view of the shared memory: zero copy). Everything else is Fory bytes.
 */
final class StoredValueFormat {
  static final long HEADER = 8;
  private static final byte FORY = 1;
  private static final byte BYTES = 2;
  private static final byte BYTE_BUFFER = 3;
  private static final byte INTS = 4;
  private static final byte LONGS = 5;
  private static final byte DOUBLES = 6;

  private StoredValueFormat() {}

  /** A value ready to go inline (small) or into the store (large). */
  static final class Encoded {
    private final Object raw;
    private final byte kind;
    private byte[] fory;

    private Encoded(Object raw, byte kind, byte[] fory) {
      this.raw = raw;
      this.kind = kind;
      this.fory = fory;
    }

    /** Bytes this value takes in the store, header included. */
    long storedSize() {
      return HEADER + payloadSize();
    }

    private long payloadSize() {
      return switch (kind) {
        case BYTES -> ((byte[]) raw).length;
        case BYTE_BUFFER -> ((ByteBuffer) raw).remaining();
        case INTS -> 4L * ((int[]) raw).length;
        case LONGS -> 8L * ((long[]) raw).length;
        case DOUBLES -> 8L * ((double[]) raw).length;
        default -> fory.length;
      };
    }

    /** The inline form (Fory bytes), for values at or under the inline threshold. */
    byte[] inlineBytes() {
      if (fory == null) {
        fory = ObjectCodec.encode(raw);
      }
      return fory;
    }

    void writeTo(MemorySegment dst) {
      dst.set(ValueLayout.JAVA_BYTE, 0, kind);
      long n = payloadSize();
      switch (kind) {
        case BYTES -> MemorySegment.copy((byte[]) raw, 0, dst, ValueLayout.JAVA_BYTE, HEADER, (int) n);
        case BYTE_BUFFER -> MemorySegment.copy(MemorySegment.ofBuffer((ByteBuffer) raw), 0, dst, HEADER, n);
        case INTS -> MemorySegment.copy((int[]) raw, 0, dst, ValueLayout.JAVA_INT_UNALIGNED, HEADER, (int) (n / 4));
        case LONGS -> MemorySegment.copy((long[]) raw, 0, dst, ValueLayout.JAVA_LONG_UNALIGNED, HEADER, (int) (n / 8));
        case DOUBLES -> MemorySegment.copy((double[]) raw, 0, dst, ValueLayout.JAVA_DOUBLE_UNALIGNED, HEADER,
            (int) (n / 8));
        default -> MemorySegment.copy(fory, 0, dst, ValueLayout.JAVA_BYTE, HEADER, fory.length);
      }
    }
  }

  /** Prepares a value; raw kinds cost nothing here, others are Fory-encoded once. */
  static Encoded encode(Object value) {
    if (value instanceof byte[]) {
      return new Encoded(value, BYTES, null);
    }
    if (value instanceof ByteBuffer b) {
      return new Encoded(b.duplicate(), BYTE_BUFFER, null);
    }
    if (value instanceof int[]) {
      return new Encoded(value, INTS, null);
    }
    if (value instanceof long[]) {
      return new Encoded(value, LONGS, null);
    }
    if (value instanceof double[]) {
      return new Encoded(value, DOUBLES, null);
    }
    return new Encoded(value, FORY, ObjectCodec.encode(value));
  }

  /** Whether the value read from {@code src} is a view that must keep the object held. */
  static boolean isView(MemorySegment src) {
    return src.get(ValueLayout.JAVA_BYTE, 0) == BYTE_BUFFER;
  }

  /**
   * Reads a stored value. Arrays are copied once, straight from the mapping; a ByteBuffer is a
   * read-only view of it (the caller keeps the object held while the view lives).
   */
  static Object decode(MemorySegment src) {
    byte kind = src.get(ValueLayout.JAVA_BYTE, 0);
    MemorySegment p = src.asSlice(HEADER);
    return switch (kind) {
      case BYTES -> p.toArray(ValueLayout.JAVA_BYTE);
      case BYTE_BUFFER -> p.asByteBuffer().asReadOnlyBuffer();
      case INTS -> p.toArray(ValueLayout.JAVA_INT_UNALIGNED);
      case LONGS -> p.toArray(ValueLayout.JAVA_LONG_UNALIGNED);
      case DOUBLES -> p.toArray(ValueLayout.JAVA_DOUBLE_UNALIGNED);
      case FORY -> ObjectCodec.decode(p);
      default -> throw new IllegalStateException("unknown stored value kind " + kind);
    };
  }
}
