package io.jray.objectstore;

import io.grpc.HasByteBuffer;
import io.grpc.MethodDescriptor;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.lang.foreign.MemorySegment;
import java.lang.foreign.ValueLayout;
import java.nio.ByteBuffer;

/**
 * Receives one {@code ReadChunkReply} by copying its data straight from gRPC's receive buffers
 * into the object being pulled, on the gRPC thread that deframes it. Parsing it as a protobuf
 * message would first copy the chunk into a fresh heap array (8 MiB each, which outlive a young
 * collection while queued, so the raylet kept promoting and copying them), and then copy it again
 * on the store loop.
 *
 * <p>The reply is decoded by hand: field 1 ({@code data}) goes into {@code target}, which it must
 * fill exactly; other fields (added later) are skipped. The parsed value is the bytes written.
 */
final class ChunkWriter implements MethodDescriptor.Marshaller<Long> {
  private static final int DATA_FIELD = 1;
  private static final int VARINT = 0;
  private static final int FIXED64 = 1;
  private static final int LENGTH_DELIMITED = 2;
  private static final int FIXED32 = 5;
  /** Only when the stream cannot lend its buffers; small enough to stay in cache. */
  private static final int COPY_BUFFER_BYTES = 64 << 10;

  private final MemorySegment target;

  ChunkWriter(MemorySegment target) {
    this.target = target;
  }

  @Override
  public InputStream stream(Long value) {
    throw new UnsupportedOperationException("ChunkWriter only receives");
  }

  @Override
  public Long parse(InputStream in) {
    try {
      long written = -1;
      long tag;
      while ((tag = readVarint(in, true)) >= 0) {
        int field = (int) (tag >>> 3);
        int wireType = (int) (tag & 7);
        if (field == DATA_FIELD && wireType == LENGTH_DELIMITED && written < 0) {
          long len = readVarint(in, false);
          if (len != target.byteSize()) {
            throw new IllegalStateException("chunk has " + len + " bytes, expected " + target.byteSize());
          }
          copy(in, len);
          written = len;
        } else {
          skip(in, wireType);
        }
      }
      return Math.max(written, 0);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read chunk: " + e.getMessage(), e);
    }
  }

  private void copy(InputStream in, long len) throws IOException {
    long pos = 0;
    if (in instanceof HasByteBuffer lender && lender.byteBufferSupported()) {
      while (pos < len) {
        ByteBuffer b = lender.getByteBuffer();
        if (b == null || !b.hasRemaining()) {
          throw new EOFException("chunk ended after " + pos + " of " + len + " bytes");
        }
        int n = (int) Math.min(b.remaining(), len - pos);
        MemorySegment.copy(MemorySegment.ofBuffer(b), 0, target, pos, n);
        skipFully(in, n);
        pos += n;
      }
      return;
    }
    byte[] buf = new byte[COPY_BUFFER_BYTES];
    while (pos < len) {
      int n = in.read(buf, 0, (int) Math.min(buf.length, len - pos));
      if (n < 0) {
        throw new EOFException("chunk ended after " + pos + " of " + len + " bytes");
      }
      MemorySegment.copy(buf, 0, target, ValueLayout.JAVA_BYTE, pos, n);
      pos += n;
    }
  }

  private static void skip(InputStream in, int wireType) throws IOException {
    switch (wireType) {
      case VARINT -> readVarint(in, false);
      case FIXED64 -> skipFully(in, 8);
      case LENGTH_DELIMITED -> skipFully(in, readVarint(in, false));
      case FIXED32 -> skipFully(in, 4);
      default -> throw new IOException("unsupported wire type " + wireType + " in ReadChunkReply");
    }
  }

  private static void skipFully(InputStream in, long n) throws IOException {
    while (n > 0) {
      long s = in.skip(n);
      if (s <= 0) {
        throw new EOFException("chunk reply is truncated");
      }
      n -= s;
    }
  }

  /** A base-128 varint; -1 at a clean end of the message when {@code endAllowed}. */
  private static long readVarint(InputStream in, boolean endAllowed) throws IOException {
    long v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      int b = in.read();
      if (b < 0) {
        if (shift == 0 && endAllowed) {
          return -1;
        }
        throw new EOFException("chunk reply is truncated");
      }
      v |= (long) (b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        return v;
      }
    }
    throw new IOException("malformed varint in ReadChunkReply");
  }
}
