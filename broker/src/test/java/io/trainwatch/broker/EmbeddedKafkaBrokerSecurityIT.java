package io.trainwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.trainwatch.broker.BrokerSecurity.SaslMechanism;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.SaslAuthenticationException;
import org.apache.kafka.common.errors.TopicAuthorizationException;
import org.apache.kafka.common.resource.PatternType;
import org.apache.kafka.common.resource.ResourceType;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaBrokerSecurityIT {

  private static final String PASSWORD = "alice-Pa55word";

  @Test
  void shouldAuthenticateWithScramAndEnforceAcls() throws Exception {
    BrokerSecurity security =
        BrokerSecurity.sasl(
                SaslMechanism.SCRAM_SHA_256, Map.of("alice", PASSWORD, "mallory", "mallory-pw"))
            .withAcls();
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults().withSecurity(security))) {
      broker.createTopic("secured", 1);

      // Unauthenticated: the SASL listener drops a plaintext client, which never gets metadata.
      Map<String, Object> anonymous =
          shortTimeouts(Map.of("bootstrap.servers", broker.bootstrapServers()));
      try (Admin admin = Admin.create(anonymous)) {
        assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
            .isInstanceOf(ExecutionException.class);
      }

      // Wrong password: refused at authentication, and the message does not echo the password
      // tried.
      Map<String, Object> wrong = new HashMap<>(broker.clientConfig("alice"));
      wrong.putAll(security.clientConfig("alice", "guess-123"));
      try (Admin admin = Admin.create(shortTimeouts(wrong))) {
        assertThatThrownBy(() -> admin.listTopics().names().get(10, TimeUnit.SECONDS))
            .hasCauseInstanceOf(SaslAuthenticationException.class)
            .satisfies(e -> assertThat(e.getMessage()).doesNotContain("guess-123"));
      }

      // Authenticated but not authorized.
      assertThatThrownBy(() -> produce(broker.clientConfig("mallory"), "secured", 1))
          .hasRootCauseInstanceOf(TopicAuthorizationException.class);

      // Authenticated and authorized: produce and consume.
      grant(
          broker,
          "alice",
          ResourceType.TOPIC,
          "secured",
          AclOperation.WRITE,
          AclOperation.READ,
          AclOperation.DESCRIBE);
      grant(broker, "alice", ResourceType.GROUP, "alice-group", AclOperation.READ);
      produce(broker.clientConfig("alice"), "secured", 3);
      assertThat(consume(broker.clientConfig("alice"), "secured", "alice-group", 3)).isEqualTo(3);
      assertThat(security.toString())
          .doesNotContain(PASSWORD)
          .doesNotContain(security.adminPassword());
    }
  }

  @Test
  void shouldServeTransactionsOverPlainSasl() throws Exception {
    BrokerSecurity security = BrokerSecurity.sasl(SaslMechanism.PLAIN, Map.of("bob", "bob-pw"));
    try (EmbeddedKafkaBroker broker =
        EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults().withSecurity(security))) {
      broker.createTopic("plain", 2);
      Map<String, Object> bob = new HashMap<>(broker.clientConfig("bob"));
      bob.put(ProducerConfig.TRANSACTIONAL_ID_CONFIG, "tx-plain");
      // Committing needs the broker to write transaction markers to itself, over the authenticated
      // listener.
      produce(bob, "plain", 4);
      assertThat(consume(broker.clientConfig("bob"), "plain", "bob-group", 4)).isEqualTo(4);
    }
  }

  @Test
  void shouldRejectReservedOrUnquotablePasswordsWithoutEchoingThem() {
    assertThatThrownBy(() -> BrokerSecurity.sasl(SaslMechanism.PLAIN, Map.of("admin", "x")))
        .hasMessageContaining("reserved");
    assertThatThrownBy(() -> BrokerSecurity.sasl(SaslMechanism.PLAIN, Map.of("eve", "a\"b-secret")))
        .hasMessageContaining("password of 'eve'")
        .satisfies(e -> assertThat(e.getMessage()).doesNotContain("a\"b-secret"));
  }

  private static void grant(
      EmbeddedKafkaBroker broker,
      String user,
      ResourceType type,
      String name,
      AclOperation... operations)
      throws Exception {
    new AclGrants().allow(user, type, name, PatternType.LITERAL, operations).grantOn(broker);
  }

  private static Map<String, Object> shortTimeouts(Map<String, Object> config) {
    Map<String, Object> c = new HashMap<>(config);
    c.put("request.timeout.ms", 3000);
    c.put("default.api.timeout.ms", 5000);
    c.put("reconnect.backoff.max.ms", 500);
    return c;
  }

  private static void produce(Map<String, Object> client, String topic, int n) throws Exception {
    Map<String, Object> props = new HashMap<>(client);
    props.put(ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG, StringSerializer.class);
    props.put(ProducerConfig.MAX_BLOCK_MS_CONFIG, 10_000);
    boolean transactional = props.containsKey(ProducerConfig.TRANSACTIONAL_ID_CONFIG);
    try (KafkaProducer<String, String> producer = new KafkaProducer<>(props)) {
      if (transactional) {
        producer.initTransactions();
        producer.beginTransaction();
      }
      for (int i = 0; i < n; i++) {
        if (transactional) {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i));
        } else {
          producer.send(new ProducerRecord<>(topic, "k" + i, "v" + i)).get(10, TimeUnit.SECONDS);
        }
      }
      if (transactional) {
        producer.commitTransaction();
      }
    }
  }

  private static int consume(Map<String, Object> client, String topic, String group, int n) {
    Map<String, Object> props = new HashMap<>(client);
    props.put(ConsumerConfig.GROUP_ID_CONFIG, group);
    props.put(ConsumerConfig.AUTO_OFFSET_RESET_CONFIG, "earliest");
    props.put(ConsumerConfig.ISOLATION_LEVEL_CONFIG, "read_committed");
    props.put(ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    props.put(ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG, StringDeserializer.class);
    int[] seen = {0};
    try (KafkaConsumer<String, String> consumer = new KafkaConsumer<>(props)) {
      consumer.subscribe(List.of(topic));
      await()
          .atMost(Duration.ofSeconds(30))
          .pollInSameThread()
          .pollDelay(Duration.ZERO)
          .pollInterval(Duration.ofMillis(10))
          .until(
              () -> {
                seen[0] += consumer.poll(Duration.ofMillis(200)).count();
                return seen[0] >= n;
              });
    }
    return seen[0];
  }
}
