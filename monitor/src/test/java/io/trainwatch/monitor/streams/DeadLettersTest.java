package io.trainwatch.monitor.streams;

import static org.assertj.core.api.Assertions.assertThat;

import org.apache.kafka.common.header.internals.RecordHeaders;
import org.junit.jupiter.api.Test;

class DeadLettersTest {

  @Test
  void shouldKeepEveryReasonOnOneLine() {
    var headers =
        DeadLetters.headers(
            new RecordHeaders(),
            "decode",
            "key \"a\nb\r\tc\u0001\u0085d\": must equal run_id",
            "trainwatch.events",
            0,
            7L);

    assertThat(DeadLetters.header(headers, DeadLetters.REASON))
        .isEqualTo("key \"a\\nb\\r\\tc\\u0001\\u0085d\": must equal run_id");
  }

  @Test
  void shouldLeaveAPrintableReasonAlone() {
    String reason = "step 4: repeats the run's last step 4 — 训练 🚀";

    assertThat(DeadLetters.oneLine(reason)).isSameAs(reason);
  }

  @Test
  void shouldCutALongReason() {
    var headers = DeadLetters.headers(null, "decode", "x".repeat(5000), null, null, null);

    String reason = DeadLetters.header(headers, DeadLetters.REASON);
    assertThat(reason).hasSize(DeadLetters.MAX_REASON).endsWith("…");
    assertThat(DeadLetters.header(headers, DeadLetters.OFFSET)).isNull();
  }
}
