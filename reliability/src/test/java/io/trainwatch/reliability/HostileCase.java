package io.trainwatch.reliability;

import java.nio.charset.StandardCharsets;

/**
 * One record a hostile or broken producer could put on {@code trainwatch.events}, and what must
 * become of it.
 *
 * @param name what is wrong, e.g. {@code batch.step=string}
 * @param category the family of the case, for the counts printed by the tests
 * @param key the record key ({@code null} allowed)
 * @param value the record value ({@code null} is a tombstone)
 * @param valid whether the contract accepts the value: valid ones must be processed, the others
 *     dead-lettered
 */
record HostileCase(String name, Category category, byte[] key, byte[] value, boolean valid) {

  /** Families of hostile input, as listed in the reliability spec. */
  enum Category {
    INVALID_JSON,
    BINARY_GARBAGE,
    WRONG_TYPE,
    MISSING_FIELD,
    UNKNOWN_FIELD,
    UNKNOWN_TYPE_OR_VERSION,
    NULL_VALUE,
    TOMBSTONE,
    OVERSIZED,
    NON_FINITE,
    ABSURD_COUNT,
    /**
     * Well-formed events that are wrong only in context: repeated or backwards steps, events after
     * run_ended.
     */
    OUT_OF_ORDER,
    /** Random garbage and randomly mutated events from {@link HostileGenerators}. */
    GENERATED,
    CONTROL
  }

  HostileCase {
    if (name == null || name.isBlank() || category == null) {
      throw new IllegalArgumentException("name and category: required");
    }
  }

  static HostileCase of(String name, Category category, String runId, byte[] value, boolean valid) {
    return new HostileCase(
        name,
        category,
        runId == null ? null : runId.getBytes(StandardCharsets.UTF_8),
        value,
        valid);
  }

  /** A short printable form of the value, for failure messages. */
  String preview() {
    if (value == null) {
      return "<tombstone>";
    }
    String s =
        new String(value, 0, Math.min(value.length, 160), StandardCharsets.UTF_8)
            .replaceAll("\\p{Cntrl}", "?");
    return value.length > 160 ? s + "… (" + value.length + " bytes)" : s;
  }

  @Override
  public String toString() {
    return category + " " + name;
  }
}
