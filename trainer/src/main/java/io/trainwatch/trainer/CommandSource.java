package io.trainwatch.trainer;

import io.trainwatch.schemas.ControlCommand;
import java.util.List;

/**
 * Where a run's commands come from: {@link KafkaCommandSubscriber} reads {@code
 * trainwatch.control}; tests may hand commands in directly. Implementations collect commands off
 * the training thread; {@link #drain} is called at each step boundary and must not block.
 */
public interface CommandSource extends AutoCloseable {

  /** The commands received for this run since the last call, in order; never blocks. */
  List<ControlCommand> drain();

  /** Stops receiving. Idempotent. */
  @Override
  void close();
}
