package io.trainwatch.bench.jmh;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import io.trainwatch.bench.Fleet;
import io.trainwatch.bench.FleetSpec;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.TrainingEvent;
import java.io.IOException;
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
 * What the JSON parse under {@code EventCodec.decode} costs, and what cheaper parses would give:
 * the profile of the monitor puts decoding first, and inside it Jackson's tree building, its
 * duplicate-field checks and the JDK's decimal-to-double conversion. Same 1,024 generated batch
 * events as {@link EventCodecBenchmark}; each variant only parses (no validation, no records), so
 * the differences are the parser's.
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class JsonParseBenchmark {

  private static final int MIX = 1024;

  /** The contract codec's settings (schemas' {@code Json.MAPPER}). */
  private static final ObjectMapper CONTRACT =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .build();

  /** The same, with Jackson's fast double parser (FastDoubleParser) instead of the JDK's. */
  private static final ObjectMapper FAST_DOUBLES =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .build();

  private byte[][] encoded;
  private int next;

  @Setup
  public void generate() {
    Fleet fleet = new Fleet(new FleetSpec("jmh", 256, 0.03, 42));
    List<byte[]> batches = new ArrayList<>(MIX);
    Iterator<TrainingEvent> it = fleet.events(MIX * 2L, 1_795_687_200_000L, 100);
    while (batches.size() < MIX && it.hasNext()) {
      if (it.next() instanceof BatchEvent b) {
        batches.add(EventCodec.encode(b));
      }
    }
    encoded = batches.toArray(byte[][]::new);
  }

  /** As {@code EventCodec.decode} parses today: a tree, duplicate checks, JDK doubles. */
  @Benchmark
  public JsonNode treeAsTheContract() throws IOException {
    next = (next + 1) & (MIX - 1);
    return CONTRACT.readTree(encoded[next]);
  }

  /** A tree with fast doubles. */
  @Benchmark
  public JsonNode treeFastDoubles() throws IOException {
    next = (next + 1) & (MIX - 1);
    return FAST_DOUBLES.readTree(encoded[next]);
  }

  /**
   * No tree: one pass over the tokens, reading every number as a double, as a streaming decoder
   * would.
   */
  @Benchmark
  public double streamingFastDoubles() throws IOException {
    next = (next + 1) & (MIX - 1);
    double sum = 0;
    try (JsonParser p = FAST_DOUBLES.createParser(encoded[next])) {
      for (JsonToken t; (t = p.nextToken()) != null; ) {
        if (t == JsonToken.VALUE_NUMBER_FLOAT || t == JsonToken.VALUE_NUMBER_INT) {
          sum += p.getDoubleValue();
        }
      }
    }
    return sum;
  }
}
