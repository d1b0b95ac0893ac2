package io.trainwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.TopicPartition;
import org.junit.jupiter.api.Test;

class RestoreProgressTest {

  @Test
  void shouldSayNothingStartedBeforeTheFirstRestore() {
    RestoreProgress p = new RestoreProgress();

    assertThat(p.started()).isFalse();
    assertThat(p.describe()).isEqualTo("0 of 0 changelog partitions done, 0 of about 0 records");
  }

  @Test
  void shouldCountPartitionsAndRecordsAcrossStores() {
    RestoreProgress p = new RestoreProgress();
    TopicPartition a = new TopicPartition("m-run-state-changelog", 0);
    TopicPartition b = new TopicPartition("m-run-info-changelog", 0);

    p.onRestoreStart(a, "run-state", 100, 1_100);
    p.onRestoreStart(b, "run-info", 0, 500);
    p.onBatchRestored(a, "run-state", 600, 500);
    p.onBatchRestored(b, "run-info", 500, 500);
    p.onRestoreEnd(b, "run-info", 500);

    assertThat(p.started()).isTrue();
    assertThat(p.describe())
        .isEqualTo("1 of 2 changelog partitions done, 1000 of about 1500 records");
  }
}
