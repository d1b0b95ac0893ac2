package io.trainwatch.schemas;

import java.util.List;

/**
 * Where in a fleet an alert points (all optional): the host and device of the rank concerned, its
 * rank, and, for an alert grouped over the ranks of a job, the ranks it covers.
 *
 * @param host the host of the rank concerned (or the suspect host), or {@code null}
 * @param device the accelerator (a GPU UUID or index), or {@code null}
 * @param rank the rank concerned (the first rank of a group, the culprit of a hang), or {@code
 *     null}
 * @param ranks the ranks a job-level alert covers, at most {@link #MAX_RANKS}; empty otherwise
 */
public record AlertPlacement(String host, String device, Integer rank, List<Integer> ranks) {

  /** Most ranks an alert lists (the evidence counts the rest). */
  public static final int MAX_RANKS = 64;

  /** Nowhere in particular: a run's own alert. */
  public static final AlertPlacement NONE = new AlertPlacement(null, null, null, List.of());

  public AlertPlacement {
    if (rank != null && rank < 0) {
      throw new IllegalArgumentException("rank=" + rank + ": must be >= 0");
    }
    ranks = ranks == null ? List.of() : List.copyOf(ranks);
    if (ranks.size() > MAX_RANKS) {
      throw new IllegalArgumentException(
          "ranks: " + ranks.size() + " entries, at most " + MAX_RANKS);
    }
    for (Integer r : ranks) {
      if (r == null || r < 0) {
        throw new IllegalArgumentException("ranks: " + r + " is not a rank");
      }
    }
  }

  /** {@code true} if nothing is set, {@code false} otherwise. */
  public boolean isEmpty() {
    return host == null && device == null && rank == null && ranks.isEmpty();
  }
}
