package io.trainwatch.schemas;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import java.io.IOException;

/**
 * Reads the common case, a well-formed {@code batch} event of this reader's own version, straight
 * from Jackson's token stream, without building a tree: decoding was the largest part of the
 * monitor's time per event (docs/benchmarks-notes.md).
 *
 * <p><b>All or nothing.</b> It accepts only what {@link EventCodec}'s tree reader accepts and reads
 * it to the same values (the same parser, configured alike: the same doubles); anything else, an
 * invalid event, another type, a field or value this reader does not know, an explicit {@code null}
 * where the tree reader has rules for it, a duplicate field, is left to the tree reader by
 * returning {@code null}. So validation messages, dead-lettering and what is reported as ignored
 * come from one place, and this class can only be faster, never different.
 */
final class BatchFastPath {

  // Top-level fields, one bit each (duplicates are left to the tree reader, which refuses them).
  private static final int SCHEMA_VERSION = 1;
  private static final int TYPE = 1 << 1;
  private static final int RUN_ID = 1 << 2;
  private static final int TS_MS = 1 << 3;
  private static final int STEP = 1 << 4;
  private static final int EPOCH = 1 << 5;
  private static final int BATCH_SIZE = 1 << 6;
  private static final int LOSS = 1 << 7;
  private static final int INPUT = 1 << 8;
  private static final int OUTPUT = 1 << 9;
  private static final int PREDICTIONS = 1 << 10;
  private static final int GRAD_NORM = 1 << 11;
  private static final int FIRST_LAYER_GRAD_NORM = 1 << 12;
  private static final int LR = 1 << 13;
  private static final int STEP_MS = 1 << 14;
  private static final int DATA_MS = 1 << 15;
  private static final int COMPUTE_MS = 1 << 16;
  private static final int LOSS_SCALE = 1 << 17;
  private static final int SKIPPED = 1 << 18;

  private static final int REQUIRED = SCHEMA_VERSION | TYPE | RUN_ID | TS_MS | STEP | LOSS;

  /** Thrown inside to give up: the tree reader decides. */
  private static final class NotFast extends Exception {
    private static final NotFast INSTANCE = new NotFast();

    private NotFast() {
      super(null, null, false, false);
    }
  }

  private BatchFastPath() {}

  /**
   * The batch event in {@code bytes}, or {@code null} when the tree reader must decide (not a
   * batch, not valid, or anything this fast path does not handle).
   */
  static BatchEvent tryRead(byte[] bytes) {
    if (bytes == null || bytes.length < 2) {
      return null;
    }
    int first = bytes[0] & 0xFF;
    if (first != '{' || bytes[1] == 0) {
      return null; // leading whitespace, UTF-16/32, not an object: the tree reader's cases
    }
    try (JsonParser p = Json.MAPPER.createParser(bytes)) {
      // Duplicates are found below, per object, with a bit per known field.
      p.disable(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
      BatchEvent event = read(p);
      // One record is one document.
      return p.nextToken() == null ? event : null;
    } catch (NotFast | IOException | RuntimeException e) {
      return null;
    }
  }

  private static BatchEvent read(JsonParser p) throws IOException, NotFast {
    if (p.nextToken() != JsonToken.START_OBJECT) {
      throw NotFast.INSTANCE;
    }
    int seen = 0;
    String runId = null;
    long tsMs = 0;
    long step = 0;
    Integer epoch = null;
    Integer batchSize = null;
    double loss = 0;
    Stats input = null;
    Stats output = null;
    Predictions predictions = null;
    Double gradNorm = null;
    Double firstLayerGradNorm = null;
    Double lr = null;
    Double stepMs = null;
    Double dataMs = null;
    Double computeMs = null;
    Double lossScale = null;
    Boolean skipped = null;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken v = p.nextToken();
      int bit = bit(name);
      if ((seen & bit) != 0) {
        throw NotFast.INSTANCE;
      }
      seen |= bit;
      switch (bit) {
        case SCHEMA_VERSION -> {
          if (v != JsonToken.VALUE_NUMBER_INT
              || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER
              || p.getLongValue() != TrainingEvent.SCHEMA_VERSION) {
            throw NotFast.INSTANCE;
          }
        }
        case TYPE -> {
          if (v != JsonToken.VALUE_STRING || !"batch".equals(p.getText())) {
            throw NotFast.INSTANCE;
          }
        }
        case RUN_ID -> {
          if (v != JsonToken.VALUE_STRING) {
            throw NotFast.INSTANCE;
          }
          runId = p.getText();
          if (runId.isEmpty() || runId.length() > TrainingEvent.MAX_RUN_ID_LENGTH) {
            throw NotFast.INSTANCE;
          }
        }
        case TS_MS -> tsMs = nonNegativeLong(p, v, 0);
        case STEP -> step = nonNegativeLong(p, v, 0);
        case EPOCH -> epoch = optionalInt(p, v, 0);
        case BATCH_SIZE -> batchSize = optionalInt(p, v, 1);
        case LOSS -> loss = real(p, v);
        case INPUT -> input = stats(p, v);
        case OUTPUT -> output = stats(p, v);
        case PREDICTIONS -> predictions = v == JsonToken.VALUE_NULL ? null : predictions(p, v);
        case GRAD_NORM -> gradNorm = optionalReal(p, v);
        case FIRST_LAYER_GRAD_NORM -> firstLayerGradNorm = optionalReal(p, v);
        case LR -> lr = optionalReal(p, v);
        case STEP_MS -> stepMs = optionalFinite(p, v);
        case DATA_MS -> dataMs = optionalFinite(p, v);
        case COMPUTE_MS -> computeMs = optionalFinite(p, v);
        case LOSS_SCALE -> lossScale = optionalFinite(p, v);
        case SKIPPED -> {
          if (v == JsonToken.VALUE_TRUE || v == JsonToken.VALUE_FALSE) {
            skipped = v == JsonToken.VALUE_TRUE;
          } else if (v != JsonToken.VALUE_NULL) {
            throw NotFast.INSTANCE;
          }
        }
        default -> throw NotFast.INSTANCE; // a field this reader does not know
      }
    }
    if (t != JsonToken.END_OBJECT
        || (seen & REQUIRED) != REQUIRED
        || input == null
        || output == null) {
      throw NotFast.INSTANCE;
    }
    // The records' own invariants throw IllegalArgumentException: the tree reader words them.
    return new BatchEvent(
        runId,
        tsMs,
        step,
        epoch,
        batchSize,
        loss,
        input,
        output,
        predictions,
        gradNorm,
        firstLayerGradNorm,
        lr,
        stepMs,
        dataMs,
        computeMs,
        lossScale,
        skipped);
  }

  private static int bit(String name) {
    return switch (name) {
      case "schema_version" -> SCHEMA_VERSION;
      case "type" -> TYPE;
      case "run_id" -> RUN_ID;
      case "ts_ms" -> TS_MS;
      case "step" -> STEP;
      case "epoch" -> EPOCH;
      case "batch_size" -> BATCH_SIZE;
      case "loss" -> LOSS;
      case "input" -> INPUT;
      case "output" -> OUTPUT;
      case "predictions" -> PREDICTIONS;
      case "grad_norm" -> GRAD_NORM;
      case "first_layer_grad_norm" -> FIRST_LAYER_GRAD_NORM;
      case "lr" -> LR;
      case "step_ms" -> STEP_MS;
      case "data_ms" -> DATA_MS;
      case "compute_ms" -> COMPUTE_MS;
      case "loss_scale" -> LOSS_SCALE;
      case "skipped" -> SKIPPED;
      default -> 0;
    };
  }

  /** An integer within a long, at least {@code min} (a required field: null is refused). */
  private static long nonNegativeLong(JsonParser p, JsonToken v, long min)
      throws IOException, NotFast {
    if (v != JsonToken.VALUE_NUMBER_INT || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER) {
      throw NotFast.INSTANCE;
    }
    long l = p.getLongValue();
    if (l < min) {
      throw NotFast.INSTANCE;
    }
    return l;
  }

  private static Integer optionalInt(JsonParser p, JsonToken v, long min)
      throws IOException, NotFast {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    long l = nonNegativeLong(p, v, min);
    if (l > Integer.MAX_VALUE) {
      throw NotFast.INSTANCE;
    }
    return (int) l;
  }

  /** A number, or one of the strings "NaN", "Infinity", "-Infinity" (null is refused). */
  private static double real(JsonParser p, JsonToken v) throws IOException, NotFast {
    if (v == JsonToken.VALUE_NUMBER_FLOAT
        || v == JsonToken.VALUE_NUMBER_INT
            && p.getNumberType() != JsonParser.NumberType.BIG_INTEGER) {
      return p.getDoubleValue();
    }
    if (v == JsonToken.VALUE_STRING) {
      switch (p.getText()) {
        case "NaN":
          return Double.NaN;
        case "Infinity":
          return Double.POSITIVE_INFINITY;
        case "-Infinity":
          return Double.NEGATIVE_INFINITY;
        default:
          break;
      }
    }
    throw NotFast.INSTANCE;
  }

  private static Double optionalReal(JsonParser p, JsonToken v) throws IOException, NotFast {
    return v == JsonToken.VALUE_NULL ? null : real(p, v);
  }

  /** A plain finite number, or null. */
  private static Double optionalFinite(JsonParser p, JsonToken v) throws IOException, NotFast {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.VALUE_NUMBER_FLOAT
        && (v != JsonToken.VALUE_NUMBER_INT
            || p.getNumberType() == JsonParser.NumberType.BIG_INTEGER)) {
      throw NotFast.INSTANCE;
    }
    double d = p.getDoubleValue();
    if (!Double.isFinite(d)) {
      throw NotFast.INSTANCE;
    }
    return d;
  }

  private static Stats stats(JsonParser p, JsonToken v) throws IOException, NotFast {
    if (v != JsonToken.START_OBJECT) {
      throw NotFast.INSTANCE;
    }
    int seen = 0;
    double min = 0;
    double max = 0;
    double mean = 0;
    double std = 0;
    long nonfinite = 0;
    long count = 0;
    Double rowSumMean = null;
    Double rowSumStd = null;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken f = p.nextToken();
      int bit =
          switch (name) {
            case "min" -> 1;
            case "max" -> 1 << 1;
            case "mean" -> 1 << 2;
            case "std" -> 1 << 3;
            case "nonfinite" -> 1 << 4;
            case "count" -> 1 << 5;
            case "row_sum_mean" -> 1 << 6;
            case "row_sum_std" -> 1 << 7;
            default -> throw NotFast.INSTANCE;
          };
      if ((seen & bit) != 0) {
        throw NotFast.INSTANCE;
      }
      seen |= bit;
      switch (bit) {
        case 1 -> min = real(p, f);
        case 1 << 1 -> max = real(p, f);
        case 1 << 2 -> mean = real(p, f);
        case 1 << 3 -> std = real(p, f);
        case 1 << 4 -> nonfinite = nonNegativeLong(p, f, 0);
        case 1 << 5 -> count = nonNegativeLong(p, f, 0);
        case 1 << 6 -> rowSumMean = optionalReal(p, f);
        default -> rowSumStd = optionalReal(p, f);
      }
    }
    if (t != JsonToken.END_OBJECT || (seen & 0x3F) != 0x3F) {
      throw NotFast.INSTANCE;
    }
    return new Stats(min, max, mean, std, nonfinite, count, rowSumMean, rowSumStd);
  }

  private static Predictions predictions(JsonParser p, JsonToken v) throws IOException, NotFast {
    if (v != JsonToken.START_OBJECT) {
      throw NotFast.INSTANCE;
    }
    Double top = null;
    Double entropy = null;
    JsonToken t;
    while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
      String name = p.currentName();
      JsonToken f = p.nextToken();
      switch (name) {
        case "top_class_fraction" -> {
          if (top != null) {
            throw NotFast.INSTANCE;
          }
          top = requiredFinite(p, f);
        }
        case "entropy" -> {
          if (entropy != null) {
            throw NotFast.INSTANCE;
          }
          entropy = requiredFinite(p, f);
        }
        default -> throw NotFast.INSTANCE;
      }
    }
    if (t != JsonToken.END_OBJECT || top == null || entropy == null) {
      throw NotFast.INSTANCE;
    }
    return new Predictions(top, entropy);
  }

  private static double requiredFinite(JsonParser p, JsonToken v) throws IOException, NotFast {
    Double d = optionalFinite(p, v);
    if (d == null) {
      throw NotFast.INSTANCE;
    }
    return d;
  }
}
