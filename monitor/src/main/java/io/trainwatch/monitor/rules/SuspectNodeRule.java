package io.trainwatch.monitor.rules;

import io.trainwatch.monitor.fleet.HostState;
import io.trainwatch.monitor.fleet.Implication;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * {@code suspect_node} (error): one host is implicated in faults of at least {@code min_jobs}
 * different jobs within {@code window_seconds}: a rank there went non-finite alone or diverged
 * ({@code rank_divergence}), straggled ({@code straggler_rank}), or was the rank a hung job waited
 * for ({@code job_hang}). One job's fault may be the job's; the same machine in several jobs'
 * faults is the machine (the "lemon node" that keeps coming back). A host that merely runs many
 * jobs is never flagged: only faults count.
 *
 * <p>Diagnoses: {@code faulty_device} (every fault names the same device: one GPU) and {@code
 * faulty_host} (several devices, or none named: the host, its network or storage).
 */
public final class SuspectNodeRule implements RuleDefinition {

  public static final Param WINDOW_SECONDS =
      Param.integer(
          "window_seconds",
          86_400,
          60,
          86_400L * 90,
          "How far back (wall-clock seconds) faults of different jobs are linked to one host.");
  public static final Param MIN_JOBS =
      Param.integer(
          "min_jobs",
          2,
          2,
          10_000,
          "Different jobs whose faults must implicate the host within the window.");

  public static final String FAULTY_DEVICE = "faulty_device";
  public static final String FAULTY_HOST = "faulty_host";

  /** Most faults described in the evidence. */
  static final int MAX_DESCRIBED = 8;

  private static final RuleSpec SPEC =
      RuleSpec.of(RuleId.SUSPECT_NODE, 1, 1, WINDOW_SECONDS, MIN_JOBS);

  @Override
  public RuleSpec spec() {
    return SPEC;
  }

  @Override
  public List<String> diagnoses() {
    return List.of(FAULTY_DEVICE, FAULTY_HOST);
  }

  /** Judges a host on its recent faults. */
  public Optional<Finding> evaluate(
      String host, HostState state, long nowMs, RuleSettings settings) {
    long window = settings.integer(WINDOW_SECONDS) * 1000;
    List<Implication> recent = state.since(nowMs - window);
    Set<String> jobs = new LinkedHashSet<>();
    Set<String> devices = new LinkedHashSet<>();
    boolean unnamedDevice = false;
    for (Implication i : recent) {
      jobs.add(i.job());
      if (i.device() == null) {
        unnamedDevice = true;
      } else {
        devices.add(i.device());
      }
    }
    if (jobs.size() < settings.integer(MIN_JOBS)) {
      return Optional.empty();
    }
    boolean oneDevice = !unnamedDevice && devices.size() == 1;
    StringBuilder faults = new StringBuilder();
    int described = 0;
    for (int k = recent.size() - 1; k >= 0 && described < MAX_DESCRIBED; k--, described++) {
      Implication i = recent.get(k);
      faults
          .append(described == 0 ? "" : "; ")
          .append(i.rule())
          .append(i.diagnosis() == null ? "" : " (" + i.diagnosis() + ")")
          .append(" in job ")
          .append(i.job())
          .append(", rank ")
          .append(i.rank())
          .append(i.device() == null ? "" : " on " + i.device());
    }
    if (recent.size() > MAX_DESCRIBED) {
      faults.append("; and ").append(recent.size() - MAX_DESCRIBED).append(" more");
    }
    return Optional.of(
        Finding.of(oneDevice ? FAULTY_DEVICE : FAULTY_HOST, jobs.size())
            .put("host", host)
            .put("device", oneDevice ? devices.iterator().next() : null)
            .put("devices", devices.isEmpty() ? null : String.join(", ", devices))
            .put("jobs", jobs.size())
            .put("faults", recent.size())
            .put("implicated", faults.toString())
            .put("job_list", String.join(", ", jobs))
            .put("window_seconds", window / 1000)
            .build());
  }
}
