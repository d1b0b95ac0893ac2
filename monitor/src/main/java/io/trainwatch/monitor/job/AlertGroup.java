package io.trainwatch.monitor.job;

import java.util.ArrayList;
import java.util.List;

/**
 * The rank-level alerts of one rule in one job, grouped into one job-level alert as Alertmanager's
 * {@code group_by: [job]} would: opened by the first rank's firing alert, published once after
 * {@code group_wait} with every rank that fired by then, resolved when the last firing rank
 * resolves. Bounded: at most {@link #MAX_LISTED} ranks are listed, the rest only counted. Mutable.
 */
public final class AlertGroup {

  /** Most ranks an alert lists. */
  public static final int MAX_LISTED = 64;

  /** Where the group stands. */
  public enum Phase {
    /** No rank fires. */
    IDLE,
    /** Ranks fire; waiting for group_wait before publishing. */
    WAITING,
    /** Published as firing. */
    FIRING
  }

  private final String rule;
  private Phase phase = Phase.IDLE;
  private int revision;
  private long openedWallMs;
  private long startsAtMs;
  private String firstRunId;
  private int firstRank;
  private String firstHost;
  private String firstDevice;
  private String diagnosis;
  private String severity;
  private byte[] firstAlert;
  private final List<Integer> ranks = new ArrayList<>();
  private final List<String> hosts = new ArrayList<>();
  private int rankCount;
  private int firingRanks;

  public AlertGroup(String rule) {
    this.rule = rule;
  }

  public String rule() {
    return rule;
  }

  public Phase phase() {
    return phase;
  }

  public int revision() {
    return revision;
  }

  public long openedWallMs() {
    return openedWallMs;
  }

  public long startsAtMs() {
    return startsAtMs;
  }

  public String firstRunId() {
    return firstRunId;
  }

  public int firstRank() {
    return firstRank;
  }

  public String firstHost() {
    return firstHost;
  }

  public String firstDevice() {
    return firstDevice;
  }

  public String diagnosis() {
    return diagnosis;
  }

  public String severity() {
    return severity;
  }

  /** The first rank's alert, as contract JSON: its evidence and hint describe the incident. */
  public byte[] firstAlert() {
    return firstAlert;
  }

  /** Listed ranks, in the order they fired (at most {@link #MAX_LISTED}). */
  public List<Integer> ranks() {
    return ranks;
  }

  /** Distinct hosts of the listed ranks (null hosts left out). */
  public List<String> hosts() {
    return hosts;
  }

  /** Ranks that fired in this incident (listed or not). */
  public int rankCount() {
    return rankCount;
  }

  /** Ranks whose alert still fires. */
  public int firingRanks() {
    return firingRanks;
  }

  /**
   * A rank's alert fired.
   *
   * @return {@code true} if it opened the group, {@code false} if the group was open already
   */
  public boolean rankFired(
      String runId,
      int rank,
      String host,
      String device,
      String diagnosis,
      String severity,
      long startsAtMs,
      byte[] alertJson,
      long wallMs) {
    boolean opened = phase == Phase.IDLE;
    if (opened) {
      phase = Phase.WAITING;
      openedWallMs = wallMs;
      this.startsAtMs = startsAtMs;
      firstRunId = runId;
      firstRank = rank;
      firstHost = host;
      firstDevice = device;
      this.diagnosis = diagnosis;
      this.severity = severity;
      firstAlert = alertJson;
      ranks.clear();
      hosts.clear();
      rankCount = 0;
      firingRanks = 0;
    }
    startsAtMs = Math.min(this.startsAtMs, startsAtMs);
    if (!ranks.contains(rank)) {
      rankCount++;
      if (ranks.size() < MAX_LISTED) {
        ranks.add(rank);
        if (host != null && !hosts.contains(host)) {
          hosts.add(host);
        }
      }
    }
    firingRanks++;
    return opened;
  }

  /** A rank's alert resolved. */
  public void rankResolved() {
    firingRanks = Math.max(0, firingRanks - 1);
  }

  /** Published as firing. */
  public int publishFiring() {
    phase = Phase.FIRING;
    return ++revision;
  }

  /** Published as resolved (or dropped unpublished): back to idle. */
  public int close(boolean published) {
    phase = Phase.IDLE;
    return published ? ++revision : revision;
  }

  // Codec access.
  static AlertGroup restore(
      String rule,
      Phase phase,
      int revision,
      long openedWallMs,
      long startsAtMs,
      String firstRunId,
      int firstRank,
      String firstHost,
      String firstDevice,
      String diagnosis,
      String severity,
      byte[] firstAlert,
      List<Integer> ranks,
      List<String> hosts,
      int rankCount,
      int firingRanks) {
    AlertGroup g = new AlertGroup(rule);
    g.phase = phase;
    g.revision = revision;
    g.openedWallMs = openedWallMs;
    g.startsAtMs = startsAtMs;
    g.firstRunId = firstRunId;
    g.firstRank = firstRank;
    g.firstHost = firstHost;
    g.firstDevice = firstDevice;
    g.diagnosis = diagnosis;
    g.severity = severity;
    g.firstAlert = firstAlert;
    g.ranks.addAll(ranks);
    g.hosts.addAll(hosts);
    g.rankCount = rankCount;
    g.firingRanks = firingRanks;
    return g;
  }

  /** For evidence: the listed ranks as a compact string ("0, 1, 5"). */
  public String ranksText() {
    StringBuilder sb = new StringBuilder();
    for (int r : ranks) {
      sb.append(sb.length() == 0 ? "" : ", ").append(r);
    }
    if (rankCount > ranks.size()) {
      sb.append(" and ").append(rankCount - ranks.size()).append(" more");
    }
    return sb.toString();
  }
}
