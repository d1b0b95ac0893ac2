package io.trainwatch.monitor.rules;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Optional;

/**
 * What a rule can be configured with: the lifecycle settings every rule shares, then its own.
 *
 * <p>A parameter's position in {@link #params()} is its index in {@link RuleSettings} and in the
 * persisted per-run overrides, so a rule only ever appends parameters.
 */
public record RuleSpec(RuleId id, List<Param> params) {

  /** Turns the rule on or off. */
  public static final Param ENABLED = Param.flag("enabled", true, "Whether the rule runs at all.");

  /** Consecutive batches the condition must hold before the alert fires. */
  public static final Param FOR_BATCHES =
      Param.integer(
          "for_batches",
          3,
          1,
          100_000,
          "Consecutive batches the condition must hold before the alert fires (the pending period).");

  /** Seconds of record time the condition must hold before the alert fires; 0 = batches only. */
  public static final Param FOR_SECONDS =
      Param.integer(
          "for_seconds",
          0,
          0,
          86_400 * 7,
          "Also fire once the condition has held this many seconds of event time, even if fewer than for_batches "
              + "batches arrived (slow trainers); 0 = use for_batches only.");

  /** Consecutive clear batches that resolve a firing alert. */
  public static final Param RESOLVE_AFTER_BATCHES =
      Param.integer(
          "resolve_after_batches",
          20,
          1,
          1_000_000,
          "Consecutive batches the condition must be clear before a firing alert is resolved.");

  public RuleSpec {
    if (id == null) {
      throw new IllegalArgumentException("id: required");
    }
    params = List.copyOf(params);
    if (params.size() > 64) {
      throw new IllegalArgumentException(
          id + ": " + params.size() + " parameters, at most 64 allowed");
    }
    for (int i = 0; i < params.size(); i++) {
      for (int j = i + 1; j < params.size(); j++) {
        if (params.get(i).key().equals(params.get(j).key())) {
          throw new IllegalArgumentException(id + "." + params.get(i).key() + ": declared twice");
        }
      }
    }
  }

  /**
   * The shared lifecycle parameters with this rule's defaults, followed by the rule's own
   * parameters.
   *
   * @param forBatches default of {@code for_batches}
   * @param resolveAfterBatches default of {@code resolve_after_batches}
   */
  public static RuleSpec of(RuleId id, int forBatches, int resolveAfterBatches, Param... own) {
    List<Param> all = new ArrayList<>();
    all.add(ENABLED);
    all.add(FOR_BATCHES.withDefault(forBatches));
    all.add(FOR_SECONDS);
    all.add(RESOLVE_AFTER_BATCHES.withDefault(resolveAfterBatches));
    Collections.addAll(all, own);
    return new RuleSpec(id, all);
  }

  /** The position of {@code p} in {@link #params()} (the same object, else its key), or -1. */
  public int indexOf(Param p) {
    // The rules pass their own constants: found by identity first, without comparing strings.
    for (int i = 0; i < params.size(); i++) {
      if (params.get(i) == p) {
        return i;
      }
    }
    return indexOf(p.key());
  }

  /** The position of {@code key} in {@link #params()}, or -1. */
  public int indexOf(String key) {
    for (int i = 0; i < params.size(); i++) {
      if (params.get(i).key().equals(key)) {
        return i;
      }
    }
    return -1;
  }

  /** The parameter named {@code key}, if this rule has one. */
  public Optional<Param> param(String key) {
    int i = indexOf(key);
    return i < 0 ? Optional.empty() : Optional.of(params.get(i));
  }

  /** Every key, in declaration order. */
  public List<String> keys() {
    return params.stream().map(Param::key).toList();
  }

  /** The settings when nothing is configured. */
  public RuleSettings defaults() {
    double[] values = new double[params.size()];
    for (int i = 0; i < values.length; i++) {
      values[i] = params.get(i).defaultValue();
    }
    return new RuleSettings(this, values);
  }
}
