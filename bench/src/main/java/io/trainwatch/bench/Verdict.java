package io.trainwatch.bench;

/**
 * One line of the report's summary: a measured figure against its target.
 *
 * @param section the part of the suite that measured it
 * @param item the item ("1. Monitor throughput")
 * @param measured the figure as quoted, e.g. {@code "0.41× (120,000 vs 290,000 events/s)"}
 * @param target the bar, e.g. {@code "≥ 0.50×"}
 * @param met {@code null} when there is no target (a curve), else whether the target was met
 */
public record Verdict(
    BenchCommand.Section section, String item, String measured, String target, Boolean met) {

  /** {@code "met"}, {@code "MISSED"} or {@code "n/a"}. */
  public String status() {
    return met == null ? "n/a" : met ? "met" : "**MISSED**";
  }
}
