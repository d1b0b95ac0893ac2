package io.trainwatch.trainer;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.Topics;
import java.time.Duration;
import java.util.Properties;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.junit.jupiter.api.Test;

class KafkaPublisherSettingsTest {

  @Test
  void shouldConfigureAProducerThatNeverBlocks() {
    Properties p =
        KafkaEventPublisher.producerProperties(KafkaPublisherSettings.defaults("kafka:9092"));

    assertThat(p)
        .containsEntry(ProducerConfig.BOOTSTRAP_SERVERS_CONFIG, "kafka:9092")
        .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0")
        .containsEntry(ProducerConfig.BUFFER_MEMORY_CONFIG, "8388608")
        .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "30000")
        .containsEntry(ProducerConfig.LINGER_MS_CONFIG, "5")
        .containsEntry(ProducerConfig.COMPRESSION_TYPE_CONFIG, "lz4")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true")
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all");
    // The producer requires delivery.timeout.ms >= linger.ms + request.timeout.ms.
    assertThat(Long.parseLong(p.getProperty(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG)))
        .isEqualTo(29_995);
  }

  @Test
  void shouldShortenTheRequestTimeoutToFitAShortDeliveryTimeout() {
    KafkaPublisherSettings s =
        KafkaPublisherSettings.defaults("kafka:9092")
            .withTimeouts(Duration.ofSeconds(2), Duration.ZERO, Duration.ZERO);

    Properties p = KafkaEventPublisher.producerProperties(s);

    assertThat(p)
        .containsEntry(ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG, "2000")
        .containsEntry(ProducerConfig.REQUEST_TIMEOUT_MS_CONFIG, "1995");
  }

  @Test
  void shouldApplyClientPropertiesButNeverLetThemMakeSendBlockOrWeakenDelivery() {
    Properties client = new Properties();
    client.setProperty("security.protocol", "SASL_SSL");
    client.setProperty("sasl.jaas.config", "secret");
    client.setProperty(ProducerConfig.MAX_BLOCK_MS_CONFIG, "60000");
    client.setProperty(ProducerConfig.ACKS_CONFIG, "1");
    client.setProperty(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "false");

    Properties p =
        KafkaEventPublisher.producerProperties(
            KafkaPublisherSettings.defaults("kafka:9092").withClientProperties(client));

    assertThat(p)
        .containsEntry("security.protocol", "SASL_SSL")
        .containsEntry("sasl.jaas.config", "secret")
        .containsEntry(ProducerConfig.MAX_BLOCK_MS_CONFIG, "0")
        .as("a lost broker loses no event and repeats none")
        .containsEntry(ProducerConfig.ACKS_CONFIG, "all")
        .containsEntry(ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG, "true");
  }

  @Test
  void shouldPublishToTheEventsTopicByDefault() {
    assertThat(KafkaPublisherSettings.defaults("kafka:9092").topic()).isEqualTo(Topics.EVENTS);
  }

  @Test
  void shouldExplainInvalidSettings() {
    KafkaPublisherSettings d = KafkaPublisherSettings.defaults("kafka:9092");

    assertThatThrownBy(() -> KafkaPublisherSettings.defaults(" "))
        .hasMessage("bootstrapServers: must not be empty");
    assertThatThrownBy(() -> d.withBuffers(0, 1 << 20)).hasMessage("queueCapacity=0: must be >= 1");
    assertThatThrownBy(() -> d.withBuffers(10, 1000))
        .hasMessage("bufferMemoryBytes=1000: must be >= 65536");
    assertThatThrownBy(() -> d.withTimeouts(Duration.ofMillis(500), Duration.ZERO, Duration.ZERO))
        .hasMessage("deliveryTimeout=PT0.5S: must be >= PT1S");
    assertThatThrownBy(
            () -> d.withTimeouts(Duration.ofSeconds(5), Duration.ofSeconds(-1), Duration.ZERO))
        .hasMessage("metadataWarmup=PT-1S: must be >= PT0S");
  }
}
