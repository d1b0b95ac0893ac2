package io.trainwatch.schemas;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.StreamWriteFeature;
import com.fasterxml.jackson.core.json.JsonReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;
import java.util.Map;

/**
 * The one JSON configuration of the contract: how numbers, including non-finite ones, are read and
 * written.
 */
final class Json {

  /** Reads strict JSON plus the bare NaN/Infinity tokens Python's json module writes. */
  static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .enable(JsonReadFeature.ALLOW_NON_NUMERIC_NUMBERS)
          // One record is one document: bytes after it mean a torn or concatenated write, not an
          // event.
          .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          // Readers disagree on which of two values for one field wins, so such a record has no
          // single meaning.
          .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
          // Correctly rounded like the JDK's, twice as fast: parsing doubles was a sixth of the
          // monitor's time
          // (docs/benchmarks.md, "Where the time goes").
          .enable(StreamReadFeature.USE_FAST_DOUBLE_PARSER)
          .enable(StreamWriteFeature.USE_FAST_DOUBLE_WRITER)
          .build();

  private Json() {}

  static JsonNode parse(byte[] bytes) {
    if (bytes == null) {
      throw new InvalidEventException("value: null (a tombstone is not an event)");
    }
    if (bytes.length == 0) {
      throw new InvalidEventException("value: empty");
    }
    // JSON between systems is UTF-8 (RFC 8259 section 8.1). Jackson would silently detect UTF-16
    // and UTF-32, whose
    // first two bytes hold a zero or a byte order mark; neither can start UTF-8 JSON.
    int first = bytes[0] & 0xFF;
    if (first == 0 || first == 0xFE || first == 0xFF || bytes.length > 1 && bytes[1] == 0) {
      throw new InvalidEventException("value: not UTF-8 (looks like UTF-16 or UTF-32)");
    }
    try {
      JsonNode node = MAPPER.readTree(bytes);
      if (node == null || node.isMissingNode()) {
        throw new InvalidEventException("value: no JSON document");
      }
      return node;
    } catch (JsonProcessingException e) {
      throw new InvalidEventException("value: not valid JSON: " + describe(e), e);
    } catch (IOException e) {
      throw new InvalidEventException("value: not valid JSON: " + firstLine(e.getMessage()), e);
    }
  }

  /**
   * Jackson's message without its "[Source: REDACTED ...]" boilerplate, and where in the value it
   * went wrong.
   */
  private static String describe(JsonProcessingException e) {
    String what = firstLine(e.getOriginalMessage()).replaceAll("\\[Source: [^;\\]]*; ", "[");
    JsonLocation at = e.getLocation();
    return at == null || at.getColumnNr() < 1
        ? what
        : what + " (at line " + at.getLineNr() + ", column " + at.getColumnNr() + ")";
  }

  /** Writes a real number; non-finite values become the strings "NaN", "Infinity", "-Infinity". */
  static void writeReal(JsonGenerator g, String name, double v) throws IOException {
    g.writeFieldName(name);
    writeRealValue(g, v);
  }

  static void writeRealValue(JsonGenerator g, double v) throws IOException {
    if (Double.isFinite(v)) {
      g.writeNumber(v);
    } else if (Double.isNaN(v)) {
      g.writeString("NaN");
    } else {
      g.writeString(v > 0 ? "Infinity" : "-Infinity");
    }
  }

  static void writeOptionalReal(JsonGenerator g, String name, Double v) throws IOException {
    if (v != null) {
      writeReal(g, name, v);
    }
  }

  static void writeOptionalString(JsonGenerator g, String name, String v) throws IOException {
    if (v != null) {
      g.writeStringField(name, v);
    }
  }

  static void writeStringMap(JsonGenerator g, String name, Map<String, String> m)
      throws IOException {
    g.writeObjectFieldStart(name);
    for (Map.Entry<String, String> e : m.entrySet()) {
      g.writeStringField(e.getKey(), e.getValue());
    }
    g.writeEndObject();
  }

  /** Writes a scalar of unknown type: Number (non-finite as strings), Boolean, String or null. */
  static void writeScalar(JsonGenerator g, Object v) throws IOException {
    if (v == null) {
      g.writeNull();
    } else if (v instanceof Double || v instanceof Float) {
      writeRealValue(g, ((Number) v).doubleValue());
    } else if (v instanceof Integer
        || v instanceof Long
        || v instanceof Short
        || v instanceof Byte) {
      g.writeNumber(((Number) v).longValue());
    } else if (v instanceof Number) {
      writeRealValue(g, ((Number) v).doubleValue());
    } else if (v instanceof Boolean) {
      g.writeBoolean((Boolean) v);
    } else {
      g.writeString(v.toString());
    }
  }

  /**
   * Reads a scalar written by {@link #writeScalar}; "NaN"-like strings stay strings (the field
   * decides).
   */
  static Object readScalar(JsonNode v) {
    if (v == null || v.isNull()) {
      return null;
    }
    if (v.isIntegralNumber() && v.canConvertToLong()) {
      return v.longValue();
    }
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isBoolean()) {
      return v.booleanValue();
    }
    if (v.isTextual()) {
      return v.textValue();
    }
    throw new InvalidEventException(
        "expected a number, string, boolean or null, got " + JsonObjectReader.kind(v));
  }

  static String firstLine(String s) {
    if (s == null) {
      return "";
    }
    int nl = s.indexOf('\n');
    return nl < 0 ? s : s.substring(0, nl);
  }
}
