package io.jray.common.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class StateFilterTest {
  @Test
  void parsesEqualAndNotEqualAndKeepsEqualsSignsInTheValue() {
    assertThat(StateFilter.parse("state=FAILED")).isEqualTo(new StateFilter("state", "FAILED", false));
    assertThat(StateFilter.parse(" state != FINISHED ")).isEqualTo(new StateFilter("state", "FINISHED", true));
    assertThat(StateFilter.parse("error_message=a=b")).isEqualTo(new StateFilter("error_message", "a=b", false));
    assertThat(StateFilter.parse("name=")).isEqualTo(new StateFilter("name", "", false));
  }

  @Test
  void refusesFiltersWithoutKeyOrOperator() {
    for (String bad : List.of("state", "=x", "!=x", " = x")) {
      assertThatThrownBy(() -> StateFilter.parse(bad)).isInstanceOf(IllegalArgumentException.class)
          .hasMessageContaining("KEY=VALUE");
    }
  }

  @Test
  void matchesIgnoringCaseAndEveryFilterMustHold() {
    Map<String, Object> row = Map.of("state", "FAILED", "name", "f", "attempt", 2);
    assertThat(StateFilter.all(StateFilter.parseAll(List.of("state=failed", "attempt=2")), row, StateRows::field))
        .isTrue();
    assertThat(StateFilter.all(StateFilter.parseAll(List.of("state=failed", "name!=f")), row, StateRows::field))
        .isFalse();
    assertThat(StateFilter.parse("missing=x").matches(null)).isFalse();
    assertThat(StateFilter.parse("missing!=x").matches(null)).isTrue();
  }

  @Test
  void unknownKeysAreRefusedNamingTheKnownOnes() {
    assertThatThrownBy(() -> StateFilter.checkKeys(List.of(StateFilter.parse("colour=red")), Set.of("state", "name"),
        "tasks")).hasMessageContaining("cannot filter tasks on 'colour'").hasMessageContaining("name, state");
  }

  @Test
  void survivesTheProtoRoundTrip() {
    StateFilter f = StateFilter.parse("node_id!=ab");
    assertThat(StateFilter.fromProto(f.toProto())).isEqualTo(f);
  }
}
