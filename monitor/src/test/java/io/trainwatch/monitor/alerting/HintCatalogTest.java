package io.trainwatch.monitor.alerting;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import io.trainwatch.monitor.rules.Rule;
import io.trainwatch.monitor.rules.RuleDefinition;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.run.RunInfo;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

class HintCatalogTest {

  private final HintCatalog catalog = HintCatalog.standard();

  @Test
  void shouldCoverEveryDiagnosisOfEveryRuleWithAGenericHintAndNothingElse() {
    for (Rule rule : Rules.all()) {
      assertThat(catalog.diagnoses(rule.id()))
          .as(rule.id().id())
          .containsExactlyInAnyOrderElementsOf(rule.diagnoses());
      for (String diagnosis : rule.diagnoses()) {
        assertThat(catalog.templates(rule.id(), diagnosis))
            .as(rule.id() + "/" + diagnosis)
            .containsKeys("summary", "title", "hint.generic", "hint.dl4j", "hint.pytorch");
      }
    }
    for (RuleDefinition rule : Rules.fleet()) {
      assertThat(catalog.diagnoses(rule.id()))
          .as(rule.id().id())
          .containsExactlyInAnyOrderElementsOf(rule.diagnoses());
      for (String diagnosis : rule.diagnoses()) {
        assertThat(catalog.templates(rule.id(), diagnosis))
            .as(rule.id() + "/" + diagnosis)
            .containsKeys("summary", "title", "hint.generic");
      }
    }
    assertThat(catalog.rules()).containsExactlyInAnyOrder(RuleId.values());
  }

  @Test
  void shouldHaveAScenarioForEveryDiagnosis() {
    Set<String> covered =
        DiagnosisScenarios.all().stream()
            .map(s -> s.rule() + "/" + s.diagnosis())
            .collect(Collectors.toSet());
    Set<String> declared =
        Rules.all().stream()
            .flatMap(r -> r.diagnoses().stream().map(d -> r.id() + "/" + d))
            .collect(Collectors.toSet());

    assertThat(covered).isEqualTo(declared);
  }

  @Test
  void shouldResolveEveryPlaceholderFromTheEvidenceRulesReallyProduce() {
    for (DiagnosisScenarios.Scenario s : DiagnosisScenarios.all()) {
      assertThat(s.finding().diagnosis()).as("scenario " + s.diagnosis()).isEqualTo(s.diagnosis());
      Map<String, Object> values = new HashMap<>(s.finding().evidence());
      values.put("batches", 3);
      values.put("run_id", "r");
      values.put("rule", s.rule().id());
      values.put("step", 5L);
      for (Map.Entry<String, String> t : catalog.templates(s.rule(), s.diagnosis()).entrySet()) {
        String rendered = HintCatalog.render(t.getValue(), values);
        assertThat(HintCatalog.placeholders(rendered))
            .as(s.rule() + "/" + s.diagnosis() + " " + t.getKey())
            .isEmpty();
        assertThat(rendered)
            .as(s.rule() + "/" + s.diagnosis() + " " + t.getKey())
            .doesNotContain("[[", "]]", "n/a");
      }
    }
  }

  @Test
  void shouldPublishAlertsWithResolvedHintsForEveryFramework() {
    AlertFactory factory = new AlertFactory(catalog);
    for (DiagnosisScenarios.Scenario s : DiagnosisScenarios.all()) {
      Map<String, Object> evidence = new LinkedHashMap<>(s.finding().evidence());
      evidence.put("batches", 3);
      Emission e =
          new Emission(
              s.rule(),
              AlertStatus.FIRING,
              1,
              s.diagnosis(),
              s.finding(),
              evidence,
              1000,
              1300,
              5L,
              3,
              null);

      Alert a = factory.toAlert("run-7", s.run(), new RunInfo(Map.of("team", "ml")), e);

      assertThat(a.summary())
          .startsWith("run-7: " + s.rule().id() + ": ")
          .hasSizeLessThanOrEqualTo(1024)
          .doesNotContain("\n");
      assertThat(HintCatalog.placeholders(a.summary() + a.hint())).isEmpty();
      assertThat(a.hint()).isNotBlank().hasSizeLessThanOrEqualTo(8192);
    }
  }

  @Test
  void shouldUseTheRunsFrameworkWordsAndFallBackToGeneric() {
    Map<String, Object> values =
        Map.of(
            "loss",
            -0.1,
            "lower_bound",
            0.0,
            "output_min",
            0.01,
            "output_max",
            0.4,
            "output_row_sum_mean",
            1.0,
            "loss_name",
            "nll_loss");

    String pytorch = catalog.hint(RuleId.NEGATIVE_LOSS, "softmax_into_nll", "pytorch", values);
    String dl4j = catalog.hint(RuleId.NEGATIVE_LOSS, "softmax_into_nll", "DeepLearning4J", values);
    String jax = catalog.hint(RuleId.NEGATIVE_LOSS, "softmax_into_nll", "jax", values);

    assertThat(pytorch)
        .contains("use LogSoftmax, or CrossEntropyLoss on logits")
        .contains("loss is -0.1");
    assertThat(dl4j)
        .contains("LossMCXENT")
        .contains("Activation.SOFTMAX")
        .contains("DL4J's NLL takes probabilities");
    assertThat(jax)
        .isEqualTo(catalog.hint(RuleId.NEGATIVE_LOSS, "softmax_into_nll", "generic", values));
  }

  @Test
  void shouldTellAPyTorchUserToApplyLogSoftmaxToRawLogits() {
    Map<String, Object> values =
        Map.of("loss", -1.2e25, "lower_bound", 0.0, "output_min", -9.1e24, "output_max", 1.3e25);

    String pytorch = catalog.hint(RuleId.NEGATIVE_LOSS, "logits_into_nll", "pytorch", values);

    assertThat(pytorch)
        .contains("apply log_softmax, or use cross_entropy on the logits")
        .contains("F.log_softmax(logits, dim=1)")
        .contains("nn.CrossEntropyLoss")
        .doesNotContain("{");
    assertThat(catalog.hint(RuleId.NEGATIVE_LOSS, "logits_into_nll", "dl4j", values))
        .contains("LossMCXENT");
  }

  @Test
  void shouldKeepAnOptionalSegmentOnlyWhenAllItsValuesArePresent() {
    String template = "loss {loss}[[, rows sum to {row_sum}]][[ ({name})]].";
    Map<String, Object> values = new HashMap<>();
    values.put("loss", 1.5);
    values.put("name", null);

    assertThat(HintCatalog.render(template, values)).isEqualTo("loss 1.5.");
    values.put("row_sum", 0.99712);
    assertThat(HintCatalog.render(template, values)).isEqualTo("loss 1.5, rows sum to 0.9971.");
  }

  @Test
  void shouldRenderNumbersTheSameWayOnAHostWithAnotherLocale() {
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    try {
      Map<String, Object> values = new HashMap<>();
      values.put("loss", -0.1031);
      values.put("lr", 0.000012345);
      values.put("share", 0.975);
      assertThat(HintCatalog.render("loss {loss}, lr {lr}, {share:%} of rows", values))
          .isEqualTo("loss -0.1031, lr 1.235e-05, 97.5% of rows");
    } finally {
      Locale.setDefault(before);
    }
  }

  @Test
  void shouldRefuseACatalogWithoutAGenericHint() {
    String json =
        "{\"negative_loss\": {\"summary\": \"s\", \"diagnoses\": {\"x\": {\"title\": \"t\","
            + " \"hint\": {\"dl4j\": \"d\"}}}}}";

    assertThatIllegalArgumentException()
        .isThrownBy(() -> HintCatalog.parse(json.getBytes(StandardCharsets.UTF_8)))
        .withMessage("hints.negative_loss.diagnoses.x.hint.generic: required");
  }

  @Test
  void shouldRefuseAnUnknownRule() {
    assertThatIllegalArgumentException()
        .isThrownBy(
            () -> HintCatalog.parse("{\"no_such_rule\": {}}".getBytes(StandardCharsets.UTF_8)))
        .withMessage("hints.no_such_rule: unknown rule");
  }
}
