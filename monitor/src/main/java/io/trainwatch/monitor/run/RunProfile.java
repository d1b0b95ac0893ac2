package io.trainwatch.monitor.run;

import io.trainwatch.schemas.InputEncoding;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.RunStarted;
import java.util.List;
import java.util.Locale;

/**
 * What a run declared about itself in {@code run_started}, as far as rules need it. Immutable.
 *
 * @param framework lower-cased framework name ({@code dl4j}, {@code pytorch}, ...)
 * @param job the job, or {@code null}
 * @param loss the loss descriptor, or {@code null} when none was declared
 * @param numClasses number of classes, or {@code null}
 * @param inputRange the declared input range, or {@code null}
 * @param overrides valid per-run rule overrides (at most {@link #MAX_OVERRIDES})
 * @param inputEncoding what the inputs are; {@link InputEncoding#FEATURES} when not declared
 */
public record RunProfile(
    String framework,
    String job,
    LossDescriptor loss,
    Integer numClasses,
    InputRange inputRange,
    List<SettingOverride> overrides,
    InputEncoding inputEncoding) {

  /** Bound on stored overrides, so that per-run state stays small. */
  public static final int MAX_OVERRIDES = 32;

  public RunProfile {
    framework = framework == null ? "unknown" : framework.toLowerCase(Locale.ROOT);
    overrides = overrides == null ? List.of() : List.copyOf(overrides);
    inputEncoding = inputEncoding == null ? InputEncoding.FEATURES : inputEncoding;
    if (overrides.size() > MAX_OVERRIDES) {
      throw new IllegalArgumentException(
          "overrides: " + overrides.size() + ", at most " + MAX_OVERRIDES);
    }
  }

  /** A profile whose inputs are features (the contract before {@code input_encoding}). */
  public RunProfile(
      String framework,
      String job,
      LossDescriptor loss,
      Integer numClasses,
      InputRange inputRange,
      List<SettingOverride> overrides) {
    this(framework, job, loss, numClasses, inputRange, overrides, InputEncoding.FEATURES);
  }

  /** The profile of a run_started event, with the already-validated overrides. */
  public static RunProfile of(RunStarted started, List<SettingOverride> overrides) {
    return new RunProfile(
        started.framework(),
        started.job(),
        started.loss(),
        started.numClasses(),
        started.inputRange(),
        overrides,
        started.inputEncodingOrDefault());
  }
}
