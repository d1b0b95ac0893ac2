package io.trainwatch.monitor.rules;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What a rule saw when its condition held: the most likely cause, the key number and the evidence.
 *
 * @param diagnosis a stable id of the most likely cause, one of the rule's {@link Rule#diagnoses()}
 * @param value the key number (e.g. the loss for {@code negative_loss})
 * @param evidence the numbers behind the finding, in reading order; values are Number, String,
 *     Boolean or null
 */
public record Finding(String diagnosis, double value, Map<String, Object> evidence) {

  public Finding {
    if (diagnosis == null || diagnosis.isEmpty()) {
      throw new IllegalArgumentException("diagnosis: must not be empty");
    }
    // LinkedHashMap, not Map.copyOf: order matters to readers, and values may be null.
    evidence = Collections.unmodifiableMap(new LinkedHashMap<>(evidence));
  }

  /** Starts a finding with this diagnosis and key value. */
  public static Builder of(String diagnosis, double value) {
    return new Builder(diagnosis, value);
  }

  /** Collects evidence in the order it is added. */
  public static final class Builder {
    private final String diagnosis;
    private final double value;
    private final Map<String, Object> evidence = new LinkedHashMap<>();

    private Builder(String diagnosis, double value) {
      this.diagnosis = diagnosis;
      this.value = value;
    }

    /** Adds a number, string, boolean or null. */
    public Builder put(String key, Object v) {
      evidence.put(key, v);
      return this;
    }

    /** Adds a number only when it is present. */
    public Builder putIfPresent(String key, Double v) {
      if (v != null) {
        evidence.put(key, v);
      }
      return this;
    }

    public Finding build() {
      return new Finding(diagnosis, value, evidence);
    }
  }
}
