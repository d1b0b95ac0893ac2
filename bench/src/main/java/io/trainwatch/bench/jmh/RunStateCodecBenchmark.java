package io.trainwatch.bench.jmh;

import io.trainwatch.bench.Fleet;
import io.trainwatch.bench.FleetSpec;
import io.trainwatch.monitor.run.RunProfile;
import io.trainwatch.monitor.run.RunState;
import io.trainwatch.monitor.run.RunStateCodec;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.simulator.SimulatedRun;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The monitor's per-run state codec: with the record cache in front of the store, every event costs
 * one state decode (get) and one encode (put). States are those of generated runs after {@code
 * batches} batches; 1,500 fills every history window.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class RunStateCodecBenchmark {

  private static final int MIX = 64;

  @Param({"100", "1500"})
  public int batches;

  private RunState[] states;
  private byte[][] encoded;
  private int next;

  @Setup
  public void generate() {
    List<SimulatedRun> runs = new Fleet(new FleetSpec("jmh", MIX, 0.03, 42)).runs();
    states = new RunState[MIX];
    encoded = new byte[MIX][];
    long ts = 1_795_687_200_000L;
    for (int i = 0; i < MIX; i++) {
      SimulatedRun run = runs.get(i);
      RunState s = RunState.started(null, RunProfile.of(run.started(ts), List.of()), ts, ts);
      for (int b = 0; b < batches; b++) {
        BatchEvent e = run.nextBatch(ts + b);
        s.observe(e, ts + b);
      }
      states[i] = s;
      encoded[i] = RunStateCodec.encode(s);
    }
  }

  @Benchmark
  public byte[] encodeRunState() {
    next = (next + 1) & (MIX - 1);
    return RunStateCodec.encode(states[next]);
  }

  @Benchmark
  public RunState decodeRunState() {
    next = (next + 1) & (MIX - 1);
    return RunStateCodec.decode(encoded[next]);
  }
}
