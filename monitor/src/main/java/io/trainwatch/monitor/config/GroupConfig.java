package io.trainwatch.monitor.config;

import java.time.Duration;
import java.util.regex.Pattern;

/**
 * How a monitor instance takes part in its Kafka Streams group ({@code monitor.group.*}, {@code
 * monitor.standby_replicas}): what decides how fast work resumes after an instance restarts or
 * dies. docs/reliability.md ("Takeover") has the trade-offs and the measured times.
 *
 * @param instanceId {@link #AUTO} (a static member whose id is kept in the state directory), {@link
 *     #NONE} (a dynamic member, a new one at every start) or the {@code group.instance.id} itself
 * @param sessionTimeout how long the group waits for a silent instance before its work moves to the
 *     others
 * @param standbyReplicas warm copies of each task's state kept on other instances
 */
public record GroupConfig(String instanceId, Duration sessionTimeout, int standbyReplicas) {

  /** A static member whose id is created once and kept in the state directory. */
  public static final String AUTO = "auto";

  /** A dynamic member: a restarted instance is a new member. */
  public static final String NONE = "none";

  /** What Kafka accepts in a {@code group.instance.id}, kept to characters safe in a file. */
  static final Pattern ID = Pattern.compile("[a-zA-Z0-9._-]{1,200}");

  public GroupConfig {
    if (instanceId == null || !ID.matcher(instanceId).matches()) {
      throw new IllegalArgumentException(
          "instance id " + instanceId + ": must be auto, none, or letters, digits, '.', '_', '-'");
    }
    if (sessionTimeout == null || sessionTimeout.toMillis() < 1_000) {
      throw new IllegalArgumentException(
          "session timeout " + sessionTimeout + ": must be at least 1 s");
    }
    if (standbyReplicas < 0) {
      throw new IllegalArgumentException("standby replicas " + standbyReplicas + ": must be >= 0");
    }
  }

  /** Whether this instance is a static member of its group. */
  public boolean isStatic() {
    return !NONE.equals(instanceId);
  }

  /**
   * The heartbeat interval that goes with the session timeout: a fifth of it, so that a rebalance
   * started by the group reaches every member well within the session.
   */
  public Duration heartbeatInterval() {
    return Duration.ofMillis(Math.max(200, sessionTimeout.toMillis() / 5));
  }
}
