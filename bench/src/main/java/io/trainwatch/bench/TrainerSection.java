package io.trainwatch.bench;

import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.schemas.Topics;
import io.trainwatch.trainer.PublisherStats;
import io.trainwatch.trainer.TrainwatchListener;
import java.util.ArrayList;
import java.util.List;

/** Item 3 on a broker of its own: trainwatch's listener publishes for real while it is timed. */
public final class TrainerSection {

  /**
   * The outcome.
   *
   * @param overhead the step times of the three setups
   * @param published what trainwatch's listener handed to its publisher and what the broker
   *     acknowledged
   */
  public record Result(TrainerOverheadBench.Result overhead, PublisherStats published) {}

  private TrainerSection() {}

  public static Result run(TrainerOverheadBench.Size size, long seed) {
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults())) {
      broker.createTopic(Topics.EVENTS, 1);
      List<TrainwatchListener> created = new ArrayList<>();
      TrainerOverheadBench.Result overhead =
          TrainerOverheadBench.run(
              size,
              runId -> {
                TrainwatchListener l =
                    TrainwatchListener.builder()
                        .kafka(broker.bootstrapServers())
                        .runId(runId)
                        .job("bench-trainer-overhead")
                        .build();
                created.add(l);
                return l;
              },
              seed);
      long published = 0;
      long delivered = 0;
      long dropped = 0;
      long failed = 0;
      for (TrainwatchListener l : created) {
        PublisherStats s = l.publisher().stats();
        published += s.published();
        delivered += s.delivered();
        dropped += s.dropped();
        failed += s.failed();
      }
      return new Result(overhead, new PublisherStats(published, delivered, dropped, failed));
    }
  }
}
