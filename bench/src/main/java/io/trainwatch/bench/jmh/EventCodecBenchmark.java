package io.trainwatch.bench.jmh;

import io.trainwatch.bench.Fleet;
import io.trainwatch.bench.FleetSpec;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.TrainingEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The contract codec on the events a fleet really sends: every monitor thread decodes each event
 * once, every trainer encodes each batch once. Cycles through 1,024 distinct generated batches so
 * branch predictors and caches see a realistic mix, not one event.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class EventCodecBenchmark {

  private static final int MIX = 1024;

  private BatchEvent[] events;
  private byte[][] encoded;
  private int next;

  @Setup
  public void generate() {
    Fleet fleet = new Fleet(new FleetSpec("jmh", 256, 0.03, 42));
    List<BatchEvent> batches = new ArrayList<>(MIX);
    Iterator<TrainingEvent> it = fleet.events(MIX * 2L, 1_795_687_200_000L, 100);
    while (batches.size() < MIX && it.hasNext()) {
      if (it.next() instanceof BatchEvent b) {
        batches.add(b);
      }
    }
    events = batches.toArray(BatchEvent[]::new);
    encoded = batches.stream().map(EventCodec::encode).toArray(byte[][]::new);
  }

  @Benchmark
  public byte[] encodeBatch() {
    next = (next + 1) & (MIX - 1);
    return EventCodec.encode(events[next]);
  }

  @Benchmark
  public TrainingEvent decodeBatch() {
    next = (next + 1) & (MIX - 1);
    return EventCodec.decode(encoded[next]);
  }
}
