package io.trainwatch.monitor.fleet;

import io.trainwatch.monitor.run.AlertTrack;
import java.util.ArrayList;
import java.util.List;

/**
 * What the monitor remembers about one host: the recent faults of jobs that point at it, and its
 * {@code suspect_node} alert. Bounded: at most {@link #MAX_IMPLICATIONS} faults, one per job, rank,
 * device and rule (a repeated fault refreshes its entry). Mutable.
 */
public final class HostState {

  /** Most faults remembered per host. */
  public static final int MAX_IMPLICATIONS = 32;

  private final List<Implication> implications = new ArrayList<>();
  private AlertTrack track = AlertTrack.NEW;
  private String alertRunId;

  /** Faults, oldest first. */
  public List<Implication> implications() {
    return implications;
  }

  public AlertTrack track() {
    return track;
  }

  /** The run the host's alert was published under (its most recent implicated run). */
  public String alertRunId() {
    return alertRunId;
  }

  public void setTrack(AlertTrack t, String runId) {
    track = t;
    alertRunId = runId;
  }

  /** Remembers a fault. */
  public void add(Implication i) {
    implications.removeIf(
        o ->
            o.job().equals(i.job())
                && o.rank() == i.rank()
                && o.rule().equals(i.rule())
                && java.util.Objects.equals(o.device(), i.device()));
    if (implications.size() == MAX_IMPLICATIONS) {
      implications.remove(0);
    }
    implications.add(i);
  }

  /** Forgets faults seen before {@code wallMs}. */
  public void expire(long wallMs) {
    implications.removeIf(i -> i.wallMs() < wallMs);
  }

  /** Faults seen at or after {@code wallMs}. */
  public List<Implication> since(long wallMs) {
    List<Implication> out = new ArrayList<>();
    for (Implication i : implications) {
      if (i.wallMs() >= wallMs) {
        out.add(i);
      }
    }
    return out;
  }
}
