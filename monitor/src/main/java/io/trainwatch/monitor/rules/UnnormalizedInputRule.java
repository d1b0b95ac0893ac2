package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.run.RunState;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.InputEncoding;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.Stats;
import java.util.List;
import java.util.Optional;

/**
 * {@code unnormalized_input} (warning): the network's inputs are far outside a normalized range.
 *
 * <p>Without a declared range the inputs are unnormalized when {@code max|x| > max_abs}, {@code std
 * > max_std} or {@code |mean| > max_mean} (defaults 20, 10, 10). Standardized data (mean 0, std 1,
 * rare values up to about 10) and data scaled to [0, 1] or [-1, 1] are well inside; pixels in
 * 0..255 (std about 70) and raw features in the hundreds are far outside. With a declared {@code
 * input_range} [lo, hi] the inputs must stay within it, give or take {@code range_tolerance} times
 * its width.
 *
 * <p>A run that declared {@code input_encoding: token_ids} is never judged: its inputs are integer
 * indices into a vocabulary or an embedding table (a GPT-2 token id goes up to 50,256), not
 * features. Pixels are features whatever their type (0..255 floats, or {@code uint8}, which the
 * trainers publish as features), so they are still caught.
 *
 * <p>Diagnoses: {@code pixel_scale} (values in 0..255 reaching well above 1: unscaled image
 * pixels), {@code outside_declared_range}, {@code raw_scale} (features never normalized).
 */
public final class UnnormalizedInputRule implements Rule {

  public static final Param MAX_ABS =
      Param.number(
          "max_abs",
          20,
          0,
          1e12,
          "Largest absolute input value a normalized batch may contain (no declared input_range).");
  public static final Param MAX_STD =
      Param.number(
          "max_std",
          10,
          0,
          1e12,
          "Largest standard deviation of the inputs of a normalized batch (no declared input_range).");
  public static final Param MAX_MEAN =
      Param.number(
          "max_mean",
          10,
          0,
          1e12,
          "Largest absolute mean of the inputs of a normalized batch (no declared input_range).");
  public static final Param RANGE_TOLERANCE =
      Param.number(
          "range_tolerance",
          0.5,
          0,
          1e6,
          "How far outside a declared input_range [lo, hi] values may go, as a fraction of hi - lo.");

  public static final String PIXEL_SCALE = "pixel_scale";
  public static final String OUTSIDE_DECLARED_RANGE = "outside_declared_range";
  public static final String RAW_SCALE = "raw_scale";

  /** Pixels: never below 0, never above 255, and reaching at least a quarter of that scale. */
  private static final double PIXEL_MAX = 255;

  private static final double PIXEL_MIN_REACH = 64;

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.UNNORMALIZED_INPUT, 3, 20, MAX_ABS, MAX_STD, MAX_MEAN, RANGE_TOLERANCE);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(PIXEL_SCALE, OUTSIDE_DECLARED_RANGE, RAW_SCALE);
  }

  @Override
  public boolean appliesTo(RunState run, BatchEvent batch, RuleSettings settings) {
    // Token ids are not features; non-finite inputs are the non-finite rule's business; an empty
    // batch says nothing.
    return run.inputEncoding() != InputEncoding.TOKEN_IDS
        && batch.input().count() > 0
        && batch.input().allFinite()
        && Double.isFinite(batch.input().std());
  }

  @Override
  public Optional<Finding> evaluate(RunState run, BatchEvent batch, RuleSettings settings) {
    Stats in = batch.input();
    double maxAbs = Math.max(Math.abs(in.min()), Math.abs(in.max()));
    InputRange range = run.inputRange();
    boolean outside;
    if (range != null) {
      double width = range.max() - range.min();
      double slack = settings.number(RANGE_TOLERANCE) * (width > 0 ? width : 1);
      outside = in.min() < range.min() - slack || in.max() > range.max() + slack;
    } else {
      outside =
          maxAbs > settings.number(MAX_ABS)
              || in.std() > settings.number(MAX_STD)
              || Math.abs(in.mean()) > settings.number(MAX_MEAN);
    }
    if (!outside) {
      return Optional.empty();
    }
    Finding.Builder f =
        Finding.of(diagnose(in, range), maxAbs)
            .put("input_min", in.min())
            .put("input_max", in.max())
            .put("input_mean", in.mean())
            .put("input_std", in.std());
    if (range != null) {
      f.put("input_range_min", range.min()).put("input_range_max", range.max());
    } else {
      f.put("max_abs", settings.number(MAX_ABS))
          .put("max_std", settings.number(MAX_STD))
          .put("max_mean", settings.number(MAX_MEAN));
    }
    return Optional.of(f.build());
  }

  private static String diagnose(Stats in, InputRange range) {
    if (in.min() >= 0 && in.max() <= PIXEL_MAX && in.max() >= PIXEL_MIN_REACH) {
      return PIXEL_SCALE;
    }
    return range != null ? OUTSIDE_DECLARED_RANGE : RAW_SCALE;
  }
}
