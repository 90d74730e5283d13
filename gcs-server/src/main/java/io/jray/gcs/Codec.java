package io.jray.gcs;

import com.google.protobuf.ByteString;
import com.google.protobuf.InvalidProtocolBufferException;
import com.google.protobuf.MessageLite;
import com.google.protobuf.Parser;
import com.google.protobuf.UnsafeByteOperations;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * How one table turns its keys or values into RocksDB bytes and back. Stateless and immutable, so
 * any thread may use one. {@link #decode} throws {@link IllegalArgumentException} for bytes it
 * cannot read, so a table can skip a damaged record instead of refusing to start.
 */
interface Codec<T> {
  byte[] encode(T t);

  T decode(byte[] b);

  /** UTF-8 text, for keys people read (KV keys, package hashes). */
  Codec<String> UTF8 = new Codec<>() {
    @Override
    public byte[] encode(String s) {
      return s.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public String decode(byte[] b) {
      return new String(b, StandardCharsets.UTF_8);
    }
  };

  /** The bytes as they are (ids, user values, package chunks). */
  Codec<ByteString> BYTES = new Codec<>() {
    @Override
    public byte[] encode(ByteString s) {
      return s.toByteArray();
    }

    @Override
    public ByteString decode(byte[] b) {
      // RocksDB hands out a fresh array that nobody else holds, so wrapping it is safe
      return UnsafeByteOperations.unsafeWrap(b);
    }
  };

  /** A 4-byte big-endian int (the job id counter, as existing storage directories hold it). */
  Codec<Integer> INT = new Codec<>() {
    @Override
    public byte[] encode(Integer i) {
      return ByteBuffer.allocate(Integer.BYTES).putInt(i).array();
    }

    @Override
    public Integer decode(byte[] b) {
      if (b.length != Integer.BYTES) {
        throw new IllegalArgumentException("an int takes 4 bytes, got " + b.length);
      }
      return ByteBuffer.wrap(b).getInt();
    }
  };

  /** An 8-byte big-endian non-negative long: RocksDB's byte order of these keys is their numeric order. */
  Codec<Long> SEQUENCE = new Codec<>() {
    @Override
    public byte[] encode(Long l) {
      if (l < 0) {
        throw new IllegalArgumentException("a sequence number is >= 0, got " + l);
      }
      return ByteBuffer.allocate(Long.BYTES).putLong(l).array();
    }

    @Override
    public Long decode(byte[] b) {
      if (b.length != Long.BYTES) {
        throw new IllegalArgumentException("a sequence number takes 8 bytes, got " + b.length);
      }
      return ByteBuffer.wrap(b).getLong();
    }
  };

  /** A protobuf message in its wire form, so fields added later still read old records. */
  static <M extends MessageLite> Codec<M> proto(Parser<M> parser) {
    return new Codec<>() {
      @Override
      public byte[] encode(M m) {
        return m.toByteArray();
      }

      @Override
      public M decode(byte[] b) {
        try {
          return parser.parseFrom(b);
        } catch (InvalidProtocolBufferException e) {
          throw new IllegalArgumentException("not a readable record: " + e.getMessage(), e);
        }
      }
    };
  }
}
