package io.trainwatch.monitor.streams;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** The decoder's key check answers as comparing the key read as UTF-8 with the run id did. */
class DecodeKeyCheckTest {

  private static boolean asBefore(byte[] key, String runId) {
    return new String(key, StandardCharsets.UTF_8).equals(runId);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void examples() {
    assertThat(DecodeProcessor.keyIsRunId(utf8("run-1"), "run-1")).isTrue();
    assertThat(DecodeProcessor.keyIsRunId(utf8("run-2"), "run-1")).isFalse();
    assertThat(DecodeProcessor.keyIsRunId(utf8("run-10"), "run-1")).isFalse();
    assertThat(DecodeProcessor.keyIsRunId(utf8(""), "run-1")).isFalse();
    assertThat(DecodeProcessor.keyIsRunId(utf8("lauf-ä"), "lauf-ä")).isTrue();
    assertThat(DecodeProcessor.keyIsRunId(utf8("lauf-a"), "lauf-ä")).isFalse();
    // An ASCII id never matches a key with a byte >= 0x80, even of the same length.
    assertThat(DecodeProcessor.keyIsRunId(new byte[] {'r', (byte) 0xC3}, "rA")).isFalse();
    // Malformed UTF-8 reads as U+FFFD, as before.
    assertThat(DecodeProcessor.keyIsRunId(new byte[] {(byte) 0xFF}, "\uFFFD")).isTrue();
  }

  @Test
  void answersAsTheStringComparisonOnRandomKeys() {
    Random random = new Random(15);
    String alphabet = "ab-_.0ä€\uFFFD";
    for (int i = 0; i < 200_000; i++) {
      StringBuilder id = new StringBuilder();
      int n = 1 + random.nextInt(4);
      for (int j = 0; j < n; j++) {
        id.append(alphabet.charAt(random.nextInt(random.nextBoolean() ? 5 : alphabet.length())));
      }
      String runId = id.toString();
      byte[] key;
      switch (random.nextInt(3)) {
        case 0 -> key = utf8(runId);
        case 1 -> {
          key = utf8(runId);
          key[random.nextInt(key.length)] = (byte) random.nextInt(256);
        }
        default -> {
          key = new byte[random.nextInt(6)];
          random.nextBytes(key);
        }
      }
      assertThat(DecodeProcessor.keyIsRunId(key, runId)).as(runId).isEqualTo(asBefore(key, runId));
    }
  }
}
