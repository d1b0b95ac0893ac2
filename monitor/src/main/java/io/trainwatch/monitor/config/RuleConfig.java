package io.trainwatch.monitor.config;

import io.trainwatch.monitor.rules.Param;
import io.trainwatch.monitor.rules.RuleDefinition;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.monitor.rules.RuleSettings;
import io.trainwatch.monitor.rules.RuleSpec;
import io.trainwatch.monitor.rules.Rules;
import io.trainwatch.monitor.rules.RunSettings;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.SettingOverride;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Rule settings in layers: built-in defaults, then {@code rules.<rule>.<key>} from the
 * configuration file, then {@code jobs.<job>.rules.<rule>.<key>}, then the run's own {@code
 * run_started.rules}. Immutable.
 */
public final class RuleConfig {

  private final RunSettings base;
  private final Map<String, RunSettings> byJob;

  /**
   * @param base settings of every rule for runs of no configured job
   * @param byJob complete settings for runs of each configured job
   */
  public RuleConfig(RunSettings base, Map<String, RunSettings> byJob) {
    this.base = base;
    this.byJob = Map.copyOf(byJob);
  }

  /** Built-in defaults only. */
  public static RuleConfig defaults() {
    return new RuleConfig(RunSettings.defaults(), Map.of());
  }

  /** Settings for runs without a configured job. */
  public RunSettings base() {
    return base;
  }

  /** Settings for runs of {@code job} (the base settings when the job has no overrides). */
  public RunSettings forJob(String job) {
    return job == null ? base : byJob.getOrDefault(job, base);
  }

  /** The jobs with overrides. */
  public java.util.Set<String> jobs() {
    return byJob.keySet();
  }

  /** Effective settings for a run: its job's, then its own validated overrides. */
  public RunSettings forRun(RunProfile profile) {
    if (profile == null) {
      return base;
    }
    RunSettings s = forJob(profile.job());
    for (SettingOverride o : profile.overrides()) {
      Optional<RuleId> id = RuleId.fromCode(o.ruleCode());
      if (id.isPresent() && o.paramIndex() < s.get(id.get()).spec().params().size()) {
        s = s.with(s.get(id.get()).with(o.paramIndex(), o.value()));
      }
    }
    return s;
  }

  /** Valid overrides of a run, and a warning for each one that was ignored. */
  public record Overrides(List<SettingOverride> valid, List<String> warnings) {}

  /**
   * Checks a run's {@code run_started.rules}. Invalid entries are not fatal: they are left out,
   * each with a warning naming the key, so that one typo neither crashes the monitor nor unmonitors
   * the run.
   */
  public static Overrides validate(Map<String, Map<String, Object>> rules) {
    List<SettingOverride> valid = new ArrayList<>();
    List<String> warnings = new ArrayList<>();
    rules.entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            rule -> {
              Optional<RuleId> id = RuleId.fromId(rule.getKey());
              if (id.isEmpty()) {
                warnings.add("rules." + rule.getKey() + ": unknown rule, ignored");
                return;
              }
              RuleSpec spec = Rules.get(id.get()).spec();
              rule.getValue().entrySet().stream()
                  .sorted(Map.Entry.comparingByKey())
                  .forEach(
                      setting -> {
                        String key = "rules." + rule.getKey() + "." + setting.getKey();
                        int index = spec.indexOf(setting.getKey());
                        if (index < 0) {
                          warnings.add(
                              key
                                  + ": unknown key, ignored ("
                                  + rule.getKey()
                                  + " has "
                                  + String.join(", ", spec.keys())
                                  + ")");
                          return;
                        }
                        try {
                          double v = spec.params().get(index).parse(setting.getValue());
                          if (valid.size() < RunProfile.MAX_OVERRIDES) {
                            valid.add(new SettingOverride(id.get().code(), index, v));
                          } else {
                            warnings.add(
                                key
                                    + ": ignored, at most "
                                    + RunProfile.MAX_OVERRIDES
                                    + " overrides per run");
                          }
                        } catch (IllegalArgumentException e) {
                          warnings.add(
                              key + "=" + setting.getValue() + ": " + e.getMessage() + ", ignored");
                        }
                      });
            });
    return new Overrides(List.copyOf(valid), List.copyOf(warnings));
  }

  /**
   * The settings of every rule, with one value applied. Used while parsing the configuration file.
   */
  static RunSettings apply(RunSettings settings, RuleDefinition rule, Param param, double value) {
    RuleSettings current = settings.get(rule.id());
    return settings.with(current.with(param.key(), value));
  }
}
