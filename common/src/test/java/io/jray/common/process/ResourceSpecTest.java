package io.jray.common.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class ResourceSpecTest {
  @Test
  void parsesJsonAndKeyValueForms() {
    assertThat(ResourceSpec.parse("{\"accel\":2, \"mem\": 0.5}")).containsExactly(
        Map.entry("accel", 2.0), Map.entry("mem", 0.5));
    assertThat(ResourceSpec.parse("accel=2,mem=0.5")).containsEntry("accel", 2.0).containsEntry("mem", 0.5);
    assertThat(ResourceSpec.parse("")).isEmpty();
    assertThat(ResourceSpec.parse("{}")).isEmpty();
  }

  @Test
  void rejectsNegativeNanInfiniteAndMalformed() {
    assertThatThrownBy(() -> ResourceSpec.parse("{\"a\":-1}")).hasMessageContaining("finite and >= 0");
    assertThatThrownBy(() -> ResourceSpec.parse("{\"a\":NaN}")).hasMessageContaining("finite and >= 0");
    assertThatThrownBy(() -> ResourceSpec.parse("a=Infinity")).hasMessageContaining("finite and >= 0");
    assertThatThrownBy(() -> ResourceSpec.parse("{\"a\":2")).hasMessageContaining("JSON object");
    assertThatThrownBy(() -> ResourceSpec.parse("a")).hasMessageContaining("name=amount");
    assertThatThrownBy(() -> ResourceSpec.parse("a=x")).hasMessageContaining("not a number");
  }

  @Test
  void formatRoundTrips() {
    Map<String, Double> m = Map.of("accel", 2.0);
    assertThat(ResourceSpec.parse(ResourceSpec.format(m))).isEqualTo(m);
  }
}
