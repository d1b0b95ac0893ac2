package io.trainwatch.bench;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertCodec;
import io.trainwatch.schemas.Topics;
import io.trainwatch.simulator.RunProfile;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.clients.consumer.KafkaConsumer;

/**
 * What the monitor found in a pre-loaded fleet: which runs got a firing alert, by the kind of run
 * they were. A fast monitor that misses the faults, or pages on healthy runs, is not a result worth
 * quoting.
 *
 * @param runsByProfile runs of each kind in the fleet
 * @param alertedByProfile runs of each kind with at least one firing alert
 * @param firingByRule firing emissions per rule
 */
public record AlertTally(
    Map<RunProfile, Integer> runsByProfile,
    Map<RunProfile, Integer> alertedByProfile,
    Map<String, Integer> firingByRule) {

  /**
   * Reads {@link Topics#ALERTS} from the beginning to its end and matches alerts to the fleet's
   * runs.
   */
  public static AlertTally read(String bootstrapServers, Fleet fleet) {
    Map<String, RunProfile> profiles = new HashMap<>();
    fleet.runs().forEach(r -> profiles.put(r.runId(), r.profile()));
    Set<String> alerted = new HashSet<>();
    Map<String, Integer> byRule = new TreeMap<>();
    try (TopicProbe probe = new TopicProbe(bootstrapServers);
        KafkaConsumer<byte[], byte[]> consumer = TopicReading.committed(bootstrapServers)) {
      TopicReading.readToEnd(
          consumer,
          probe.endOffsets(probe.partitions(Topics.ALERTS)),
          r -> {
            Alert a = AlertCodec.decode(r.value());
            if (a.firing() && profiles.containsKey(a.runId())) {
              alerted.add(a.runId());
              byRule.merge(a.rule(), 1, Integer::sum);
            }
          });
    }
    Map<RunProfile, Integer> runs = new EnumMap<>(RunProfile.class);
    Map<RunProfile, Integer> hit = new EnumMap<>(RunProfile.class);
    profiles.forEach(
        (run, profile) -> {
          runs.merge(profile, 1, Integer::sum);
          hit.merge(profile, alerted.contains(run) ? 1 : 0, Integer::sum);
        });
    return new AlertTally(runs, hit, byRule);
  }

  /** Faulty runs that got an alert, of all faulty runs. */
  public double faultyRecall() {
    int faulty = 0;
    int hit = 0;
    for (RunProfile p : RunProfile.values()) {
      if (p.faulty()) {
        faulty += runsByProfile.getOrDefault(p, 0);
        hit += alertedByProfile.getOrDefault(p, 0);
      }
    }
    return faulty == 0 ? 1 : (double) hit / faulty;
  }

  /** Healthy runs (including legitimately negative losses) that got an alert. */
  public int healthyAlerted() {
    int n = 0;
    for (RunProfile p : RunProfile.values()) {
      if (!p.faulty()) {
        n += alertedByProfile.getOrDefault(p, 0);
      }
    }
    return n;
  }
}
