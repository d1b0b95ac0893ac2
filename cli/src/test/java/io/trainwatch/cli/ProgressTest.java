package io.trainwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class ProgressTest {

  private final AtomicLong now = new AtomicLong(1_000);

  @Test
  void shouldCountStepsAndEstimateTheRestFromTheMeanStep() {
    Progress p = new Progress(4, now::get);
    now.addAndGet(30_000_000_000L);
    assertThat(p.step()).isEqualTo("[1/4] 30 s elapsed, about 1 min 30 s left");
    now.addAndGet(90_000_000_000L);
    assertThat(p.step()).isEqualTo("[2/4] 2 min 0 s elapsed, about 2 min 0 s left");
    p.step();
    assertThat(p.step()).isEqualTo("[4/4] 2 min 0 s elapsed, done");
  }

  @Test
  void shouldAnnounceTheNextStepAndSayWhenItCannotEstimateYet() {
    Progress p = new Progress(3, now::get);
    assertThat(p.next()).isEqualTo("[1/3] (time left: estimating)");
    now.addAndGet(3_600_000_000_000L);
    p.done();
    assertThat(p.next()).isEqualTo("[2/3] (1 h 0 min elapsed, about 2 h 0 min left)");
  }

  @Test
  void shouldRefuseAnEmptyTotal() {
    assertThatThrownBy(() -> Progress.start(0)).hasMessage("total=0: must be >= 1");
  }
}
