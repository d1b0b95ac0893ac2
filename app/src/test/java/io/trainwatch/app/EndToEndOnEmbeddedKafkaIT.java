package io.trainwatch.app;

import io.trainwatch.broker.EmbeddedKafkaBroker;

/** {@link EndToEndScenarios} on the in-process KRaft broker: runs everywhere, no Docker needed. */
class EndToEndOnEmbeddedKafkaIT extends EndToEndScenarios {

  private EmbeddedKafkaBroker broker;

  @Override
  String startKafka() {
    broker = EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults());
    return broker.bootstrapServers();
  }

  @Override
  void stopKafka() {
    if (broker != null) {
      broker.close();
    }
  }
}
