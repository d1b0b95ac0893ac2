package io.trainwatch.reliability;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.schemas.BatchEvent;
import io.trainwatch.schemas.EventCodec;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import io.trainwatch.schemas.RunEnded;
import io.trainwatch.schemas.RunStarted;
import io.trainwatch.schemas.RunStatus;
import io.trainwatch.schemas.Stats;
import io.trainwatch.schemas.TrainingEvent;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.arbitraries.StringArbitrary;
import net.jqwik.engine.SourceOfRandomness;

/**
 * Random events for property tests: well-formed ones (any value the contract allows, non-finite
 * numbers included), garbage, and well-formed events with one random mutation. All shrink, so a
 * failure reports a small example.
 */
final class HostileGenerators {

  /**
   * Raw JSON values a mutation may put anywhere: every JSON type, non-finite spellings, extremes.
   */
  static final List<String> RAW_VALUES =
      List.of(
          "null",
          "true",
          "false",
          "0",
          "-1",
          "1.5",
          "-0.0",
          "1e400",
          "-1e400",
          "NaN",
          "Infinity",
          "-Infinity",
          "\"NaN\"",
          "\"Infinity\"",
          "\"nan\"",
          "\"x\"",
          "\"\"",
          "[]",
          "{}",
          "[1,2]",
          "{\"a\":{}}",
          "9223372036854775807",
          "9223372036854775808",
          "-9223372036854775808",
          "4.9e-324",
          "1.7976931348623157e308",
          "\"" + "z".repeat(300) + "\"",
          "\"\\u0000\"",
          "\"batch\"",
          "\"run_ended\"",
          "1",
          "2");

  private HostileGenerators() {}

  /**
   * Makes this thread's {@code sampleStream()} draw from {@code seed}, so a sample can be replayed.
   * jqwik's public API has no seeded sampling outside a property; its engine's source of randomness
   * is what {@code sampleStream} reads.
   */
  static void seedSampling(long seed) {
    SourceOfRandomness.create(Long.toString(seed));
  }

  /** Run ids the contract allows: 1..256 characters, some unusual. */
  static Arbitrary<String> runIds() {
    Arbitrary<String> plain =
        Arbitraries.strings().alpha().numeric().withChars("-_.:/").ofMinLength(1).ofMaxLength(40);
    Arbitrary<String> odd =
        Arbitraries.strings()
            .withChars("a\n\t\"\\ 训练é\u202e\u0000")
            .ofMinLength(1)
            .ofMaxLength(256);
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(9, plain), net.jqwik.api.Tuple.of(1, odd));
  }

  /** Any double, NaN and infinities included. */
  static Arbitrary<Double> reals() {
    return Arbitraries.doubles().withStandardSpecialValues();
  }

  static Arbitrary<Stats> stats() {
    Arbitrary<long[]> counts =
        Arbitraries.longs()
            .between(0, Long.MAX_VALUE)
            .flatMap(
                count ->
                    Arbitraries.longs()
                        .between(0, count)
                        .map(nonfinite -> new long[] {nonfinite, count}));
    return Combinators.combine(
            reals(),
            reals(),
            reals(),
            reals(),
            counts,
            reals().injectNull(0.5),
            reals().injectNull(0.5))
        .as(
            (min, max, mean, std, c, rowMean, rowStd) ->
                new Stats(min, max, mean, std, c[0], c[1], rowMean, rowStd));
  }

  static Arbitrary<BatchEvent> batches() {
    Arbitrary<Predictions> predictions =
        Combinators.combine(
                Arbitraries.doubles().between(0, 1), Arbitraries.doubles().between(0, 1))
            .as(Predictions::new);
    Arbitrary<BatchHead> head =
        Combinators.combine(
                runIds(),
                Arbitraries.longs().greaterOrEqual(0),
                Arbitraries.longs().greaterOrEqual(0),
                Arbitraries.integers().greaterOrEqual(0).injectNull(0.3),
                Arbitraries.integers().greaterOrEqual(1).injectNull(0.3),
                reals(),
                stats(),
                stats())
            .as(BatchHead::new);
    return Combinators.combine(
            head,
            predictions.injectNull(0.3),
            reals().injectNull(0.3),
            reals().injectNull(0.3),
            Arbitraries.doubles().greaterOrEqual(0).injectNull(0.3))
        .as(
            (h, p, grad, lr, ms) ->
                new BatchEvent(
                    h.runId,
                    h.tsMs,
                    h.step,
                    h.epoch,
                    h.batchSize,
                    h.loss,
                    h.input,
                    h.output,
                    p,
                    grad,
                    lr,
                    ms));
  }

  private record BatchHead(
      String runId,
      long tsMs,
      long step,
      Integer epoch,
      Integer batchSize,
      double loss,
      Stats input,
      Stats output) {}

  static Arbitrary<RunStarted> runsStarted() {
    StringArbitrary word =
        Arbitraries.strings().ofMinLength(1).ofMaxLength(64).alpha().numeric().withChars("-_");
    StringArbitrary text =
        Arbitraries.strings().ofMinLength(1).ofMaxLength(64).alpha().numeric().withChars(" -_");
    Arbitrary<Double> finite = Arbitraries.doubles().between(-1e6, 1e6);
    Arbitrary<InputRange> range =
        Combinators.combine(finite, finite)
            .as((a, b) -> new InputRange(Math.min(a, b), Math.max(a, b)));
    Arbitrary<LossDescriptor> loss =
        Combinators.combine(
                word,
                Arbitraries.of(InputKind.class).injectNull(0.3),
                text.injectNull(0.3),
                finite.injectNull(0.3))
            .as(LossDescriptor::new);
    Arbitrary<Map<String, String>> labels =
        Arbitraries.maps(text.ofMaxLength(20), text).ofMaxSize(5);
    Arbitrary<Map<String, Map<String, Object>>> rules =
        Arbitraries.maps(
                text.ofMaxLength(20),
                Arbitraries.maps(
                        text.ofMaxLength(20),
                        Arbitraries.oneOf(
                            Arbitraries.longs().map(l -> (Object) l),
                            Arbitraries.of(true, false).map(b -> (Object) b),
                            text.map(s -> (Object) s)))
                    .ofMaxSize(3))
            .ofMaxSize(3);
    Arbitrary<RunStartedHead> head =
        Combinators.combine(
                runIds(),
                Arbitraries.longs().greaterOrEqual(0),
                word,
                text.injectNull(0.5),
                text.injectNull(0.5),
                Arbitraries.integers().greaterOrEqual(0).injectNull(0.5),
                text.injectNull(0.5),
                labels)
            .as(RunStartedHead::new);
    return Combinators.combine(
            head,
            Arbitraries.integers().greaterOrEqual(1).injectNull(0.3),
            range.injectNull(0.3),
            loss.injectNull(0.2),
            rules)
        .as(
            (h, classes, r, l, ru) ->
                new RunStarted(
                    h.runId,
                    h.tsMs,
                    h.framework,
                    h.job,
                    h.host,
                    h.rank,
                    h.model,
                    h.labels,
                    classes,
                    r,
                    l,
                    ru));
  }

  private record RunStartedHead(
      String runId,
      long tsMs,
      String framework,
      String job,
      String host,
      Integer rank,
      String model,
      Map<String, String> labels) {}

  static Arbitrary<RunEnded> runsEnded() {
    return Combinators.combine(
            runIds(),
            Arbitraries.longs().greaterOrEqual(0),
            Arbitraries.of(RunStatus.class),
            Arbitraries.strings().ofMaxLength(4096).injectNull(0.5))
        .as(RunEnded::new);
  }

  /** Any event the contract allows. */
  static Arbitrary<TrainingEvent> validEvents() {
    return Arbitraries.frequencyOf(
        net.jqwik.api.Tuple.of(2, runsStarted().map(e -> (TrainingEvent) e)),
        net.jqwik.api.Tuple.of(6, batches().map(e -> (TrainingEvent) e)),
        net.jqwik.api.Tuple.of(2, runsEnded().map(e -> (TrainingEvent) e)));
  }

  /** Bytes that are not an event: random binary, or text made of JSON's own characters. */
  static Arbitrary<byte[]> garbage() {
    Arbitrary<byte[]> binary = Arbitraries.bytes().array(byte[].class).ofMaxSize(2048);
    Arbitrary<byte[]> jsonish =
        Arbitraries.strings()
            .withChars("{}[]\":,0123456789.eE+-truefalsnNIiyaxbch_ \n\\")
            .ofMaxLength(300)
            .map(s -> s.getBytes(UTF_8));
    return Arbitraries.oneOf(binary, jsonish);
  }

  /**
   * One change to a well-formed document. Which field and value is chosen by the indexes, modulo.
   */
  enum MutationKind {
    REMOVE_FIELD,
    REPLACE_VALUE,
    ADD_FIELD,
    DUPLICATE_FIELD,
    TRUNCATE,
    OVERWRITE_BYTE
  }

  record Mutation(MutationKind kind, int where, int what, byte newByte) {

    /** Applies the mutation to an event's JSON; the result may or may not be valid. */
    byte[] apply(TrainingEvent event) {
      ObjectNode tree = HostileCorpus.tree(event);
      List<String> paths = paths(tree, "");
      String path = paths.get(Math.floorMod(where, paths.size()));
      String raw = RAW_VALUES.get(Math.floorMod(what, RAW_VALUES.size()));
      byte[] encoded = EventCodec.encode(event);
      switch (kind) {
        case REMOVE_FIELD:
          HostileCorpus.remove(tree, path);
          return HostileCorpus.bytes(tree);
        case REPLACE_VALUE:
          return HostileCorpus.withRawValue(tree, path, raw);
        case ADD_FIELD:
          {
            String parent = path.contains(".") ? path.substring(0, path.lastIndexOf('.') + 1) : "";
            return HostileCorpus.withRawValue(tree, parent + "zz_unknown", raw);
          }
        case DUPLICATE_FIELD:
          {
            String leaf = path.substring(path.lastIndexOf('.') + 1);
            String text = new String(HostileCorpus.bytes(tree), UTF_8);
            return text.replaceFirst(
                    "\"" + java.util.regex.Pattern.quote(leaf) + "\":",
                    java.util.regex.Matcher.quoteReplacement(
                        "\"" + leaf + "\":" + raw + ",\"" + leaf + "\":"))
                .getBytes(UTF_8);
          }
        case TRUNCATE:
          return java.util.Arrays.copyOf(encoded, Math.floorMod(where, encoded.length));
        case OVERWRITE_BYTE:
          {
            byte[] copy = encoded.clone();
            copy[Math.floorMod(where, copy.length)] = newByte;
            return copy;
          }
        default:
          throw new IllegalStateException(kind.name());
      }
    }

    private static List<String> paths(JsonNode node, String prefix) {
      List<String> out = new ArrayList<>();
      for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
        String name = it.next();
        String path = prefix + name;
        out.add(path);
        JsonNode child = node.get(name);
        if (child.isObject() && !name.equals("labels") && !name.equals("rules")) {
          out.addAll(paths(child, path + "."));
        }
      }
      return out;
    }
  }

  static Arbitrary<Mutation> mutations() {
    return Combinators.combine(
            Arbitraries.of(MutationKind.class),
            Arbitraries.integers(),
            Arbitraries.integers(),
            Arbitraries.bytes())
        .as(Mutation::new);
  }

  /** A mutated event with the mutation that made it, for readable failure reports. */
  record Mutated(TrainingEvent original, Mutation mutation, byte[] value) {
    @Override
    public String toString() {
      return mutation + " of " + original + " -> " + new String(value, UTF_8);
    }
  }

  static Arbitrary<Mutated> mutatedEvents() {
    return Combinators.combine(validEvents(), mutations())
        .as((e, m) -> new Mutated(e, m, m.apply(e)));
  }
}
