package io.jray.raylet;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceSetTest {
  @Test
  void fractionalAmountsAddAndSubtractExactly() {
    ResourceSet total = ResourceSet.of(Map.of("CPU", 2.0));
    ResourceSet avail = total.copy();
    ResourceSet tenth = ResourceSet.of(Map.of("CPU", 0.1));
    for (int i = 0; i < 1_000_000; i++) {
      avail.subtract(tenth);
      avail.add(tenth);
    }
    assertThat(avail).isEqualTo(total);
    for (int i = 0; i < 20; i++) {
      assertThat(tenth.fitsIn(avail)).isTrue();
      avail.subtract(tenth);
    }
    assertThat(avail.get("CPU")).isZero();
    assertThat(tenth.fitsIn(avail)).isFalse();
  }

  @Test
  void customResourcesMustExistToFit() {
    ResourceSet node = ResourceSet.of(Map.of("CPU", 2.0, "accel", 2.0));
    assertThat(ResourceSet.of(Map.of("accel", 1.0)).fitsIn(node)).isTrue();
    assertThat(ResourceSet.of(Map.of("gpu", 1.0)).fitsIn(node)).isFalse();
    assertThat(ResourceSet.of(Map.of("CPU", 0.0)).fitsIn(ResourceSet.of(Map.of()))).isTrue();
    assertThat(node.only("CPU").toMap()).containsOnlyKeys("CPU");
  }
}
