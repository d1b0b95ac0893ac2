package io.trainwatch.monitor.job;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The job-level formats read back what they wrote, byte for byte, whatever the record's size. */
class JobCodecTest {

  private static RankSample sample(long step) {
    return RankSample.of(step, 1_000 + step, 120.0, 20.0, 100.0, 2.5 - step * 0.01, 1.25);
  }

  @Test
  void shouldRoundTripARankStateWithPendingReportsAndAFullJudgedWindow() {
    RankState r = new RankState("job-r3", 3, "node-7", "cuda:1");
    StepStats peers = new StepStats();
    for (int rank = 0; rank < 8; rank++) {
      peers.add(rank, sample(1));
    }
    for (long step = 0; step < RankState.WINDOW + 10; step++) {
      RankSample s = sample(step);
      r.observe(s, 5_000 + step);
      r.judged(Verdict.judge(3, s, peers), true);
    }
    for (long step = 100; step < 100 + RankState.MAX_PENDING; step++) {
      r.observe(sample(step), 9_000 + step);
    }

    byte[] bytes = JobCodec.encode(r);
    RankState back = JobCodec.decodeRank(bytes);

    assertThat(JobCodec.encode(back)).isEqualTo(bytes);
    assertThat(back.windowSize()).isEqualTo(RankState.WINDOW);
    assertThat(back.pending()).containsExactlyElementsOf(r.pending());
    assertThat(back.recent(0, 0)).isEqualTo(r.recent(0, 0));
    assertThat(bytes.length).isGreaterThan(RankState.WINDOW * RankState.JUDGED_FIELDS * 4);
  }

  @Test
  void shouldRoundTripAJobThatARankCompletedAndReadARecordWrittenBeforeThatField() {
    JobState j = new JobState();
    j.learn(0, 8, 0, "pytorch", true);
    j.learn(0, 8, 1, "pytorch", true);
    j.rankEnded();
    j.rankCompleted();

    byte[] bytes = JobCodec.encode(j);
    JobState back = JobCodec.decodeJob(bytes);

    assertThat(back.completedRanks()).isEqualTo(1);
    assertThat(JobCodec.encode(back)).isEqualTo(bytes);
    // A record written before completed ranks were kept ends 4 bytes earlier: none completed.
    byte[] older = java.util.Arrays.copyOf(bytes, bytes.length - Integer.BYTES);
    assertThat(JobCodec.decodeJob(older).completedRanks()).isZero();
  }

  @Test
  void shouldWriteTheBytesDataOutputStreamWrites() throws IOException {
    RankIdentity id = new RankIdentity("job", 2, 8, 0, "node-1", null, "pytorch");
    JobSignal signal = new JobSignal(JobSignal.Kind.BATCH, "job-r2", id, sample(7), null);

    byte[] bytes = JobCodec.encode(signal);

    // The version byte, then the signal as DataOutputStream writes it.
    ByteArrayOutputStream expected = new ByteArrayOutputStream();
    try (DataOutputStream out = new DataOutputStream(expected)) {
      out.writeByte(JobCodec.VERSION);
      out.writeByte(JobSignal.Kind.BATCH.ordinal());
      out.writeUTF("job-r2");
    }
    byte[] head = expected.toByteArray();
    assertThat(bytes).startsWith(head);
    assertThat(new String(bytes, 4, 6, StandardCharsets.UTF_8)).isEqualTo("job-r2");
    assertThat(JobCodec.decodeSignal(bytes)).isEqualTo(signal);
    assertThat(JobCodec.encode(JobCodec.decodeSignal(bytes))).isEqualTo(bytes);
  }

  @Test
  void shouldRefuseTrailingAndTruncatedBytes() {
    RankIdentity id = new RankIdentity("job", 2, 8, 0, "node-1", null, "pytorch");
    byte[] bytes =
        JobCodec.encode(new JobSignal(JobSignal.Kind.BATCH, "job-r2", id, sample(7), null));
    byte[] longer = java.util.Arrays.copyOf(bytes, bytes.length + 1);
    byte[] shorter = java.util.Arrays.copyOf(bytes, bytes.length - 1);

    assertThatThrownBy(() -> JobCodec.decodeSignal(longer)).hasMessageContaining("trailing");
    assertThatThrownBy(() -> JobCodec.decodeSignal(shorter)).hasMessageContaining("corrupt");
  }
}
