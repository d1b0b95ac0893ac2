package io.trainwatch.bridge;

import java.util.concurrent.atomic.AtomicLong;

/** What a bridge has done since it started; safe to read from any thread. */
public final class BridgeStats {

  /**
   * A consistent-enough copy of the counters.
   *
   * @param received records read from the alerts topic
   * @param ignored tombstones (null values), which carry no alert
   * @param filtered alerts the routing filters excluded
   * @param duplicates emissions skipped because this or a later revision was already finished
   *     (redelivery)
   * @param superseded emissions replaced by a newer emission of the same alert while their delivery
   *     was failing
   * @param requests HTTP requests made for new emissions (a grouped Slack message is one request)
   * @param delivered emissions the destination accepted
   * @param retried failed attempts that will be retried (5xx, timeout, connection error)
   * @param rateLimited 429 answers
   * @param parked times an alert used up its attempts and was set aside for the park interval
   * @param deadLettered emissions written to the dead-letter topic (rejected by the API, or
   *     unreadable)
   * @param resent firing alerts re-sent to keep them alive (Alertmanager)
   */
  public record Snapshot(
      long received,
      long ignored,
      long filtered,
      long duplicates,
      long superseded,
      long requests,
      long delivered,
      long retried,
      long rateLimited,
      long parked,
      long deadLettered,
      long resent) {

    @Override
    public String toString() {
      return "received="
          + received
          + " delivered="
          + delivered
          + " requests="
          + requests
          + " retried="
          + retried
          + " rate_limited="
          + rateLimited
          + " parked="
          + parked
          + " dead_lettered="
          + deadLettered
          + " duplicates_skipped="
          + duplicates
          + " superseded="
          + superseded
          + " filtered="
          + filtered
          + " ignored="
          + ignored
          + " resent="
          + resent;
    }
  }

  final AtomicLong received = new AtomicLong();
  final AtomicLong ignored = new AtomicLong();
  final AtomicLong filtered = new AtomicLong();
  final AtomicLong duplicates = new AtomicLong();
  final AtomicLong superseded = new AtomicLong();
  final AtomicLong requests = new AtomicLong();
  final AtomicLong delivered = new AtomicLong();
  final AtomicLong retried = new AtomicLong();
  final AtomicLong rateLimited = new AtomicLong();
  final AtomicLong parked = new AtomicLong();
  final AtomicLong deadLettered = new AtomicLong();
  final AtomicLong resent = new AtomicLong();

  /** The counters now. */
  public Snapshot snapshot() {
    return new Snapshot(
        received.get(),
        ignored.get(),
        filtered.get(),
        duplicates.get(),
        superseded.get(),
        requests.get(),
        delivered.get(),
        retried.get(),
        rateLimited.get(),
        parked.get(),
        deadLettered.get(),
        resent.get());
  }
}
