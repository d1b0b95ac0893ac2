package io.trainwatch.monitor.rules;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.job.RankSample;
import io.trainwatch.monitor.testing.FleetSimulator;
import io.trainwatch.monitor.testing.JobHarness;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.GZIPInputStream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code straggler_rank} on the timings of real 4-rank PyTorch DDP jobs ({@code python3 -m
 * trainwatch.ddp}, gloo on the CPU, on this project's oversubscribed 2-core build host), replayed
 * through the job evaluator in event-time order. Their data waits are wall time and heavy-tailed
 * (0.3 ms normally, 5-80 ms on the steps a process is descheduled, any rank, in bursts); their
 * compute is the CPU clock. See {@code traces/README.md} for how they were recorded.
 */
class RealTraceStragglerTest {

  /** Healthy jobs, and jobs whose fault is not a straggler: no rank is slow. */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "prev4-t1-healthy",
        "a256-healthy",
        "a256-amp",
        "a256-nan",
        "a256-spike-stays",
        "b512-healthy",
        "c256-healthy",
        "d128-healthy",
      })
  void shouldRaiseNoStragglerOnAJobWithoutOne(String trace) {
    JobHarness h = replay(trace);
    assertThat(describe(h.firing("straggler_rank"))).as(trace).isEmpty();
  }

  /**
   * Rank 2 does 20% more forward and backward work from the onset: named, phase compute, and first.
   * Alone, too, except in b512-straggler: there rank 1's own CPU time is 15-20% above ranks 0 and 3
   * for steps 107-117 (its compute is 6.1-7.2 ms against 5.3-5.6 ms), after 47 steps in which its
   * peers' median included the slow rank 2 and so put it 6% below its usual level; the change test
   * names that as a change of rank 1 at step 119 (59 steps after the onset, rank 2 named at 67).
   * Printed, not asserted: see docs/rules.md on jobs of four ranks.
   */
  @ParameterizedTest
  @ValueSource(
      strings = {
        "prev4-t5-straggler:60:alone",
        "prev4-t2-straggler:80:alone",
        "a256-straggler:80:alone",
        "b512-straggler:60:first",
        "d128-straggler:80:alone"
      })
  void shouldNameTheSlowRankAndItsPhaseAfterTheOnset(String spec) {
    String[] p = spec.split(":");
    String trace = p[0];
    long onset = Long.parseLong(p[1]);
    List<JobHarness.Emitted> fired = replay(trace).firing("straggler_rank");
    assertThat(describe(fired)).as(trace).isNotEmpty();
    assertThat(describe(fired.stream().filter(e -> e.step() < onset).toList()))
        .as("before the onset")
        .isEmpty();
    JobHarness.Emitted first = fired.get(0);
    System.out.printf(
        "%s: onset %d, named %d steps later: %s%n",
        trace, onset, first.step() - onset, describe(fired));
    assertThat(first.emission().rank()).as(describe(fired).toString()).isEqualTo(2);
    assertThat(first.emission().emission().diagnosis())
        .as(describe(fired).toString())
        .isEqualTo(StragglerRankRule.SLOW_COMPUTE);
    if (p[2].equals("alone")) {
      assertThat(describe(fired.stream().filter(e -> e.emission().rank() != 2).toList()))
          .as("other ranks")
          .isEmpty();
    }
  }

  static List<String> describe(List<JobHarness.Emitted> fired) {
    return fired.stream()
        .map(
            e ->
                "rank "
                    + e.emission().rank()
                    + " at step "
                    + e.step()
                    + " "
                    + e.emission().emission().diagnosis()
                    + " "
                    + e.emission().emission().evidence())
        .toList();
  }

  static JobHarness replay(String trace) {
    JobHarness h = new JobHarness(trace, 4, RunSettings.defaults());
    h.deliverAll(read(trace));
    return h;
  }

  /** A trace: rank,step,ts_ms,step_ms,data_ms,compute_ms,loss,grad_norm in event-time order. */
  static List<FleetSimulator.Report> read(String trace) {
    String name = "/traces/" + trace + ".csv.gz";
    try (InputStream in = RealTraceStragglerTest.class.getResourceAsStream(name)) {
      if (in == null) {
        throw new IllegalArgumentException("no trace " + name);
      }
      BufferedReader r =
          new BufferedReader(
              new InputStreamReader(new GZIPInputStream(in), StandardCharsets.UTF_8));
      List<FleetSimulator.Report> out = new ArrayList<>();
      r.readLine(); // header
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        String[] f = line.split(",", -1);
        long ts = Long.parseLong(f[2]);
        RankSample s =
            RankSample.of(
                Long.parseLong(f[1]),
                ts,
                number(f[3]),
                number(f[4]),
                number(f[5]),
                f[6].isEmpty() ? Double.NaN : Double.parseDouble(f[6]),
                number(f[7]));
        out.add(new FleetSimulator.Report(Integer.parseInt(f[0]), s, ts));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Double number(String s) {
    return s.isEmpty() ? null : Double.valueOf(s);
  }
}
