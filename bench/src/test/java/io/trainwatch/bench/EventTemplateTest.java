package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.JobFault;
import io.trainwatch.simulator.SimulatedJob;
import java.util.List;
import org.junit.jupiter.api.Test;

class EventTemplateTest {

  private static final SimulatedJob JOB =
      new SimulatedJob("job-a", List.of("n0", "n0", "n1", "n1"), 11, JobFault.NONE);

  @Test
  void shouldRenderTheBatchWithTheStepsValues() {
    BatchEvent batch = JOB.batch(2, 5, 0);
    EventTemplate template = EventTemplate.of(batch);

    for (long step : new long[] {0, 7, 10, 999, 123_456}) {
      long ts = 1_767_225_600_000L + step;
      double loss = JOB.loss(2, step);
      byte[] rendered =
          template.render(
              ts, step, loss, JOB.stepMs(step), JOB.dataMs(2, step), JOB.computeMs(2, step));

      BatchEvent expected =
          withValues(
              batch,
              ts,
              step,
              loss,
              EventTemplate.roundedMs(JOB.stepMs(step)),
              EventTemplate.roundedMs(JOB.dataMs(2, step)),
              EventTemplate.roundedMs(JOB.computeMs(2, step)));
      assertThat(EventCodec.decode(rendered)).isEqualTo(expected);
    }
  }

  @Test
  void shouldWriteTimingsToTheMicrosecond() {
    EventTemplate template = EventTemplate.of(JOB.batch(0, 0, 0));

    BatchEvent b = (BatchEvent) EventCodec.decode(template.render(5, 6, 1.5, 100.0004, 0.05, 7.0));

    assertThat(b.stepMs()).isEqualTo(100.0);
    assertThat(b.dataMs()).isEqualTo(0.05);
    assertThat(b.computeMs()).isEqualTo(7.0);
    assertThat(b.tsMs()).isEqualTo(5);
    assertThat(b.step()).isEqualTo(6);
    assertThat(b.loss()).isEqualTo(1.5);
  }

  @Test
  void shouldRefuseANonFiniteLoss() {
    EventTemplate template = EventTemplate.of(JOB.batch(0, 0, 0));

    assertThatThrownBy(() -> template.render(1, 1, Double.NaN, 1, 1, 1))
        .isInstanceOf(IllegalArgumentException.class);
  }

  private static BatchEvent withValues(
      BatchEvent b,
      long ts,
      long step,
      double loss,
      double stepMs,
      double dataMs,
      double computeMs) {
    return new BatchEvent(
        b.runId(),
        ts,
        step,
        b.epoch(),
        b.batchSize(),
        loss,
        b.input(),
        b.output(),
        b.predictions(),
        b.gradNorm(),
        b.firstLayerGradNorm(),
        b.lr(),
        stepMs,
        dataMs,
        computeMs,
        b.lossScale(),
        b.skipped());
  }
}
