package io.trainwatch.monitor.actions;

import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * The crash-loop guard of one job: a pure function of the job's {@link JobAttempts} and one {@link
 * AttemptSignal}.
 *
 * <p>An attempt ends when a later one starts ({@code run_started.attempt} greater than the
 * current). It <em>failed without progress</em> when one of its runs faulted (its first firing
 * alert, or {@code run_ended failed}) and the job's newest checkpoint is no newer than when the
 * attempt started: it restarted from a checkpoint and died before saving a better one. Attempts in
 * a row that failed with the same fault without progress make a streak; an attempt the guard told
 * to stop continues the streak (it could not make progress). When an attempt starts after {@code
 * attempts} such attempts in a row, the job is in a crash loop: the {@code crash_loop} alert fires
 * once for the incident, and every run of that attempt (and of later ones while the loop lasts) is
 * told to stop. An attempt that saves a newer checkpoint, or fails differently, or does not fail,
 * ends the incident (resolved when the next attempt starts).
 */
public final class CrashLoopGuard {

  private CrashLoopGuard() {}

  /**
   * One crash_loop emission.
   *
   * @param firing {@code true} when the loop is found, {@code false} when it is over
   * @param runId the run of the attempt that started the loop (firing) or ended it (resolved)
   * @param evidence the numbers, in reading order
   */
  public record Emission(
      boolean firing,
      int revision,
      String runId,
      long startsAtMs,
      long atMs,
      Map<String, Object> evidence) {}

  /**
   * What a signal did.
   *
   * @param state the job's new state
   * @param emission the crash_loop emission, if the signal opened or closed an incident
   * @param stop runs to tell to stop now
   */
  public record Outcome(JobAttempts state, Optional<Emission> emission, List<String> stop) {}

  /**
   * Applies one signal.
   *
   * @param attempts attempts in a row that make a loop ({@code rules.crash_loop.attempts})
   */
  public static Outcome apply(JobAttempts s, AttemptSignal signal, int attempts) {
    switch (signal.kind()) {
      case FAULT:
        if (s.fault() == null && s.runs().contains(signal.runId())) {
          return quiet(with(s, signal.fault()));
        }
        return quiet(s);
      case CHECKPOINT:
        if (signal.step() > s.checkpoint()) {
          return quiet(
              new JobAttempts(
                  s.attempt(),
                  s.runs(),
                  s.fault(),
                  s.checkpointAtStart(),
                  signal.step(),
                  signal.location(),
                  s.streak(),
                  s.streakFault(),
                  s.revision(),
                  s.looping(),
                  s.sinceMs(),
                  s.stopAttempt()));
        }
        return quiet(s);
      default:
        return started(s, signal, attempts);
    }
  }

  private static Outcome started(JobAttempts s, AttemptSignal signal, int attempts) {
    int a = signal.attempt();
    if (a < s.attempt()) {
      return quiet(s); // a late start of an attempt already over
    }
    if (a == s.attempt()) {
      if (s.runs().contains(signal.runId()) || s.runs().size() >= JobAttempts.MAX_RUNS) {
        return quiet(s);
      }
      Set<String> runs = new LinkedHashSet<>(s.runs());
      runs.add(signal.runId());
      JobAttempts next =
          new JobAttempts(
              s.attempt(),
              runs,
              s.fault(),
              s.checkpointAtStart(),
              s.checkpoint(),
              s.checkpointLocation(),
              s.streak(),
              s.streakFault(),
              s.revision(),
              s.looping(),
              s.sinceMs(),
              s.stopAttempt());
      return new Outcome(
          next, Optional.empty(), s.stopAttempt() == a ? List.of(signal.runId()) : List.of());
    }
    // A new attempt: judge the one that ended.
    int streak = 0;
    String streakFault = null;
    if (s.attempt() >= 0) {
      boolean progressed = s.checkpoint() > s.checkpointAtStart();
      boolean stopped = s.stopAttempt() == s.attempt();
      if (stopped && !progressed) {
        streak = s.streak() + 1;
        streakFault = s.streakFault();
      } else if (s.fault() != null && !progressed) {
        streak = s.fault().equals(s.streakFault()) ? s.streak() + 1 : 1;
        streakFault = s.fault();
      }
    }
    boolean loop = streak >= attempts;
    int revision = s.revision();
    boolean looping = s.looping();
    long since = s.sinceMs();
    Optional<Emission> emission = Optional.empty();
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("attempt", a);
    evidence.put("attempts_in_a_row", streak);
    evidence.put("fault", streakFault == null ? s.fault() : streakFault);
    evidence.put("last_checkpoint_step", s.checkpoint() < 0 ? null : s.checkpoint());
    evidence.put("last_checkpoint", s.checkpointLocation());
    evidence.put("limit", attempts);
    if (loop && !looping) {
      revision++;
      looping = true;
      since = signal.tsMs();
      emission =
          Optional.of(new Emission(true, revision, signal.runId(), since, signal.tsMs(), evidence));
    } else if (!loop && looping) {
      revision++;
      looping = false;
      evidence.put("progress", s.checkpoint() > s.checkpointAtStart());
      emission =
          Optional.of(
              new Emission(false, revision, signal.runId(), since, signal.tsMs(), evidence));
    }
    JobAttempts next =
        new JobAttempts(
            a,
            Set.of(signal.runId()),
            null,
            s.checkpoint(),
            s.checkpoint(),
            s.checkpointLocation(),
            streak,
            streakFault,
            revision,
            looping,
            since,
            loop ? a : -1);
    return new Outcome(next, emission, loop ? List.of(signal.runId()) : List.of());
  }

  private static JobAttempts with(JobAttempts s, String fault) {
    return new JobAttempts(
        s.attempt(),
        s.runs(),
        fault,
        s.checkpointAtStart(),
        s.checkpoint(),
        s.checkpointLocation(),
        s.streak(),
        s.streakFault(),
        s.revision(),
        s.looping(),
        s.sinceMs(),
        s.stopAttempt());
  }

  private static Outcome quiet(JobAttempts s) {
    return new Outcome(s, Optional.empty(), List.of());
  }
}
