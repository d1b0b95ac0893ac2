package io.trainwatch.broker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.OptionalInt;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.consumer.ConsumerConfig;
import org.apache.kafka.clients.consumer.KafkaConsumer;
import org.apache.kafka.clients.producer.KafkaProducer;
import org.apache.kafka.clients.producer.ProducerConfig;
import org.apache.kafka.clients.producer.ProducerRecord;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.TopicPartitionInfo;
import org.apache.kafka.common.serialization.StringDeserializer;
import org.apache.kafka.common.serialization.StringSerializer;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class EmbeddedKafkaClusterIT {

  @Test
  void shouldKeepEveryAcknowledgedWriteWhenTheLeaderIsKilledAndRejoinAfterARestart()
      throws Exception {
    try (EmbeddedKafkaCluster cluster =
        EmbeddedKafkaCluster.start(EmbeddedKafkaCluster.Options.defaults())) {
      assertThat(cluster.brokerIds()).containsExactly(1, 2, 3);
      cluster.createTopic("t", 2, Map.of());
      Map<Integer, TopicPartitionInfo> before = cluster.describe("t");
      assertThat(before.values())
          .allSatisfy(p -> assertThat(p.replicas()).hasSize(3))
          .allSatisfy(p -> assertThat(p.isr()).hasSize(3));

      try (KafkaProducer<String, String> producer = producer(cluster)) {
        send(producer, 0, 100);
        int leader = cluster.leaderOf("t", 0).orElseThrow();
        long killed = System.nanoTime();
        cluster.kill(leader);
        assertThat(cluster.isRunning(leader)).isFalse();
        // Sent while partition 0 has no live leader: acks=all waits for the new one.
        List<Future<?>> during = sendAsync(producer, 100, 200);
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(() -> newLeader(cluster, leader).isPresent());
        long electedMs = (System.nanoTime() - killed) / 1_000_000;
        for (Future<?> f : during) {
          f.get(60, TimeUnit.SECONDS);
        }
        long resumedMs = (System.nanoTime() - killed) / 1_000_000;
        TopicPartitionInfo after = cluster.describe("t").get(0);
        System.out.printf(
            "cluster: broker %d (leader of t-0) killed; new leader %d after %d ms, the 100 sends"
                + " of the gap acknowledged after %d ms; ISR %s%n",
            leader, after.leader().id(), electedMs, resumedMs, ids(after.isr()));
        assertThat(after.leader().id()).isNotEqualTo(leader);
        assertThat(ids(after.isr())).doesNotContain(leader).hasSize(2);

        cluster.restart(leader);
        assertThat(cluster.isRunning(leader)).isTrue();
        send(producer, 200, 300);
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(200))
            .until(() -> cluster.describe("t").get(0).isr().size() == 3);
      }
      assertThat(consume(cluster, 300)).containsExactlyElementsOf(range(0, 300));
    }
  }

  @Test
  void shouldRefuseImpossibleOptions() {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new EmbeddedKafkaCluster.Options(3, 4, 2, Map.of()))
        .withMessage("replicationFactor=4: must be in 1..3");
    assertThatIllegalArgumentException()
        .isThrownBy(() -> new EmbeddedKafkaCluster.Options(3, 3, 4, Map.of()))
        .withMessage("minInsyncReplicas=4: must be in 1..3");
  }

  private static OptionalInt newLeader(EmbeddedKafkaCluster cluster, int old) {
    OptionalInt now = cluster.leaderOf("t", 0);
    return now.isPresent() && now.getAsInt() != old ? now : OptionalInt.empty();
  }

  private static List<Integer> ids(List<Node> nodes) {
    return nodes.stream().map(Node::id).toList();
  }

  private static List<String> range(int from, int to) {
    List<String> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add("v" + i);
    }
    return out;
  }

  private static KafkaProducer<String, String> producer(EmbeddedKafkaCluster cluster) {
    return new KafkaProducer<>(
        Map.of(
            ProducerConfig.BOOTSTRAP_SERVERS_CONFIG,
            cluster.bootstrapServers(),
            ProducerConfig.ACKS_CONFIG,
            "all",
            ProducerConfig.ENABLE_IDEMPOTENCE_CONFIG,
            true,
            ProducerConfig.DELIVERY_TIMEOUT_MS_CONFIG,
            60_000,
            ProducerConfig.KEY_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class,
            ProducerConfig.VALUE_SERIALIZER_CLASS_CONFIG,
            StringSerializer.class));
  }

  private static void send(KafkaProducer<String, String> producer, int from, int to)
      throws Exception {
    for (Future<?> f : sendAsync(producer, from, to)) {
      f.get(60, TimeUnit.SECONDS);
    }
  }

  private static List<Future<?>> sendAsync(
      KafkaProducer<String, String> producer, int from, int to) {
    List<Future<?>> out = new ArrayList<>();
    for (int i = from; i < to; i++) {
      out.add(producer.send(new ProducerRecord<>("t", 0, "k", "v" + i)));
    }
    return out;
  }

  private static List<String> consume(EmbeddedKafkaCluster cluster, int n) {
    List<String> out = new ArrayList<>();
    try (KafkaConsumer<String, String> consumer =
        new KafkaConsumer<>(
            Map.of(
                ConsumerConfig.BOOTSTRAP_SERVERS_CONFIG,
                cluster.bootstrapServers(),
                ConsumerConfig.ISOLATION_LEVEL_CONFIG,
                "read_committed",
                ConsumerConfig.KEY_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class,
                ConsumerConfig.VALUE_DESERIALIZER_CLASS_CONFIG,
                StringDeserializer.class))) {
      TopicPartition tp = new TopicPartition("t", 0);
      consumer.assign(List.of(tp));
      consumer.seekToBeginning(List.of(tp));
      long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
      while (out.size() < n && System.nanoTime() < deadline) {
        consumer.poll(Duration.ofMillis(200)).forEach(r -> out.add(r.value()));
      }
    }
    return out;
  }
}
