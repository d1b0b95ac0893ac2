package io.trainwatch.monitor.run;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class BinaryWriterTest {

  /**
   * Steps and timestamps may be any non-negative long the contract allows; differences may be
   * negative.
   */
  @ParameterizedTest
  @ValueSource(
      longs = {
        0,
        1,
        -1,
        63,
        -64,
        1L << 62,
        -(1L << 62),
        (1L << 62) - 1,
        Long.MAX_VALUE,
        Long.MIN_VALUE
      })
  void shouldReadBackEverySignedLong(long v) {
    BinaryWriter w = new BinaryWriter(4);
    w.writeSignedVarLong(v);
    w.writeSignedVarLong(v);
    BinaryReader r = new BinaryReader(w.toByteArray());
    assertThat(r.readSignedVarLong()).isEqualTo(v);
    assertThat(r.readSignedVarLong()).isEqualTo(v);
  }
}
