package io.trainwatch.monitor.actions;

import io.trainwatch.schemas.CheckpointEvent;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * The recent checkpoints of one run, oldest first, at most a configured number: what the monitor
 * needs to name the last good checkpoint of a fault. Immutable; {@link #add} returns a new history.
 *
 * @param saved oldest first, steps strictly increasing
 */
public record CheckpointHistory(List<Saved> saved) {

  /** One saved checkpoint. */
  public record Saved(long step, String location, long tsMs, boolean pinned) {}

  /** No checkpoint known. */
  public static final CheckpointHistory EMPTY = new CheckpointHistory(List.of());

  public CheckpointHistory {
    saved = List.copyOf(saved);
  }

  /**
   * This history with {@code c} added, keeping the {@code max} newest. A checkpoint at a step
   * already known replaces it (the same checkpoint pinned later, or re-saved); one at an older step
   * than the newest (a run that restarted from an old checkpoint under the same run id) drops the
   * newer ones, which no longer describe the run.
   */
  public CheckpointHistory add(CheckpointEvent c, int max) {
    List<Saved> out = new ArrayList<>(saved.size() + 1);
    for (Saved s : saved) {
      if (s.step() < c.step()) {
        out.add(s);
      }
    }
    out.add(new Saved(c.step(), c.location(), c.tsMs(), c.isPinned()));
    while (out.size() > max) {
      out.remove(0);
    }
    return new CheckpointHistory(out);
  }

  /** The newest checkpoint whose step is below {@code boundary}, if any. */
  public Optional<Saved> newestBefore(long boundary) {
    for (int i = saved.size() - 1; i >= 0; i--) {
      if (saved.get(i).step() < boundary) {
        return Optional.of(saved.get(i));
      }
    }
    return Optional.empty();
  }

  /** The newest checkpoint, if any. */
  public Optional<Saved> newest() {
    return saved.isEmpty() ? Optional.empty() : Optional.of(saved.get(saved.size() - 1));
  }
}
