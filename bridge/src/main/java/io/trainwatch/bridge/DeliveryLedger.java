package io.trainwatch.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.AlertStatus;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * The last revision this bridge finished per alert_id: what makes redelivery after a crash safe. An
 * alert emission whose revision is at or below the one recorded here is never sent again, so an old
 * trigger redelivered after its resolve cannot re-open an incident. In memory; {@link LedgerTopic}
 * makes it durable in a compacted topic.
 */
final class DeliveryLedger {

  /** How an emission was finished. */
  enum Outcome {
    DELIVERED,
    DEAD_LETTERED;

    String wire() {
      return name().toLowerCase(Locale.ROOT);
    }

    static Outcome fromWire(String s) {
      return valueOf(s.toUpperCase(Locale.ROOT));
    }
  }

  /**
   * What the bridge last finished for one alert_id.
   *
   * @param partition the alerts-topic partition the emission came from (the bridge instance owning
   *     it re-sends it)
   * @param firingAlert the alert, when the last finished emission was a delivered firing one; else
   *     {@code null}
   */
  record Entry(
      int revision, AlertStatus status, Outcome outcome, int partition, Alert firingAlert) {

    Entry {
      if (revision < 1) {
        throw new IllegalArgumentException("revision=" + revision + ": must be >= 1");
      }
      if (status == null || outcome == null) {
        throw new IllegalArgumentException("status and outcome are required");
      }
    }

    /** The entry for a finished emission. */
    static Entry of(Alert a, Outcome outcome, int partition) {
      boolean keep = a.firing() && outcome == Outcome.DELIVERED;
      return new Entry(a.revision(), a.status(), outcome, partition, keep ? a : null);
    }

    /**
     * {@code true} if the destination currently shows this alert as firing, {@code false}
     * otherwise.
     */
    boolean active() {
      return firingAlert != null;
    }

    byte[] toJson() {
      ObjectNode o = BridgeJson.NODES.objectNode();
      o.put("revision", revision);
      o.put("status", status.wire());
      o.put("outcome", outcome.wire());
      o.put("partition", partition);
      if (firingAlert != null) {
        try {
          o.set("alert", BridgeJson.MAPPER.readTree(AlertCodec.encode(firingAlert)));
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      }
      return BridgeJson.bytes(o);
    }

    /**
     * Parses a state-topic value.
     *
     * @throws IllegalArgumentException if the value is not a ledger entry
     */
    static Entry fromJson(byte[] json) {
      try {
        JsonNode n = BridgeJson.MAPPER.readTree(json);
        if (n == null || !n.path("revision").canConvertToInt()) {
          throw new IllegalArgumentException("revision: missing");
        }
        Alert alert =
            n.hasNonNull("alert")
                ? AlertCodec.decode(BridgeJson.MAPPER.writeValueAsBytes(n.get("alert")))
                : null;
        return new Entry(
            n.get("revision").asInt(),
            AlertStatus.fromWire(n.path("status").asText()),
            Outcome.fromWire(n.path("outcome").asText()),
            n.path("partition").asInt(),
            alert);
      } catch (IOException | RuntimeException e) {
        throw new IllegalArgumentException("not a ledger entry: " + e.getMessage(), e);
      }
    }
  }

  private final Map<String, Entry> entries = new HashMap<>();

  /** {@code true} if this revision, or a later one, of {@code alertId} is already finished. */
  boolean settled(String alertId, int revision) {
    Entry e = entries.get(alertId);
    return e != null && revision <= e.revision();
  }

  /** Records a finished emission; an entry older than the one held (a replay) changes nothing. */
  void apply(String alertId, Entry entry) {
    entries.merge(alertId, entry, (old, neu) -> neu.revision() >= old.revision() ? neu : old);
  }

  Entry get(String alertId) {
    return entries.get(alertId);
  }

  /**
   * Alerts the destination shows as firing whose emissions come from {@code partitions}, by
   * alert_id.
   */
  Map<String, Alert> activeIn(Set<Integer> partitions) {
    Map<String, Alert> out = new LinkedHashMap<>();
    entries.forEach(
        (id, e) -> {
          if (e.active() && partitions.contains(e.partition())) {
            out.put(id, e.firingAlert());
          }
        });
    return out;
  }

  int size() {
    return entries.size();
  }
}
