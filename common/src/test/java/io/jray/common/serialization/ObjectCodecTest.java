package io.jray.common.serialization;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ObjectCodecTest {
  record Point(int x, int y, List<String> tags) {}

  static final class Plain {
    String name;
    double[] values;
  }

  @Test
  void roundTripsRecordsCollectionsArraysAndPlainClasses() {
    Point p = new Point(1, 2, List.of("a", "b"));
    assertThat(ObjectCodec.decode(ObjectCodec.encode(p))).isEqualTo(p);
    Map<String, int[]> m = new HashMap<>();
    m.put("k", new int[] {1, 2, 3});
    @SuppressWarnings("unchecked")
    Map<String, int[]> back = (Map<String, int[]>) ObjectCodec.decode(ObjectCodec.encode(m));
    assertThat(back.get("k")).containsExactly(1, 2, 3);
    Plain plain = new Plain();
    plain.name = "n";
    plain.values = new double[] {0.5};
    Plain plainBack = (Plain) ObjectCodec.decode(ObjectCodec.encode(plain));
    assertThat(plainBack.name).isEqualTo("n");
    assertThat(plainBack.values).containsExactly(0.5);
    assertThat(ObjectCodec.decode(ObjectCodec.encode(null))).isNull();
  }

  @Test
  void throwablesKeepTypeMessageAndStackTrace() {
    IllegalStateException e = new IllegalStateException("boom", new RuntimeException("cause"));
    Throwable back = ObjectCodec.decodeThrowable(ObjectCodec.encodeThrowable(e));
    assertThat(back).isInstanceOf(IllegalStateException.class).hasMessage("boom");
    assertThat(back.getCause()).hasMessage("cause");
    assertThat(back.getStackTrace()).isEqualTo(e.getStackTrace());
    assertThat(ObjectCodec.decodeThrowable(new byte[0])).isNull();
    assertThat(ObjectCodec.decodeThrowable(new byte[] {1, 2, 3})).isNull();
  }
}
