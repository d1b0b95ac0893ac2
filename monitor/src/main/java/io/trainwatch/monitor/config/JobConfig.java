package io.trainwatch.monitor.config;

import java.time.Duration;

/**
 * How the monitor handles distributed jobs ({@code monitor.jobs.*}): its two repartition topics,
 * the grouping of ranks' alerts, and how long idle jobs are kept.
 *
 * @param jobSignalsTopic the ranks' reports re-keyed by job ({@code
 *     trainwatch.monitor.job-signals})
 * @param hostSignalsTopic faults re-keyed by host ({@code trainwatch.monitor.host-signals})
 * @param groupWait how long the rank-level alerts of one job and rule are collected into one
 *     job-level alert before it is published (Alertmanager's group_wait)
 * @param idleRetention how long a job without any event is remembered
 */
public record JobConfig(
    String jobSignalsTopic, String hostSignalsTopic, Duration groupWait, Duration idleRetention) {

  /** The ranks' reports, re-keyed by job. */
  public static final String JOB_SIGNALS_TOPIC = "trainwatch.monitor.job-signals";

  /** Faults of jobs, re-keyed by the host they implicate. */
  public static final String HOST_SIGNALS_TOPIC = "trainwatch.monitor.host-signals";

  public JobConfig {
    if (jobSignalsTopic == null
        || hostSignalsTopic == null
        || groupWait == null
        || idleRetention == null) {
      throw new IllegalArgumentException("job topics, group wait and idle retention are required");
    }
  }

  /** The default topics with these durations. */
  public static JobConfig of(Duration groupWait, Duration idleRetention) {
    return new JobConfig(JOB_SIGNALS_TOPIC, HOST_SIGNALS_TOPIC, groupWait, idleRetention);
  }

  /** These settings with {@code prefix} in front of the topic names. */
  public JobConfig withTopicPrefix(String prefix) {
    return new JobConfig(
        prefix + jobSignalsTopic, prefix + hostSignalsTopic, groupWait, idleRetention);
  }
}
