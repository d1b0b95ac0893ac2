package io.trainwatch.monitor.alerting;

import static io.trainwatch.monitor.testing.Events.batch;

import io.trainwatch.monitor.rules.ExplodingGradientRule;
import io.trainwatch.monitor.rules.Finding;
import io.trainwatch.monitor.rules.LossAtInitRule;
import io.trainwatch.monitor.rules.LossDivergenceRule;
import io.trainwatch.monitor.rules.LossPlateauRule;
import io.trainwatch.monitor.rules.LossScaleCollapseRule;
import io.trainwatch.monitor.rules.LossSpikeRule;
import io.trainwatch.monitor.rules.NegativeLossRule;
import io.trainwatch.monitor.rules.NonFiniteLossRule;
import io.trainwatch.monitor.rules.OutputCollapseRule;
import io.trainwatch.monitor.rules.Rule;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.StalledRunRule;
import io.trainwatch.monitor.rules.UnnormalizedInputRule;
import io.trainwatch.monitor.rules.VanishingGradientRule;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.monitor.testing.Histories;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.Stats;
import java.util.ArrayList;
import java.util.List;

/**
 * One realistic run per (rule, diagnosis), driven through the real rule, so that hint templates are
 * checked against the evidence rules really produce.
 */
final class DiagnosisScenarios {

  /** A rule's finding at the end of a scripted run. */
  record Scenario(RuleId rule, String diagnosis, RunState run, Finding finding) {}

  private DiagnosisScenarios() {}

  static List<Scenario> all() {
    List<Scenario> out = new ArrayList<>();
    // nonfinite_loss
    out.add(
        scenario(
            RuleId.NONFINITE_LOSS,
            NonFiniteLossRule.DIVERGED,
            Events.dl4jMcxent("r"),
            30,
            batch("r", 30)
                .loss(Double.NaN)
                .output(Events.nonfiniteOutputs(10))
                .gradNorm(Double.POSITIVE_INFINITY)
                .build()));
    out.add(
        scenario(
            RuleId.NONFINITE_LOSS,
            NonFiniteLossRule.NONFINITE_IN_LOSS,
            Events.pytorchNll("r"),
            10,
            batch("r", 10).loss(Double.POSITIVE_INFINITY).build()));
    out.add(
        scenario(
            RuleId.NONFINITE_LOSS,
            NonFiniteLossRule.NONFINITE_INPUT,
            Events.pytorchNll("r"),
            0,
            batch("r", 0)
                .loss(Double.NaN)
                .input(Stats.of(0, Double.NaN, Double.NaN, Double.NaN, 3, 640))
                .build()));
    // negative_loss
    out.add(
        scenario(
            RuleId.NEGATIVE_LOSS,
            NegativeLossRule.SOFTMAX_INTO_NLL,
            Events.pytorchNll("r"),
            5,
            batch("r", 5).loss(-0.12).build()));
    out.add(
        scenario(
            RuleId.NEGATIVE_LOSS,
            NegativeLossRule.LABELS_OUT_OF_RANGE,
            Events.started(
                "r",
                "pytorch",
                new LossDescriptor("BCEWithLogitsLoss", InputKind.LOGITS, null, 0.0),
                null,
                null),
            5,
            batch("r", 5).loss(-3.1).output(Events.logits(1)).build()));
    out.add(
        scenario(
            RuleId.NEGATIVE_LOSS,
            NegativeLossRule.LOGITS_INTO_NLL,
            Events.pytorchNll("r"),
            5,
            batch("r", 5).loss(-48.5).output(Events.logits(10)).build()));
    out.add(
        scenario(
            RuleId.NEGATIVE_LOSS,
            NegativeLossRule.KL_DIV_INPUTS,
            Events.started(
                "r", "pytorch", new LossDescriptor("KLDivLoss", null, null, 0.0), 10, null),
            5,
            batch("r", 5).loss(-0.04).output(Events.logits(10)).build()));
    out.add(
        scenario(
            RuleId.NEGATIVE_LOSS,
            NegativeLossRule.LOSS_BELOW_BOUND,
            Events.cosineProximity("r"),
            5,
            batch("r", 5).loss(-1.7).output(Events.logits(8)).build()));
    // unnormalized_input
    out.add(
        scenario(
            RuleId.UNNORMALIZED_INPUT,
            UnnormalizedInputRule.PIXEL_SCALE,
            Events.dl4jMcxent("r"),
            0,
            batch("r", 0).input(Events.pixels()).build()));
    out.add(
        scenario(
            RuleId.UNNORMALIZED_INPUT,
            UnnormalizedInputRule.OUTSIDE_DECLARED_RANGE,
            Events.started("r", "dl4j", null, 10, new InputRange(-1, 1)),
            0,
            batch("r", 0).input(Stats.of(-3, 4, 0.2, 1.5, 0, 640)).build()));
    out.add(
        scenario(
            RuleId.UNNORMALIZED_INPUT,
            UnnormalizedInputRule.RAW_SCALE,
            Events.pytorchNll("r"),
            0,
            batch("r", 0).input(Stats.of(-250, 4800, 903.2, 711.4, 0, 640)).build()));
    // loss_at_init
    out.add(
        scenario(
            RuleId.LOSS_AT_INIT,
            LossAtInitRule.INIT_LOSS_TOO_HIGH,
            Events.dl4jMcxent("r"),
            0,
            batch("r", 0).loss(48.0).build()));
    out.add(
        scenario(
            RuleId.LOSS_AT_INIT,
            LossAtInitRule.SOFTMAX_INTO_NLL,
            Events.pytorchNll("r"),
            0,
            batch("r", 0).loss(-0.1).build()));
    // loss_spike and loss_divergence: a converged run, then a jump (spike) or a climb (rising),
    // judged at once (loss_spike) and once it has lasted 30 batches (loss_divergence)
    out.add(
        scenario(
            RuleId.LOSS_SPIKE,
            LossSpikeRule.SUDDEN_SPIKE,
            Events.dl4jMcxent("r"),
            100,
            batch("r", 100).loss(9.0).build()));
    RunState spiked = history(Events.dl4jMcxent("r"), 100);
    for (int step = 100; step < 130; step++) {
      Histories.observe(spiked, batch("r", step).loss(9.0 + 0.01 * (step % 3)).build());
    }
    out.add(
        judge(
            RuleId.LOSS_DIVERGENCE,
            LossDivergenceRule.LOSS_SPIKE,
            spiked,
            batch("r", 130).loss(9.0).build()));
    RunState climbing = history(Events.pytorchNll("r"), 100);
    for (int step = 100; step < 120; step++) {
      Histories.observe(climbing, batch("r", step).loss(0.5 + (step - 99) * 0.02).build());
    }
    out.add(
        judge(
            RuleId.LOSS_SPIKE,
            LossSpikeRule.GRADUAL_RISE,
            climbing,
            batch("r", 120).loss(0.92).build()));
    for (int step = 120; step < 150; step++) {
      Histories.observe(climbing, batch("r", step).loss(0.5 + (step - 99) * 0.02).build());
    }
    out.add(
        judge(
            RuleId.LOSS_DIVERGENCE,
            LossDivergenceRule.LOSS_RISING,
            climbing,
            batch("r", 150).loss(1.6).build()));
    // loss_scale_collapse: an AMP run whose scaler skips every step from step 100
    RunState amp = RunState.started(null, RunProfile.of(Events.pytorchNll("r"), List.of()), 0, 0);
    double scale = 65536;
    for (int step = 0; step < 104; step++) {
      boolean skip = step < 3 || step >= 100;
      Histories.observe(
          amp,
          batch("r", step)
              .loss(2.0)
              .gradNorm(skip ? Double.POSITIVE_INFINITY : 1.0)
              .lossScale(scale, skip)
              .build());
      scale = skip ? scale / 2 : scale;
    }
    out.add(
        judge(
            RuleId.LOSS_SCALE_COLLAPSE,
            LossScaleCollapseRule.NONFINITE_GRADIENTS,
            amp,
            batch("r", 104)
                .loss(2.0)
                .gradNorm(Double.POSITIVE_INFINITY)
                .lossScale(scale, true)
                .build()));
    out.add(
        judge(
            RuleId.LOSS_SCALE_COLLAPSE,
            LossScaleCollapseRule.NONFINITE_FORWARD,
            amp,
            batch("r", 104)
                .loss(Double.NaN)
                .output(Events.nonfiniteOutputs(10))
                .gradNorm(Double.NaN)
                .lossScale(scale, true)
                .build()));
    // loss_plateau: flat at the start level, or a little progress then flat
    out.add(
        judge(
            RuleId.LOSS_PLATEAU,
            LossPlateauRule.NOT_LEARNING,
            flat(Events.dl4jMcxent("r"), 2.3, 2.3, 300),
            batch("r", 300).loss(2.3).build()));
    out.add(
        judge(
            RuleId.LOSS_PLATEAU,
            LossPlateauRule.STALLED,
            flat(Events.pytorchNll("r"), 2.3, 2.0, 300),
            batch("r", 300).loss(2.0).build()));
    // gradients
    out.add(
        scenario(
            RuleId.EXPLODING_GRADIENT,
            ExplodingGradientRule.GRADIENT_SPIKE,
            Events.dl4jMcxent("r"),
            30,
            batch("r", 30).gradNorm(5000.0).build()));
    out.add(
        scenario(
            RuleId.EXPLODING_GRADIENT,
            ExplodingGradientRule.NONFINITE_GRADIENT,
            Events.pytorchNll("r"),
            30,
            batch("r", 30).gradNorm(Double.NaN).build()));
    out.add(
        scenario(
            RuleId.VANISHING_GRADIENT,
            VanishingGradientRule.FIRST_LAYER_GRADIENT_VANISHED,
            Events.dl4jMcxent("r"),
            3,
            batch("r", 3).loss(2.3).gradNorm(0.49).firstLayerGradNorm(4.0e-10).build()));
    out.add(
        judge(
            RuleId.VANISHING_GRADIENT,
            VanishingGradientRule.GRADIENT_VANISHED,
            flat(Events.dl4jMcxent("r"), 2.3, 2.3, 40),
            batch("r", 40).loss(2.3).gradNorm(1e-7).build()));
    // output_collapse
    out.add(
        scenario(
            RuleId.OUTPUT_COLLAPSE,
            OutputCollapseRule.SINGLE_CLASS,
            Events.dl4jMcxent("r"),
            30,
            batch("r", 30).predictions(new Predictions(1.0, 0.0)).build()));
    out.add(
        scenario(
            RuleId.OUTPUT_COLLAPSE,
            OutputCollapseRule.DEAD_OUTPUTS,
            Events.pytorchNll("r"),
            30,
            batch("r", 30)
                .predictions(new Predictions(1.0, 0.0))
                .output(new Stats(0.1, 0.1, 0.1, 0, 0, 320, 1.0, 0.0))
                .build()));
    // stalled_run, judged on the wall clock
    StalledRunRule stall = new StalledRunRule();
    RunState started = history(Events.dl4jMcxent("r"), 0);
    out.add(
        new Scenario(
            RuleId.STALLED_RUN,
            StalledRunRule.NO_BATCHES,
            started,
            stall.evaluateAt(started, 700_000, 0, stall.spec().defaults()).orElseThrow()));
    RunState stopped = history(Events.pytorchNll("r"), 50);
    out.add(
        new Scenario(
            RuleId.STALLED_RUN,
            StalledRunRule.STOPPED_REPORTING,
            stopped,
            stall.evaluateAt(stopped, 50 + 601_000, 0, stall.spec().defaults()).orElseThrow()));
    // crash_loop, judged over a job's attempts by the guard
    out.add(crashLoop());
    return out;
  }

  /** Attempts 1-3 of job j failed with NaN from checkpoint 20: the start of attempt 4 is a loop. */
  private static Scenario crashLoop() {
    Finding.Builder f =
        Finding.of(io.trainwatch.monitor.rules.CrashLoopRule.SAME_FAULT_NO_PROGRESS, 3);
    crashLoopEvidence().forEach(f::put);
    f.put("job", "j");
    f.put("stop_verb", "told to stop");
    return new Scenario(
        RuleId.CRASH_LOOP,
        io.trainwatch.monitor.rules.CrashLoopRule.SAME_FAULT_NO_PROGRESS,
        history(Events.dl4jMcxent("r"), 0),
        f.build());
  }

  private static java.util.Map<String, Object> crashLoopEvidence() {
    // Replays the start of the looping attempt on the state before it, to get the guard's own
    // evidence.
    io.trainwatch.monitor.actions.JobAttempts before =
        new io.trainwatch.monitor.actions.JobAttempts(
            3,
            java.util.Set.of("j-a3"),
            "nonfinite_loss",
            20,
            20,
            "/c/20",
            2,
            "nonfinite_loss",
            0,
            false,
            0,
            -1);
    return io.trainwatch.monitor.actions.CrashLoopGuard.apply(
            before, io.trainwatch.monitor.actions.AttemptSignal.started("j-a4", 4, 9), 3)
        .emission()
        .orElseThrow()
        .evidence();
  }

  /** Judges {@code trigger} after {@code warmup} healthy batches. */
  private static Scenario scenario(
      RuleId id, String diagnosis, RunStarted started, int warmup, BatchEvent trigger) {
    return judge(id, diagnosis, history(started, warmup), trigger);
  }

  /**
   * A run with {@code batches} healthy batches observed: a loss decaying from 2.6 to 0.3, gradients
   * near 1.3.
   */
  private static RunState history(RunStarted started, int batches) {
    RunState run = RunState.started(null, RunProfile.of(started, List.of()), started.tsMs(), 0);
    for (int step = 0; step < batches; step++) {
      Histories.observe(
          run,
          batch("r", step).loss(2.3 * Math.exp(-step / 20.0) + 0.3 + 0.01 * (step % 3)).build());
    }
    return run;
  }

  /** A run whose loss starts at {@code start} and sits at {@code level} after 10 batches. */
  private static RunState flat(RunStarted started, double start, double level, int batches) {
    RunState run = RunState.started(null, RunProfile.of(started, List.of()), started.tsMs(), 0);
    for (int step = 0; step < batches; step++) {
      double loss = step < 10 ? start : level + 0.001 * (step % 2);
      Histories.observe(run, batch("r", step).loss(loss).build());
    }
    return run;
  }

  /** Judges {@code trigger} with rule {@code id}, which must fire with {@code diagnosis}. */
  private static Scenario judge(RuleId id, String diagnosis, RunState run, BatchEvent trigger) {
    Rule rule = (Rule) Rules.get(id);
    var settings = rule.spec().defaults();
    if (!rule.appliesTo(run, trigger, settings)) {
      throw new IllegalStateException(
          rule.id() + " does not apply to the " + diagnosis + " scenario");
    }
    Finding f =
        rule.evaluate(run, trigger, settings)
            .orElseThrow(
                () ->
                    new IllegalStateException(
                        rule.id() + " did not fire in the " + diagnosis + " scenario"));
    return new Scenario(rule.id(), diagnosis, run, f);
  }
}
