package io.trainwatch.monitor.rules;

import java.util.List;

/**
 * What every rule has, whatever it judges (one run's batches, a job's ranks, a host's faults): an
 * id with its severity and parameters, and the diagnoses it can return. Configuration, hints, docs
 * and the alert lifecycle only need this.
 */
public interface RuleDefinition {

  /** The rule's id, severity and parameters. */
  RuleSpec spec();

  /** The rule's id. */
  default RuleId id() {
    return spec().id();
  }

  /** Every diagnosis id this rule can return, most specific first; the last is the generic one. */
  List<String> diagnoses();
}
