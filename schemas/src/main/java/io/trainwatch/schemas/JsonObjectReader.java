package io.trainwatch.schemas;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Typed, strict access to the fields of one JSON object, with error messages that name the field
 * path.
 *
 * <p>Absent and explicit {@code null} are both "missing" for optional getters, except where the
 * contract gives {@code null} a meaning of its own ({@link #isExplicitNull}).
 *
 * <p>Fields the reader does not know are skipped, never a reason to refuse the document (a newer
 * writer may add optional fields): {@link #skipUnknown} notes them in {@link #ignored()}, shared by
 * a reader and the readers of its nested objects.
 */
final class JsonObjectReader {

  /** How many ignored fields are noted per document; the rest are skipped unnamed. */
  static final int MAX_NOTED = 16;

  private final ObjectNode node;
  private final String path;
  private final List<String> ignored;

  JsonObjectReader(JsonNode node, String path) {
    this(node, path, new ArrayList<>(0));
  }

  private JsonObjectReader(JsonNode node, String path, List<String> ignored) {
    if (node == null || !node.isObject()) {
      throw new InvalidEventException(describe(path) + ": expected an object, got " + kind(node));
    }
    this.node = (ObjectNode) node;
    this.path = path;
    this.ignored = ignored;
  }

  /** Notes every field not in {@code allowed} as ignored: the reader does not know it. */
  void skipUnknown(Set<String> allowed) {
    for (Iterator<String> it = node.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        noteIgnored(field(name));
      }
    }
  }

  /** Notes something the reader skipped: an unknown field, or a value it does not know. */
  void noteIgnored(String what) {
    if (ignored.size() < MAX_NOTED) {
      ignored.add(what.length() <= 128 ? what : what.substring(0, 125) + "...");
    }
  }

  /** What was skipped in this document so far (field paths), at most {@link #MAX_NOTED}. */
  List<String> ignored() {
    return ignored;
  }

  boolean has(String name) {
    JsonNode v = node.get(name);
    return v != null && !v.isNull();
  }

  boolean isExplicitNull(String name) {
    JsonNode v = node.get(name);
    return v != null && v.isNull();
  }

  String requiredString(String name, int maxLength) {
    String s = optionalString(name, maxLength);
    if (s == null) {
      throw new InvalidEventException(field(name) + ": required");
    }
    return s;
  }

  String optionalString(String name, int maxLength) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw new InvalidEventException(field(name) + ": expected a string, got " + kind(v));
    }
    String s = v.textValue();
    if (s.length() > maxLength) {
      throw new InvalidEventException(
          field(name) + ": " + s.length() + " characters, at most " + maxLength + " allowed");
    }
    return s;
  }

  long requiredLong(String name, long min) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new InvalidEventException(field(name) + ": required");
    }
    return toLong(name, v, min);
  }

  Integer optionalInt(String name, int min) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    long l = toLong(name, v, min);
    if (l > Integer.MAX_VALUE) {
      throw new InvalidEventException(field(name) + "=" + l + ": too large");
    }
    return (int) l;
  }

  double requiredReal(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new InvalidEventException(field(name) + ": required");
    }
    return toReal(name, v);
  }

  Double optionalReal(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    return toReal(name, v);
  }

  Boolean optionalBoolean(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isBoolean()) {
      throw new InvalidEventException(field(name) + ": expected true or false, got " + kind(v));
    }
    return v.booleanValue();
  }

  /** A plain JSON number, finite: for fields where the contract has no non-finite spelling. */
  Double optionalFiniteNumber(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isNumber() || !Double.isFinite(v.doubleValue())) {
      throw new InvalidEventException(field(name) + ": expected a finite number, got " + kind(v));
    }
    return v.doubleValue();
  }

  double requiredFiniteNumber(String name) {
    Double d = optionalFiniteNumber(name);
    if (d == null) {
      throw new InvalidEventException(field(name) + ": required");
    }
    return d;
  }

  JsonObjectReader requiredObject(String name) {
    JsonNode v = node.get(name);
    if (v == null || v.isNull()) {
      throw new InvalidEventException(field(name) + ": required");
    }
    return new JsonObjectReader(v, field(name), ignored);
  }

  JsonObjectReader optionalObject(String name) {
    JsonNode v = node.get(name);
    return v == null || v.isNull() ? null : new JsonObjectReader(v, field(name), ignored);
  }

  Map<String, String> stringMap(String name, int maxEntries, int maxKeyLength, int maxValueLength) {
    JsonObjectReader m = optionalObject(name);
    if (m == null) {
      return Map.of();
    }
    if (m.node.size() > maxEntries) {
      throw new InvalidEventException(
          field(name) + ": " + m.node.size() + " entries, at most " + maxEntries + " allowed");
    }
    Map<String, String> out = new LinkedHashMap<>();
    for (Iterator<String> it = m.node.fieldNames(); it.hasNext(); ) {
      String k = it.next();
      if (k.isEmpty() || k.length() > maxKeyLength) {
        throw new InvalidEventException(
            m.field(k) + ": key must have 1.." + maxKeyLength + " characters");
      }
      out.put(k, m.requiredString(k, maxValueLength));
    }
    return out;
  }

  /** Field names in document order. */
  Iterable<String> fieldNames() {
    return node::fieldNames;
  }

  int size() {
    return node.size();
  }

  JsonNode raw(String name) {
    return node.get(name);
  }

  String field(String name) {
    return path.isEmpty() ? name : path + "." + name;
  }

  private long toLong(String name, JsonNode v, long min) {
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw new InvalidEventException(field(name) + ": expected an integer, got " + kind(v));
    }
    long l = v.longValue();
    if (l < min) {
      throw new InvalidEventException(field(name) + "=" + l + ": must be >= " + min);
    }
    return l;
  }

  private double toReal(String name, JsonNode v) {
    if (v.isNumber()) {
      return v.doubleValue();
    }
    if (v.isTextual()) {
      switch (v.textValue()) {
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
    throw new InvalidEventException(
        field(name) + ": expected a number or \"NaN\"/\"Infinity\"/\"-Infinity\", got " + kind(v));
  }

  static String kind(JsonNode v) {
    if (v == null) {
      return "nothing";
    }
    if (v.isTextual()) {
      String t = v.textValue();
      return "string \"" + (t.length() > 40 ? t.substring(0, 40) + "…" : t) + "\"";
    }
    return v.getNodeType().name().toLowerCase(java.util.Locale.ROOT);
  }

  private static String describe(String path) {
    return path.isEmpty() ? "event" : path;
  }
}
