package io.trainwatch.trainer;

/**
 * Counters of an {@link EventPublisher}. Every published event ends up in exactly one of {@code
 * delivered}, {@code dropped} or {@code failed}; until then it is {@link #pending()}.
 *
 * @param published events handed to {@link EventPublisher#publish}
 * @param delivered events the destination acknowledged
 * @param dropped events given up before they were sent: queue or send buffer full, or publisher
 *     closed
 * @param failed events sent that could not be delivered (broker unreachable until the delivery
 *     timeout, ...)
 */
public record PublisherStats(long published, long delivered, long dropped, long failed) {

  public PublisherStats {
    if (published < 0 || delivered < 0 || dropped < 0 || failed < 0) {
      throw new IllegalArgumentException(
          "publisher counters must be >= 0, got published="
              + published
              + " delivered="
              + delivered
              + " dropped="
              + dropped
              + " failed="
              + failed);
    }
  }

  /** Events published but not yet delivered, dropped or failed. */
  public long pending() {
    return Math.max(0, published - delivered - dropped - failed);
  }

  /** Events that will never arrive: dropped plus failed. */
  public long lost() {
    return dropped + failed;
  }
}
