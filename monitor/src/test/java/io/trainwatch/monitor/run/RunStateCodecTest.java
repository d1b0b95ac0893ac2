package io.trainwatch.monitor.run;

import static io.trainwatch.monitor.testing.Events.batch;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.trainwatch.monitor.run.AlertTrack.Phase;
import io.trainwatch.monitor.testing.Events;
import io.trainwatch.schemas.InputEncoding;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import io.trainwatch.schemas.Predictions;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.DoubleRange;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.Size;
import org.junit.jupiter.api.Test;

class RunStateCodecTest {

  @Test
  void shouldRoundTripAFullState() {
    RunState s = longRun(5000);
    s.setTrack(2, new AlertTrack(Phase.FIRING, 17, 3, Events.ts(100), 3, 0));
    s.setTrack(3, new AlertTrack(Phase.INACTIVE, 0, 0, 0, 4, -1));
    s.end(Events.ts(5001), 99_000);

    RunState back = RunStateCodec.decode(RunStateCodec.encode(s));

    assertThat(RunStateCodec.encode(back)).isEqualTo(RunStateCodec.encode(s));
    assertThat(back.profile()).isEqualTo(s.profile());
    assertThat(back.batches()).isEqualTo(5000);
    assertThat(back.lastStep()).isEqualTo(4999);
    assertThat(back.ended()).isTrue();
    assertThat(back.endedWallMs()).isEqualTo(99_000);
    assertThat(back.track(2)).isEqualTo(s.track(2));
    assertThat(back.track(3)).isEqualTo(s.track(3));
    assertThat(back.track(4)).isEqualTo(AlertTrack.NEW);
    assertThat(back.loss().ema()).isEqualTo(s.loss().ema());
    assertThat(back.loss().recentMedian()).isEqualTo(s.loss().recentMedian());
    assertThat(back.loss().blockMean(3)).isEqualTo(s.loss().blockMean(3));
    assertThat(back.gradients().baselineNorm()).isEqualTo(s.gradients().baselineNorm());
    assertThat(back.maxPredictionEntropy()).isEqualTo(s.maxPredictionEntropy());
  }

  @Test
  void shouldStayWellUnderOneKibibyteHoweverLongTheRun() {
    RunState s = longRun(100_000);
    for (int code = 1; code <= 10; code++) {
      s.setTrack(code, new AlertTrack(Phase.FIRING, 1_000_000, 19, Events.ts(50_000), 41, 2));
    }

    assertThat(RunStateCodec.encode(s).length).isLessThanOrEqualTo(1024);
    // Past the longest horizon (48 blocks of 25 batches) only the varint counters grow: a byte per
    // counter per
    // factor of 128.
    assertThat(RunStateCodec.encode(longRun(100_000)).length)
        .isBetween(
            RunStateCodec.encode(longRun(2000)).length,
            RunStateCodec.encode(longRun(2000)).length + 8);
  }

  @Test
  void shouldRoundTripAnAnonymousRunWithoutHistory() {
    RunState s = new RunState();

    RunState back = RunStateCodec.decode(RunStateCodec.encode(s));

    assertThat(back.profile()).isNull();
    assertThat(back.batches()).isZero();
    assertThat(back.loss().finiteCount()).isZero();
    assertThat(back.maxPredictionEntropy()).isEqualTo(-1);
  }

  /**
   * run-state-v1.bin was written by the version 1 codec (commit 6a6de16) from {@link #v1Fixture()}:
   * changelogs outlive deployments, so every later version must still read it.
   */
  @Test
  void shouldReadAVersion1StateFromAnOlderMonitor() throws java.io.IOException {
    byte[] v1;
    try (java.io.InputStream in = getClass().getResourceAsStream("run-state-v1.bin")) {
      v1 = in.readAllBytes();
    }
    RunState expected = v1Fixture();

    RunState back = RunStateCodec.decode(v1);

    assertThat(v1[0]).isEqualTo((byte) 1);
    assertThat(back.profile()).isEqualTo(expected.profile());
    assertThat(back.batches()).isEqualTo(120);
    assertThat(back.lastStep()).isEqualTo(119);
    assertThat(back.firstTsMs()).isEqualTo(expected.firstTsMs());
    assertThat(back.lastTsMs()).isEqualTo(expected.lastTsMs());
    assertThat(back.lastEventWallMs()).isEqualTo(expected.lastEventWallMs());
    assertThat(back.ended()).isFalse();
    assertThat(back.maxPredictionEntropy()).isEqualTo(expected.maxPredictionEntropy());
    assertThat(back.loss().finiteCount()).isEqualTo(120);
    assertThat(back.loss().ema()).isEqualTo(expected.loss().ema());
    assertThat(back.loss().emaMin()).isEqualTo(expected.loss().emaMin());
    assertThat(back.loss().noiseAtMin()).isEqualTo(expected.loss().noiseAtMin());
    assertThat(back.loss().recentMedian()).isEqualTo(expected.loss().recentMedian());
    assertThat(back.loss().initialLevel()).isEqualTo(expected.loss().initialLevel());
    assertThat(back.loss().completedBlocks()).isEqualTo(4);
    assertThat(back.loss().blockMean(0)).isEqualTo(expected.loss().blockMean(0));
    assertThat(back.gradients().baselineNorm()).isEqualTo(expected.gradients().baselineNorm());
    assertThat(back.gradients().initialNorm()).isEqualTo(expected.gradients().initialNorm());
    assertThat(back.track(5)).isEqualTo(new AlertTrack(Phase.FIRING, 17, 3, Events.ts(100), 3, 1));
    assertThat(back.track(6)).isEqualTo(new AlertTrack(Phase.INACTIVE, 0, 0, 0, 4, -1));
    assertThat(back.track(1)).isEqualTo(AlertTrack.NEW);
    // Read once, the state is written in the current version and reads back the same.
    assertThat(RunStateCodec.encode(RunStateCodec.decode(RunStateCodec.encode(back))))
        .isEqualTo(RunStateCodec.encode(back));
  }

  /** The state run-state-v1.bin holds. */
  private static RunState v1Fixture() {
    RunState s =
        RunState.started(
            null,
            new RunProfile(
                "dl4j",
                "mnist-mlp-nightly",
                new LossDescriptor("LossMCXENT", InputKind.PROBABILITIES, "softmax", 0.0),
                10,
                new InputRange(0, 1),
                List.of(new SettingOverride(6, 4, 500), new SettingOverride(5, 5, 8))),
            Events.T0,
            1000);
    for (int step = 0; step < 120; step++) {
      s.observe(
          batch("r", step)
              .loss(2.3 * Math.exp(-step / 50.0) + 0.01 * (step % 7))
              .gradNorm(1.0 + (step % 5))
              .predictions(new Predictions(0.3, 0.8))
              .build(),
          1000 + step);
    }
    s.setTrack(5, new AlertTrack(Phase.FIRING, 17, 3, Events.ts(100), 3, 1));
    s.setTrack(6, new AlertTrack(Phase.INACTIVE, 0, 0, 0, 4, -1));
    return s;
  }

  @Test
  void shouldReadAVersion2StateFromAnOlderMonitor() throws java.io.IOException {
    byte[] v2;
    try (java.io.InputStream in = getClass().getResourceAsStream("run-state-v2.bin")) {
      v2 = in.readAllBytes();
    }

    RunState back = RunStateCodec.decode(v2);

    assertThat(v2[0]).isEqualTo((byte) 2);
    assertThat(back.profile().job()).isEqualTo("lm-pretrain");
    assertThat(back.inputEncoding()).isEqualTo(InputEncoding.TOKEN_IDS);
    assertThat(back.batches()).isEqualTo(60);
    assertThat(back.loss().finiteCount()).isEqualTo(60);
    assertThat(back.track(5)).isEqualTo(new AlertTrack(Phase.PENDING, 2, 0, Events.ts(58), 0, -1));
    // Written before the scaler and the band: a scaler that never reported, a band not known yet.
    assertThat(back.scaler().skipped() + back.scaler().clean()).isZero();
    assertThat(back.excursion().band()).isNull();
    assertThat(back.excursion().active()).isFalse();
  }

  @Test
  void shouldRoundTripTheScalerAndAnExcursionInProgress() {
    RunState s = longRun(300);
    double scale = 65536;
    for (int step = 300; step < 310; step++) {
      boolean skip = step < 305;
      io.trainwatch.monitor.testing.Histories.observe(
          s,
          batch("r", step)
              .loss(skip ? 0.5 : 6.0)
              .gradNorm(skip ? Double.NaN : 1.0)
              .lossScale(scale, skip)
              .build());
      scale = skip ? scale / 2 : scale;
    }
    assertThat(s.excursion().active()).isTrue();

    byte[] bytes = RunStateCodec.encode(s);
    RunState back = RunStateCodec.decode(bytes);

    assertThat(bytes[0]).isEqualTo((byte) 3);
    assertThat(RunStateCodec.encode(back)).isEqualTo(bytes);
    assertThat(back.scaler().skipped()).isEqualTo(5);
    assertThat(back.scaler().clean()).isEqualTo(5);
    assertThat(back.scaler().maxScale()).isEqualTo(65536.0);
    assertThat(back.scaler().lastScale()).isEqualTo(2048.0);
    assertThat(back.excursion().onsetStep()).isEqualTo(305);
    assertThat(back.excursion().lastGoodStep()).isEqualTo(s.excursion().lastGoodStep());
    assertThat(back.excursion().band()).isEqualTo(s.excursion().band());
    assertThat(back.excursion().peakLoss()).isEqualTo(6.0);
  }

  @Test
  void shouldRefuseAnUnknownVersion() {
    byte[] bytes = RunStateCodec.encode(new RunState());
    bytes[0] = 9;

    assertThatIllegalStateException()
        .isThrownBy(() -> RunStateCodec.decode(bytes))
        .withMessage("run state version 9: unknown, this monitor reads 1 to 3");
  }

  /**
   * A run state written by the version-1 codec (before input_encoding): a PyTorch run with a loss,
   * 2,000 classes, one override, three batches and a pending unnormalized_input track. Changelogs
   * outlive deployments, so these bytes must keep reading.
   */
  private static final String VERSION_1_STATE =
      "01010304d00fd40fba17000080bf077079746f72636801026c6d010d63726f73735f656e74726f707901066c6f"
          + "6769747300010000000000000000d00f0001060000000000000000000300000000008036400000000000001e"
          + "400000000000001e400000000000000000033333f3400000f040cdccec400000000000803640030003"
          + "39b28ff15a76f33f4c98bfec23f3d93f0103010100d40f0001";

  @Test
  void shouldReadTheVersionOneFormatAsFeatures() {
    RunState s = RunStateCodec.decode(java.util.HexFormat.of().parseHex(VERSION_1_STATE));

    assertThat(s.profile().framework()).isEqualTo("pytorch");
    assertThat(s.profile().job()).isEqualTo("lm");
    assertThat(s.profile().loss().inputKind()).isEqualTo(InputKind.LOGITS);
    assertThat(s.profile().numClasses()).isEqualTo(2000);
    assertThat(s.profile().overrides()).containsExactly(new SettingOverride(6, 0, 0.0));
    assertThat(s.inputEncoding()).isEqualTo(InputEncoding.FEATURES);
    assertThat(s.batches()).isEqualTo(3);
    assertThat(s.lastStep()).isEqualTo(2);
    assertThat(s.track(3)).isEqualTo(new AlertTrack(Phase.PENDING, 1, 0, 1002, 0, -1));
    byte[] now = RunStateCodec.encode(s);
    assertThat(now[0]).isEqualTo((byte) RunStateCodec.VERSION);
    assertThat(RunStateCodec.encode(RunStateCodec.decode(now))).isEqualTo(now);
  }

  @Test
  void shouldRoundTripTheInputEncoding() {
    RunState s =
        RunState.started(
            null,
            new RunProfile("pytorch", null, null, null, null, List.of(), InputEncoding.TOKEN_IDS),
            5,
            6);

    RunState back = RunStateCodec.decode(RunStateCodec.encode(s));

    assertThat(back.inputEncoding()).isEqualTo(InputEncoding.TOKEN_IDS);
    assertThat(back.profile()).isEqualTo(s.profile());
  }

  @Test
  void shouldRefuseTruncatedBytes() {
    byte[] bytes = RunStateCodec.encode(longRun(100));

    assertThatIllegalStateException()
        .isThrownBy(() -> RunStateCodec.decode(java.util.Arrays.copyOf(bytes, 40)))
        .withMessageStartingWith("truncated");
  }

  @Test
  void shouldRoundTripRunInfoInAStableOrder() {
    RunInfo info = new RunInfo(Map.of("team", "vision", "cluster", "eu-1", "ünïcode", "✓"));

    byte[] bytes = RunStateCodec.encodeInfo(info);

    assertThat(RunStateCodec.decodeInfo(bytes)).isEqualTo(info);
    assertThat(
            RunStateCodec.encodeInfo(
                new RunInfo(Map.of("ünïcode", "✓", "cluster", "eu-1", "team", "vision"))))
        .isEqualTo(bytes);
  }

  @Property(tries = 200)
  void shouldRoundTripAnyHistory(
      @ForAll @Size(max = 400) List<@DoubleRange(min = -1e6, max = 1e6) Double> losses,
      @ForAll @IntRange(min = 0, max = 31) int trackCode,
      @ForAll boolean withProfile) {
    RunState s = new RunState();
    if (withProfile) {
      s =
          RunState.started(
              null,
              new RunProfile(
                  "pytorch",
                  "job",
                  new LossDescriptor("nll_loss", InputKind.LOG_PROBABILITIES, null, null),
                  3,
                  null,
                  List.of()),
              5,
              6);
    }
    int step = 0;
    for (double loss : losses) {
      s.observe(batch("r", step++).loss(loss).gradNorm(Math.abs(loss) + 1e-3).build(), step);
    }
    s.setTrack(trackCode, new AlertTrack(Phase.PENDING, 2, 0, 77, 1, -1));

    byte[] bytes = RunStateCodec.encode(s);

    assertThat(RunStateCodec.encode(RunStateCodec.decode(bytes))).isEqualTo(bytes);
  }

  private static RunState longRun(int batches) {
    List<SettingOverride> overrides = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      overrides.add(new SettingOverride(6, 4 + i, 500 + i));
    }
    RunState s =
        RunState.started(
            null,
            new RunProfile(
                "dl4j",
                "mnist-mlp-nightly",
                new LossDescriptor("LossMCXENT", InputKind.PROBABILITIES, "softmax", 0.0),
                10,
                new InputRange(0, 1),
                overrides),
            Events.T0,
            1000);
    for (int step = 0; step < batches; step++) {
      s.observe(
          batch("r", step)
              .loss(2.3 * Math.exp(-step / 500.0) + 0.01 * (step % 7))
              .gradNorm(1.0 + (step % 5))
              .predictions(new Predictions(0.3, 0.8))
              .build(),
          1000 + step);
    }
    return s;
  }
}
