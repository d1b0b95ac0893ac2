package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SpecVersion;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.TrainingEvent;
import io.trainwatch.simulator.RunProfile;
import io.trainwatch.simulator.SimulatedRun;
import java.io.IOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FleetTest {

  private static final String BASE = "https://trainwatch.io/schemas/v1/";
  private static final JsonSchema EVENT_SCHEMA =
      JsonSchemaFactory.getInstance(
              SpecVersion.VersionFlag.V202012,
              b -> b.schemaMappers(m -> m.mapPrefix(BASE, "classpath:trainwatch/schemas/json/")))
          .getSchema(SchemaLocation.of(BASE + "event.schema.json"));

  private static List<TrainingEvent> generate(FleetSpec spec, long batches) {
    List<TrainingEvent> out = new ArrayList<>();
    new Fleet(spec).events(batches, 1_795_687_200_000L, 100).forEachRemaining(out::add);
    return out;
  }

  @Test
  void shouldGenerateTheSameEventsForTheSameSeed() {
    FleetSpec spec = new FleetSpec("fleet", 50, 0.1, 7);

    assertThat(generate(spec, 500)).isEqualTo(generate(spec, 500));
    assertThat(generate(spec, 500)).isNotEqualTo(generate(new FleetSpec("fleet", 50, 0.1, 8), 500));
  }

  @Test
  void shouldStartEveryRunBeforeItsFirstBatchAndKeepStepsInOrder() {
    Fleet fleet = new Fleet(new FleetSpec("fleet", 40, 0.1, 1));
    Set<String> started = new HashSet<>();
    Map<String, Long> lastStep = new HashMap<>();
    long batches = 0;
    for (Iterator<TrainingEvent> it = fleet.events(1000, 0, 100); it.hasNext(); ) {
      TrainingEvent e = it.next();
      if (e instanceof RunStarted) {
        assertThat(started.add(e.runId())).as("one run_started per run").isTrue();
      } else if (e instanceof BatchEvent b) {
        batches++;
        assertThat(started).contains(b.runId());
        assertThat(b.step()).isEqualTo(lastStep.getOrDefault(b.runId(), -1L) + 1);
        lastStep.put(b.runId(), b.step());
      }
    }
    assertThat(batches).isEqualTo(1000);
    assertThat(started).hasSize(40);
    assertThat(lastStep.values())
        .allMatch(step -> step == 24, "every run advanced equally: 1000 / 40 batches");
    assertThat(fleet.eventCount(1000)).isEqualTo(1040);
  }

  @Test
  void shouldMakeTheRequestedShareOfRunsFaulty() {
    Fleet fleet = new Fleet(new FleetSpec("fleet", 1000, 0.03, 3));

    assertThat(fleet.faultyRuns()).isEqualTo(30);
    assertThat(fleet.runs())
        .extracting(SimulatedRun::profile)
        .contains(
            RunProfile.SOFTMAX_INTO_NLL,
            RunProfile.UNNORMALIZED_INPUT,
            RunProfile.DIVERGING,
            RunProfile.GAUSSIAN_NLL,
            RunProfile.HEALTHY);
  }

  @Test
  void shouldWriteEventsTheContractAccepts() throws IOException {
    ObjectMapper plain = new ObjectMapper();
    for (TrainingEvent e : generate(new FleetSpec("fleet", 60, 0.2, 11), 3000)) {
      byte[] json = EventCodec.encode(e);
      assertThat(EVENT_SCHEMA.validate(plain.readTree(json)))
          .as("schema errors for %s", e)
          .isEmpty();
      assertThat(EventCodec.decode(json)).isEqualTo(e);
    }
  }

  @Test
  void shouldShowEachFaultsSignature() {
    Map<RunProfile, List<BatchEvent>> byProfile = new HashMap<>();
    Fleet fleet = new Fleet(new FleetSpec("fleet", 200, 0.5, 5));
    Map<String, RunProfile> profiles = new HashMap<>();
    fleet.runs().forEach(r -> profiles.put(r.runId(), r.profile()));
    fleet
        .events(200 * 100, 0, 100)
        .forEachRemaining(
            e -> {
              if (e instanceof BatchEvent b) {
                byProfile.computeIfAbsent(profiles.get(b.runId()), p -> new ArrayList<>()).add(b);
              }
            });

    assertThat(byProfile.get(RunProfile.SOFTMAX_INTO_NLL))
        .allMatch(b -> b.loss() <= 0 && b.loss() >= -1 && b.output().rowSumMean() == 1.0);
    assertThat(byProfile.get(RunProfile.UNNORMALIZED_INPUT)).allMatch(b -> b.input().max() == 255);
    assertThat(byProfile.get(RunProfile.DIVERGING))
        .anyMatch(b -> Double.isNaN(b.loss()) && b.output().nonfinite() > 0);
    assertThat(byProfile.get(RunProfile.HEALTHY))
        .allMatch(
            b -> b.loss() > 0 && Double.isFinite(b.loss()) && Math.abs(b.input().mean()) < 0.2);
    assertThat(byProfile.get(RunProfile.GAUSSIAN_NLL)).anyMatch(b -> b.loss() < 0);
  }
}
