package io.trainwatch.bridge;

import io.trainwatch.broker.EmbeddedKafkaBroker;

/**
 * One real broker for all integration tests of this module (each test uses its own topics and
 * bridge name).
 */
final class SharedBroker {

  private static EmbeddedKafkaBroker broker;

  private SharedBroker() {}

  static synchronized EmbeddedKafkaBroker get() {
    if (broker == null) {
      broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
      Runtime.getRuntime().addShutdownHook(new Thread(broker::close, "shared-broker-close"));
    }
    return broker;
  }
}
