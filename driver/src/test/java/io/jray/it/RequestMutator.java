package io.jray.it;

import com.google.protobuf.ByteString;
import com.google.protobuf.Descriptors.Descriptor;
import com.google.protobuf.Descriptors.EnumDescriptor;
import com.google.protobuf.Descriptors.FieldDescriptor;
import com.google.protobuf.DynamicMessage;
import com.google.protobuf.Message;
import java.util.List;
import java.util.Random;

/**
 * Seeded generator of bad requests for the *BadInputIT tests: messages of any protobuf type with
 * random and boundary values (ids one byte short or long, sizes near {@code Long.MAX_VALUE}, NaN,
 * unknown enum numbers, path-like strings), well-formed seeds with a few fields changed, and
 * bytes that are not a message at all. The same seed gives the same requests, so a failure can
 * be replayed.
 */
final class RequestMutator {
  private static final int[] ID_LENGTHS = {0, 1, 3, 4, 15, 16, 17, 19, 20, 21, 28, 64};
  private static final long[] LONGS = {0, 1, -1, 2, Long.MIN_VALUE, Long.MAX_VALUE, Long.MAX_VALUE - 10,
      Integer.MAX_VALUE, Integer.MAX_VALUE + 1L, Integer.MIN_VALUE, 1L << 20, 64L << 20, 1L << 40};
  private static final int[] INTS = {0, 1, -1, 2, Integer.MIN_VALUE, Integer.MAX_VALUE, 1 << 20, 7};
  private static final double[] DOUBLES = {0, -0.0, 1, -1, 0.5, Double.NaN, Double.POSITIVE_INFINITY,
      Double.NEGATIVE_INFINITY, 1e300, -1e300, Double.MIN_VALUE, 1e-9};
  private static final List<String> STRINGS = List.of("", "x", "CPU", "GPU", "memory", "../../../etc/passwd",
      "/etc/passwd", "\u0000", "ü€\uD834\uDD1E", "0".repeat(64), "f".repeat(63), "127.0.0.1", "-1", "%s%n",
      "io.jray.it.TestTasks", "java.lang.Runtime", "exit", "a".repeat(100_000));
  private static final int MAX_DEPTH = 3;

  private final Random random;

  RequestMutator(long seed) {
    this.random = new Random(seed);
  }

  /** One bad request for a method taking {@code type}: random, a mutated seed, or garbage bytes. */
  byte[] next(Descriptor type, List<Message> seeds) {
    int pick = random.nextInt(10);
    if (pick == 0) {
      return garbage(seeds.isEmpty() ? new byte[0] : seeds.get(random.nextInt(seeds.size())).toByteArray());
    }
    if (pick <= 4 && !seeds.isEmpty()) {
      return mutate(seeds.get(random.nextInt(seeds.size()))).toByteArray();
    }
    return randomMessage(type, 0).toByteArray();
  }

  /** How many messages a streaming call sends: 1 to {@code max}. */
  int count(int max) {
    return 1 + random.nextInt(max);
  }

  /** A message of {@code type} with a random subset of its fields set to random or boundary values. */
  Message randomMessage(Descriptor type, int depth) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(type);
    for (FieldDescriptor f : type.getFields()) {
      if (random.nextInt(3) == 0) {
        continue;
      }
      set(b, f, depth);
    }
    return b.build();
  }

  /** {@code seed} with one to three of its fields replaced, cleared or given extra elements. */
  Message mutate(Message seed) {
    DynamicMessage.Builder b = DynamicMessage.newBuilder(seed);
    List<FieldDescriptor> fields = seed.getDescriptorForType().getFields();
    if (fields.isEmpty()) {
      return seed;
    }
    for (int n = 1 + random.nextInt(3); n > 0; n--) {
      FieldDescriptor f = fields.get(random.nextInt(fields.size()));
      if (random.nextInt(4) == 0) {
        b.clearField(f);
      } else {
        if (!f.isRepeated()) {
          b.clearField(f);
        }
        set(b, f, 1);
      }
    }
    return b.build();
  }

  /** Random bytes, or {@code valid} truncated or with bits flipped: mostly not a parseable message. */
  byte[] garbage(byte[] valid) {
    byte[] out;
    if (valid.length > 1 && random.nextBoolean()) {
      out = java.util.Arrays.copyOf(valid, random.nextInt(valid.length));
      if (out.length > 0 && random.nextBoolean()) {
        out[random.nextInt(out.length)] ^= (byte) (1 << random.nextInt(8));
      }
    } else {
      out = new byte[random.nextInt(64)];
      random.nextBytes(out);
    }
    return out;
  }

  private void set(DynamicMessage.Builder b, FieldDescriptor f, int depth) {
    if (f.getJavaType() == FieldDescriptor.JavaType.MESSAGE && depth >= MAX_DEPTH) {
      return;
    }
    if (f.isRepeated()) {
      for (int i = random.nextInt(4); i > 0; i--) {
        b.addRepeatedField(f, value(f, depth));
      }
    } else {
      b.setField(f, value(f, depth));
    }
  }

  private Object value(FieldDescriptor f, int depth) {
    return switch (f.getJavaType()) {
      case INT -> INTS[random.nextInt(INTS.length)] + (random.nextInt(4) == 0 ? random.nextInt(1000) : 0);
      case LONG -> random.nextInt(5) == 0 ? random.nextLong() : LONGS[random.nextInt(LONGS.length)];
      case FLOAT -> (float) DOUBLES[random.nextInt(DOUBLES.length)];
      case DOUBLE -> random.nextInt(5) == 0 ? random.nextDouble() * 100 : DOUBLES[random.nextInt(DOUBLES.length)];
      case BOOLEAN -> random.nextBoolean();
      case STRING -> random.nextInt(4) == 0 ? randomAscii() : STRINGS.get(random.nextInt(STRINGS.size()));
      case BYTE_STRING -> bytes();
      case ENUM -> enumValue(f.getEnumType());
      case MESSAGE -> randomMessage(f.getMessageType(), depth + 1);
    };
  }

  private Object enumValue(EnumDescriptor e) {
    if (random.nextInt(3) == 0) {
      return e.findValueByNumberCreatingIfUnknown(random.nextBoolean() ? 1000 + random.nextInt(10) : -1);
    }
    return e.getValues().get(random.nextInt(e.getValues().size()));
  }

  private ByteString bytes() {
    int len = random.nextInt(50) == 0 ? 1 << (10 + random.nextInt(9)) : ID_LENGTHS[random.nextInt(ID_LENGTHS.length)];
    byte[] b = new byte[len];
    switch (random.nextInt(3)) {
      case 0 -> java.util.Arrays.fill(b, (byte) 0xff);
      case 1 -> random.nextBytes(b);
      default -> { } // zeros
    }
    return ByteString.copyFrom(b);
  }

  private String randomAscii() {
    StringBuilder s = new StringBuilder();
    for (int i = random.nextInt(40); i > 0; i--) {
      s.append((char) (32 + random.nextInt(95)));
    }
    return s.toString();
  }
}
