package io.trainwatch.bridge;

/**
 * How fast the bridge may call one destination: a token bucket of {@code burst} requests refilled
 * at {@code perSecond}. {@code perSecond = 0} means unpaced.
 */
public record RatePolicy(double perSecond, int burst) {

  public RatePolicy {
    if (!(perSecond >= 0) || Double.isInfinite(perSecond)) {
      throw new IllegalArgumentException("perSecond=" + perSecond + ": must be >= 0 and finite");
    }
    if (burst < 1) {
      throw new IllegalArgumentException("burst=" + burst + ": must be >= 1");
    }
  }

  /** No pacing. */
  public static RatePolicy unlimited() {
    return new RatePolicy(0, 1);
  }

  /**
   * The documented limits: Slack incoming webhooks take 1 message per second with short bursts;
   * PagerDuty Events v2 about 120 events per minute per routing key. Alertmanager and webhooks are
   * unpaced unless configured.
   */
  public static RatePolicy documentedFor(Destination d) {
    return switch (d) {
      case SLACK -> new RatePolicy(1, 3);
      case PAGERDUTY -> new RatePolicy(2, 10);
      case ALERTMANAGER, WEBHOOK -> unlimited();
    };
  }

  /** {@code true} if requests are paced, {@code false} otherwise. */
  public boolean paced() {
    return perSecond > 0;
  }
}
