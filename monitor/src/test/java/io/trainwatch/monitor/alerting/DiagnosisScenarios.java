package io.trainwatch.monitor.alerting;

import static io.trainwatch.monitor.testing.Events.batch;

import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.NegativeLossRule;
import io.trainwatch.monitor.rules.NonFiniteLossRule;
import io.trainwatch.monitor.rules.Rule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.UnnormalizedInputRule;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Stats;
import java.util.ArrayList;
import java.util.List;

/**
 * One realistic run per (rule, diagnosis), driven through the real rule, so that hint templates are checked
 * against the evidence rules really produce.
 */
final class DiagnosisScenarios {

  /** A rule's finding at the end of a scripted run. */
  record Scenario(RuleId rule, String diagnosis, RunState run, Finding finding) {}

  private DiagnosisScenarios() {}

  static List<Scenario> all() {
    List<Scenario> out = new ArrayList<>();
    // nonfinite_loss
    out.add(scenario(NonFiniteLossRule.DIVERGED, Events.dl4jMcxent("r"), 30,
        batch("r", 30).loss(Double.NaN).output(Events.nonfiniteOutputs(10)).gradNorm(Double.POSITIVE_INFINITY)
            .build()));
    out.add(scenario(NonFiniteLossRule.NONFINITE_IN_LOSS, Events.pytorchNll("r"), 10,
        batch("r", 10).loss(Double.POSITIVE_INFINITY).build()));
    out.add(scenario(NonFiniteLossRule.NONFINITE_INPUT, Events.pytorchNll("r"), 0,
        batch("r", 0).loss(Double.NaN).input(Stats.of(0, Double.NaN, Double.NaN, Double.NaN, 3, 640)).build()));
    // negative_loss
    out.add(scenario(NegativeLossRule.SOFTMAX_INTO_NLL, Events.pytorchNll("r"), 5,
        batch("r", 5).loss(-0.12).build()));
    out.add(scenario(NegativeLossRule.LABELS_OUT_OF_RANGE, Events.started("r", "pytorch",
        new LossDescriptor("BCEWithLogitsLoss", InputKind.LOGITS, null, 0.0), null, null), 5,
        batch("r", 5).loss(-3.1).output(Events.logits(1)).build()));
    out.add(scenario(NegativeLossRule.KL_DIV_INPUTS, Events.started("r", "pytorch",
        new LossDescriptor("KLDivLoss", null, null, 0.0), 10, null), 5,
        batch("r", 5).loss(-0.04).output(Events.logits(10)).build()));
    out.add(scenario(NegativeLossRule.LOSS_BELOW_BOUND, Events.cosineProximity("r"), 5,
        batch("r", 5).loss(-1.7).output(Events.logits(8)).build()));
    // unnormalized_input
    out.add(scenario(UnnormalizedInputRule.PIXEL_SCALE, Events.dl4jMcxent("r"), 0,
        batch("r", 0).input(Events.pixels()).build()));
    out.add(scenario(UnnormalizedInputRule.OUTSIDE_DECLARED_RANGE,
        Events.started("r", "dl4j", null, 10, new InputRange(-1, 1)), 0,
        batch("r", 0).input(Stats.of(-3, 4, 0.2, 1.5, 0, 640)).build()));
    out.add(scenario(UnnormalizedInputRule.RAW_SCALE, Events.pytorchNll("r"), 0,
        batch("r", 0).input(Stats.of(-250, 4800, 903.2, 711.4, 0, 640)).build()));
    return out;
  }

  /**
   * Runs {@code warmup} healthy batches through the history, then judges {@code trigger} with the rule that owns
   * {@code diagnosis}.
   */
  private static Scenario scenario(String diagnosis, RunStarted started, int warmup, BatchEvent trigger) {
    Rule rule = Rules.all().stream().filter(r -> r.diagnoses().contains(diagnosis)).findFirst().orElseThrow();
    RunState run = RunState.started(null, RunProfile.of(started, List.of()), started.tsMs(), 0);
    for (int step = 0; step < warmup; step++) {
      run.observe(batch("r", step).loss(2.3 - step * 0.01).build(), step);
    }
    var settings = rule.spec().defaults();
    if (!rule.appliesTo(run, trigger, settings)) {
      throw new IllegalStateException(rule.id() + " does not apply to the " + diagnosis + " scenario");
    }
    Finding f = rule.evaluate(run, trigger, settings).orElseThrow(
        () -> new IllegalStateException(rule.id() + " did not fire in the " + diagnosis + " scenario"));
    return new Scenario(rule.id(), diagnosis, run, f);
  }
}
