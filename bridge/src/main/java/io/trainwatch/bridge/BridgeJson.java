package io.trainwatch.bridge;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.TreeMap;

/**
 * JSON building blocks shared by the destinations: one mapper, the contract's number rules (full
 * precision in JSON fields), safe truncation. Numbers in message text for people use {@link
 * io.trainwatch.schemas.util.Numbers#forPeople(Object)}.
 */
final class BridgeJson {

  static final ObjectMapper MAPPER = new ObjectMapper();
  static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private BridgeJson() {}

  static byte[] bytes(JsonNode node) {
    try {
      return MAPPER.writeValueAsBytes(node);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("cannot serialize a tree we built: " + e.getMessage(), e);
    }
  }

  /**
   * An evidence value as JSON; like the contract, non-finite numbers become "NaN", "Infinity",
   * "-Infinity".
   */
  static JsonNode scalar(Object v) {
    if (v == null) {
      return NODES.nullNode();
    }
    if (v instanceof Double || v instanceof Float) {
      double d = ((Number) v).doubleValue();
      return Double.isFinite(d) ? NODES.numberNode(d) : NODES.textNode(nonFinite(d));
    }
    if (v instanceof Number n) {
      return NODES.numberNode(n.longValue());
    }
    if (v instanceof Boolean b) {
      return NODES.booleanNode(b);
    }
    return NODES.textNode(v.toString());
  }

  /** The alert's evidence as a JSON object, in the alert's order. */
  static ObjectNode evidence(Map<String, Object> evidence) {
    ObjectNode o = NODES.objectNode();
    evidence.forEach((k, v) -> o.set(k, scalar(v)));
    return o;
  }

  /** Labels as a JSON object, sorted by name so payloads are stable. */
  static ObjectNode labels(Map<String, String> labels) {
    ObjectNode o = NODES.objectNode();
    new TreeMap<>(labels).forEach(o::put);
    return o;
  }

  /**
   * At most {@code max} UTF-16 units of {@code s}, ending in "…" when cut; never splits a surrogate
   * pair.
   */
  static String truncate(String s, int max) {
    if (s.length() <= max) {
      return s;
    }
    int end = max - 1;
    if (end > 0 && Character.isHighSurrogate(s.charAt(end - 1))) {
      end--;
    }
    return s.substring(0, Math.max(end, 0)) + "…";
  }

  private static String nonFinite(double d) {
    return Double.isNaN(d) ? "NaN" : d > 0 ? "Infinity" : "-Infinity";
  }
}
