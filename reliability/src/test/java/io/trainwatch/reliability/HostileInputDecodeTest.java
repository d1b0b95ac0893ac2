package io.trainwatch.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import io.trainwatch.reliability.HostileCase.Category;
import io.trainwatch.reliability.HostileGenerators.Mutated;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.InvalidEventException;
import io.trainwatch.schemas.TrainingEvent;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import org.junit.jupiter.api.Test;

/**
 * The hostile corpus and generators against the event reader alone ({@link EventCodec#decode}): the
 * first line of defence, and the oracle the broker-level test relies on. Every input must either
 * decode into a valid event or be rejected with an {@link InvalidEventException} whose message says
 * what is wrong; nothing else may escape.
 */
class HostileInputDecodeTest {

  @Test
  void shouldGiveEveryCorpusCaseItsContractVerdict() {
    List<HostileCase> corpus = HostileCorpus.cases("decode");
    Map<Category, int[]> counts = new EnumMap<>(Category.class); // tried, accepted, rejected
    List<String> wrong = new ArrayList<>();
    for (HostileCase c : corpus) {
      int[] n = counts.computeIfAbsent(c.category(), k -> new int[3]);
      n[0]++;
      Verdict v = decode(c.value());
      if (v.escaped != null) {
        wrong.add(c + ": threw " + v.escaped + " for " + c.preview());
        continue;
      }
      n[v.accepted ? 1 : 2]++;
      if (v.accepted != c.valid()) {
        wrong.add(
            c
                + ": expected "
                + (c.valid() ? "valid" : "rejected")
                + " but was "
                + (v.accepted ? "accepted" : "rejected: " + v.reason)
                + " for "
                + c.preview());
      } else if (!v.accepted) {
        assertReadable(c.toString(), v.reason);
      }
    }
    System.out.printf("hostile corpus through EventCodec.decode: %d cases%n", corpus.size());
    counts.forEach(
        (cat, n) ->
            System.out.printf(
                "  %-24s tried %4d  accepted %4d  rejected %4d%n", cat, n[0], n[1], n[2]));
    assertThat(wrong).as("cases with the wrong verdict").isEmpty();
    assertThat(counts.keySet())
        .containsAll(
            List.of(Category.values()).stream()
                .filter(c -> c != Category.OUT_OF_ORDER && c != Category.GENERATED)
                .toList());
  }

  @Property(tries = 2000)
  void shouldRejectGarbageWithAReason(@ForAll("garbage") byte[] value) {
    Verdict v = decode(value);
    assertThat(v.escaped).as("exception other than InvalidEventException").isNull();
    Statistics.label("verdict").collect(v.accepted ? "accepted" : "rejected");
    if (!v.accepted) {
      assertReadable("garbage", v.reason);
    }
  }

  @Property(tries = 1000)
  void shouldReadBackEveryValidEventExactly(@ForAll("validEvents") TrainingEvent event) {
    byte[] encoded = EventCodec.encode(event);
    assertThat(EventCodec.decode(encoded)).isEqualTo(event);
    Statistics.label("type").collect(event.type());
  }

  @Property(tries = 3000)
  void shouldEitherAcceptOrExplainEveryMutatedEvent(@ForAll("mutatedEvents") Mutated m) {
    Verdict v = decode(m.value());
    assertThat(v.escaped).as("exception other than InvalidEventException for %s", m).isNull();
    Statistics.label("mutation").collect(m.mutation().kind(), v.accepted ? "accepted" : "rejected");
    if (v.accepted) {
      // What is accepted is a well-formed event: it survives a write/read cycle unchanged.
      assertThat(EventCodec.decode(EventCodec.encode(v.event))).isEqualTo(v.event);
    } else {
      assertReadable(m.toString(), v.reason);
    }
  }

  @Provide
  Arbitrary<byte[]> garbage() {
    return HostileGenerators.garbage();
  }

  @Provide
  Arbitrary<TrainingEvent> validEvents() {
    return HostileGenerators.validEvents();
  }

  @Provide
  Arbitrary<Mutated> mutatedEvents() {
    return HostileGenerators.mutatedEvents();
  }

  /** A reason a person can read in a DLQ header: one line, not empty, not a dump of the input. */
  static void assertReadable(String what, String reason) {
    if (reason == null || reason.isBlank()) {
      fail("no reason given for " + what);
    }
    assertThat(reason).as("reason for %s", what).doesNotContain("\n").hasSizeLessThanOrEqualTo(400);
  }

  private record Verdict(boolean accepted, TrainingEvent event, String reason, Throwable escaped) {}

  private static Verdict decode(byte[] value) {
    try {
      return new Verdict(true, EventCodec.decode(value), null, null);
    } catch (InvalidEventException e) {
      return new Verdict(false, null, e.getMessage(), null);
    } catch (RuntimeException | StackOverflowError e) {
      return new Verdict(false, null, null, e);
    }
  }
}
