package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.Severity;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class AlertFilterTest {

  private final Alert warning =
      TestAlerts.firing("run-1", "loss_plateau", Severity.WARNING, "cifar");
  private final Alert critical =
      TestAlerts.firing("run-1", "negative_loss", Severity.CRITICAL, "cifar");

  @Test
  void shouldLetEverythingThroughByDefault() {
    assertThat(AlertFilter.all().accepts(warning)).isTrue();
    assertThat(AlertFilter.all().accepts(TestAlerts.withJob(critical, null))).isTrue();
  }

  @Test
  void shouldDropAlertsBelowTheMinimumSeverity() {
    AlertFilter f =
        filter(Severity.ERROR, Set.of(), Set.of(), Set.of(), Set.of(), Map.of(), Map.of());

    assertThat(f.accepts(critical)).isTrue();
    assertThat(f.accepts(warning)).isFalse();
  }

  @Test
  void shouldIncludeAndExcludeByRule() {
    assertThat(
            filter(null, Set.of("negative_loss"), Set.of(), Set.of(), Set.of(), Map.of(), Map.of())
                .accepts(warning))
        .isFalse();
    assertThat(
            filter(null, Set.of(), Set.of("loss_plateau"), Set.of(), Set.of(), Map.of(), Map.of())
                .accepts(warning))
        .isFalse();
    assertThat(
            filter(null, Set.of(), Set.of("loss_plateau"), Set.of(), Set.of(), Map.of(), Map.of())
                .accepts(critical))
        .isTrue();
  }

  @Test
  void shouldIncludeAndExcludeByJob() {
    assertThat(
            filter(null, Set.of(), Set.of(), Set.of("imagenet"), Set.of(), Map.of(), Map.of())
                .accepts(critical))
        .isFalse();
    assertThat(
            filter(null, Set.of(), Set.of(), Set.of("cifar"), Set.of(), Map.of(), Map.of())
                .accepts(critical))
        .isTrue();
    assertThat(
            filter(null, Set.of(), Set.of(), Set.of(), Set.of("cifar"), Map.of(), Map.of())
                .accepts(critical))
        .isFalse();
    assertThat(
            filter(null, Set.of(), Set.of(), Set.of("cifar"), Set.of(), Map.of(), Map.of())
                .accepts(TestAlerts.withJob(critical, null)))
        .isFalse();
  }

  @Test
  void shouldRequireAllIncludedLabelsAndNoExcludedOne() {
    Alert prod = TestAlerts.withLabels(critical, Map.of("team", "vision", "env", "prod"));
    AlertFilter visionProd =
        filter(
            null,
            Set.of(),
            Set.of(),
            Set.of(),
            Set.of(),
            Map.of("team", "vision", "env", "prod"),
            Map.of());
    AlertFilter notDev =
        filter(null, Set.of(), Set.of(), Set.of(), Set.of(), Map.of(), Map.of("env", "dev"));

    assertThat(visionProd.accepts(prod)).isTrue();
    assertThat(visionProd.accepts(TestAlerts.withLabels(critical, Map.of("team", "vision"))))
        .isFalse();
    assertThat(notDev.accepts(prod)).isTrue();
    assertThat(notDev.accepts(TestAlerts.withLabels(critical, Map.of("env", "dev")))).isFalse();
  }

  @Test
  void shouldTreatAResolveLikeItsTrigger() {
    AlertFilter f =
        filter(
            Severity.CRITICAL,
            Set.of("negative_loss"),
            Set.of(),
            Set.of("cifar"),
            Set.of(),
            Map.of("team", "vision"),
            Map.of());

    assertThat(f.accepts(critical)).isTrue();
    assertThat(f.accepts(TestAlerts.resolved(critical))).isTrue();
  }

  private static AlertFilter filter(
      Severity min,
      Set<String> inRules,
      Set<String> exRules,
      Set<String> inJobs,
      Set<String> exJobs,
      Map<String, String> inLabels,
      Map<String, String> exLabels) {
    return new AlertFilter(min, inRules, exRules, inJobs, exJobs, inLabels, exLabels);
  }
}
