package io.trainwatch.monitor.run;

import io.trainwatch.schemas.InputEncoding;
import io.trainwatch.schemas.InputKind;
import io.trainwatch.schemas.InputRange;
import io.trainwatch.schemas.LossDescriptor;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The versioned binary format of {@link RunState} and {@link RunInfo} in the state stores and their
 * changelogs.
 *
 * <p>Layout of a run state: version byte, flags byte, counters and times as varints, the profile,
 * the loss and gradient histories, then only the alert tracks that differ from {@link
 * AlertTrack#NEW}. Version 2 ends the profile with the input encoding (its contract spelling);
 * version 1, written before it, has none and reads as {@link InputEncoding#FEATURES}. Version 3
 * adds, after the gradient history, the loss scaler's history and the loss's band and excursion;
 * versions 1 and 2 read as a run whose scaler never reported and whose band is not known yet (it is
 * recomputed after the next batch). A format change gets a new version byte and this class keeps
 * reading the old ones, because changelogs outlive deployments. Run infos are still version 1.
 */
public final class RunStateCodec {

  /** The run state version this code writes. */
  public static final int VERSION = 3;

  /** The run state version before the scaler history and the loss excursion; still read. */
  static final int VERSION_2 = 2;

  /** The run state version before the input encoding; still read. */
  static final int VERSION_1 = 1;

  /** The run info version this code writes and reads. */
  static final int INFO_VERSION = 1;

  private static final int HAS_PROFILE = 1;
  private static final int ENDED = 2;

  private RunStateCodec() {}

  /** Serializes a run state. */
  public static byte[] encode(RunState s) {
    BinaryWriter w = BinaryWriter.scratch();
    w.writeByte(VERSION);
    w.writeByte((s.profile != null ? HAS_PROFILE : 0) | (s.ended ? ENDED : 0));
    w.writeVarLong(s.batches);
    w.writeSignedVarLong(s.lastStep);
    w.writeSignedVarLong(s.firstTsMs);
    w.writeSignedVarLong(s.lastTsMs);
    w.writeVarLong(s.lastEventWallMs);
    if (s.ended) {
      w.writeVarLong(s.endedWallMs);
    }
    w.writeFloat(s.maxPredictionEntropy);
    if (s.profile != null) {
      writeProfile(w, s.profile);
    }
    writeLoss(w, s.loss);
    writeGradients(w, s.gradients);
    writeScaler(w, s.scaler);
    writeExcursion(w, s.excursion);
    int tracks = 0;
    for (AlertTrack t : s.tracks) {
      tracks += t == null ? 0 : 1;
    }
    w.writeVarLong(tracks);
    for (int code = 0; code < s.tracks.length; code++) {
      AlertTrack t = s.tracks[code];
      if (t != null) {
        w.writeByte(code);
        w.writeByte(t.phase().ordinal());
        w.writeVarLong(t.hits());
        w.writeVarLong(t.clear());
        w.writeSignedVarLong(t.sinceMs());
        w.writeVarLong(t.revision());
        w.writeSignedVarLong(t.diagnosis());
      }
    }
    return w.toByteArray();
  }

  /**
   * Reads a run state.
   *
   * @throws IllegalStateException on an unknown version or corrupt bytes
   */
  public static RunState decode(byte[] bytes) {
    BinaryReader r = new BinaryReader(bytes);
    int version = r.readByte();
    if (version != VERSION && version != VERSION_2 && version != VERSION_1) {
      throw new IllegalStateException(
          "run state version "
              + version
              + ": unknown, this monitor reads "
              + VERSION_1
              + " to "
              + VERSION);
    }
    RunState s = new RunState();
    int flags = r.readByte();
    s.batches = r.readVarLong();
    s.lastStep = r.readSignedVarLong();
    s.firstTsMs = r.readSignedVarLong();
    s.lastTsMs = r.readSignedVarLong();
    s.lastEventWallMs = r.readVarLong();
    s.ended = (flags & ENDED) != 0;
    if (s.ended) {
      s.endedWallMs = r.readVarLong();
    }
    s.maxPredictionEntropy = r.readFloat();
    if ((flags & HAS_PROFILE) != 0) {
      s.profile = readProfile(r, version);
    }
    readLoss(r, s.loss);
    readGradients(r, s.gradients);
    if (version >= VERSION) {
      readScaler(r, s.scaler);
      readExcursion(r, s.excursion);
    }
    int tracks = r.readVarInt();
    for (int i = 0; i < tracks; i++) {
      int code = r.readByte();
      if (code >= RunState.MAX_RULE_CODES) {
        throw new IllegalStateException("rule code " + code + ": out of range");
      }
      AlertTrack.Phase phase = AlertTrack.Phase.values()[r.readByte()];
      s.tracks[code] =
          new AlertTrack(
              phase,
              r.readVarInt(),
              r.readVarInt(),
              r.readSignedVarLong(),
              r.readVarInt(),
              (int) r.readSignedVarLong());
    }
    if (!r.atEnd()) {
      throw new IllegalStateException("run state: trailing bytes");
    }
    return s;
  }

  /** Serializes a run's alert-only information. */
  public static byte[] encodeInfo(RunInfo info) {
    BinaryWriter w = new BinaryWriter(64);
    w.writeByte(INFO_VERSION);
    w.writeVarLong(info.labels().size());
    // Sorted: the same labels always give the same bytes, so exactly-once replays write identical
    // records.
    info.labels().entrySet().stream()
        .sorted(Map.Entry.comparingByKey())
        .forEach(
            e -> {
              w.writeString(e.getKey());
              w.writeString(e.getValue());
            });
    return w.toByteArray();
  }

  /** Reads a run's alert-only information. */
  public static RunInfo decodeInfo(byte[] bytes) {
    BinaryReader r = new BinaryReader(bytes);
    int version = r.readByte();
    if (version != INFO_VERSION) {
      throw new IllegalStateException(
          "run info version " + version + ": unknown, this monitor reads " + INFO_VERSION);
    }
    int n = r.readVarInt();
    Map<String, String> labels = new LinkedHashMap<>();
    for (int i = 0; i < n; i++) {
      labels.put(r.readString(), r.readString());
    }
    return new RunInfo(labels);
  }

  private static void writeProfile(BinaryWriter w, RunProfile p) {
    w.writeString(p.framework());
    w.writeOptionalString(p.job());
    LossDescriptor loss = p.loss();
    w.writeByte(loss == null ? 0 : 1);
    if (loss != null) {
      w.writeString(loss.name());
      // By its contract spelling, not its ordinal: the contract may add kinds in any order.
      w.writeOptionalString(loss.inputKind() == null ? null : loss.inputKind().wire());
      w.writeOptionalString(loss.activation());
      w.writeByte(loss.lowerBound() == null ? 0 : 1);
      if (loss.lowerBound() != null) {
        w.writeDouble(loss.lowerBound());
      }
    }
    w.writeVarLong(p.numClasses() == null ? 0 : p.numClasses());
    w.writeByte(p.inputRange() == null ? 0 : 1);
    if (p.inputRange() != null) {
      w.writeDouble(p.inputRange().min());
      w.writeDouble(p.inputRange().max());
    }
    w.writeVarLong(p.overrides().size());
    for (SettingOverride o : p.overrides()) {
      w.writeByte(o.ruleCode());
      w.writeByte(o.paramIndex());
      w.writeDouble(o.value());
    }
    w.writeString(p.inputEncoding().wire());
  }

  private static RunProfile readProfile(BinaryReader r, int version) {
    String framework = r.readString();
    String job = r.readOptionalString();
    LossDescriptor loss = null;
    if (r.readByte() == 1) {
      String name = r.readString();
      String kind = r.readOptionalString();
      String activation = r.readOptionalString();
      Double lowerBound = r.readByte() == 1 ? r.readDouble() : null;
      loss =
          new LossDescriptor(
              name, kind == null ? null : InputKind.fromWire(kind), activation, lowerBound);
    }
    int numClasses = r.readVarInt();
    InputRange range = r.readByte() == 1 ? new InputRange(r.readDouble(), r.readDouble()) : null;
    int n = r.readVarInt();
    List<SettingOverride> overrides = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      overrides.add(new SettingOverride(r.readByte(), r.readByte(), r.readDouble()));
    }
    InputEncoding encoding =
        version == VERSION_1 ? InputEncoding.FEATURES : InputEncoding.fromWire(r.readString());
    return new RunProfile(
        framework, job, loss, numClasses == 0 ? null : numClasses, range, overrides, encoding);
  }

  private static void writeLoss(BinaryWriter w, LossHistory h) {
    w.writeVarLong(h.finite);
    if (h.finite == 0) {
      return;
    }
    w.writeDouble(h.initialSum);
    w.writeDouble(h.ema);
    w.writeDouble(h.emaMin);
    w.writeDouble(h.noiseAtMin);
    int recent = (int) Math.min(h.finite, LossHistory.RECENT);
    w.writeByte(h.recentNext);
    for (int i = 0; i < recent; i++) {
      w.writeFloat(h.recent[i]);
    }
    w.writeDouble(h.blockSum);
    w.writeVarLong(h.blockFill);
    w.writeVarLong(h.blocksDone);
    int blocks = (int) Math.min(h.blocksDone, LossHistory.BLOCKS);
    for (int i = 0; i < blocks; i++) {
      w.writeFloat(h.blocks[i]);
    }
  }

  private static void readLoss(BinaryReader r, LossHistory h) {
    h.finite = r.readVarLong();
    if (h.finite == 0) {
      return;
    }
    h.initialSum = r.readDouble();
    h.ema = r.readDouble();
    h.emaMin = r.readDouble();
    h.noiseAtMin = r.readDouble();
    int recent = (int) Math.min(h.finite, LossHistory.RECENT);
    h.recentNext = r.readByte();
    if (h.recentNext >= LossHistory.RECENT) {
      throw new IllegalStateException("loss ring index " + h.recentNext + ": out of range");
    }
    for (int i = 0; i < recent; i++) {
      h.recent[i] = r.readFloat();
    }
    h.blockSum = r.readDouble();
    h.blockFill = r.readVarInt();
    h.blocksDone = r.readVarLong();
    int blocks = (int) Math.min(h.blocksDone, LossHistory.BLOCKS);
    for (int i = 0; i < blocks; i++) {
      h.blocks[i] = r.readFloat();
    }
  }

  private static void writeGradients(BinaryWriter w, GradientHistory g) {
    w.writeVarLong(g.count);
    if (g.count > 0) {
      w.writeDouble(g.initialLogSum);
      w.writeDouble(g.logBaseline);
    }
  }

  private static void writeScaler(BinaryWriter w, ScalerHistory h) {
    w.writeVarLong(h.skipped);
    w.writeVarLong(h.clean);
    if (h.skipped == 0 && h.clean == 0) {
      return;
    }
    w.writeVarLong(h.streak);
    w.writeSignedVarLong(h.streakStartStep);
    w.writeDouble(h.streakStartScale);
    w.writeByte(h.streakFromStart ? 1 : 0);
    w.writeDouble(h.lastScale);
    w.writeDouble(h.maxScale);
  }

  private static void readScaler(BinaryReader r, ScalerHistory h) {
    h.skipped = r.readVarLong();
    h.clean = r.readVarLong();
    if (h.skipped == 0 && h.clean == 0) {
      return;
    }
    h.streak = r.readVarInt();
    h.streakStartStep = r.readSignedVarLong();
    h.streakStartScale = r.readDouble();
    h.streakFromStart = r.readByte() == 1;
    h.lastScale = r.readDouble();
    h.maxScale = r.readDouble();
  }

  private static final int HAS_BAND = 1;
  private static final int EXCURSION_ACTIVE = 2;
  private static final int RISING_AT_ONSET = 4;

  private static void writeExcursion(BinaryWriter w, LossExcursion e) {
    w.writeByte(
        (e.band != null ? HAS_BAND : 0)
            | (e.active ? EXCURSION_ACTIVE : 0)
            | (e.risingAtOnset ? RISING_AT_ONSET : 0));
    w.writeSignedVarLong(e.lastGoodStep);
    if (e.band != null) {
      writeBand(w, e.band);
    }
    if (e.active) {
      w.writeSignedVarLong(e.onsetStep);
      w.writeDouble(e.onsetLoss);
      w.writeDouble(e.peakLoss);
      w.writeSignedVarLong(e.peakStep);
      w.writeVarLong(e.inBand);
    }
  }

  private static void readExcursion(BinaryReader r, LossExcursion e) {
    int flags = r.readByte();
    e.lastGoodStep = r.readSignedVarLong();
    if ((flags & HAS_BAND) != 0) {
      e.band = readBand(r);
    }
    e.risingAtOnset = (flags & RISING_AT_ONSET) != 0;
    e.active = (flags & EXCURSION_ACTIVE) != 0;
    if (e.active) {
      e.onsetStep = r.readSignedVarLong();
      e.onsetLoss = r.readDouble();
      e.peakLoss = r.readDouble();
      e.peakStep = r.readSignedVarLong();
      e.inBand = r.readVarInt();
    }
  }

  private static void writeBand(BinaryWriter w, LossExcursion.Band b) {
    w.writeDouble(b.best());
    w.writeDouble(b.threshold());
    w.writeDouble(b.smoothed());
    w.writeDouble(b.noise());
  }

  private static LossExcursion.Band readBand(BinaryReader r) {
    return new LossExcursion.Band(r.readDouble(), r.readDouble(), r.readDouble(), r.readDouble());
  }

  private static void readGradients(BinaryReader r, GradientHistory g) {
    g.count = r.readVarLong();
    if (g.count > 0) {
      g.initialLogSum = r.readDouble();
      g.logBaseline = r.readDouble();
    }
  }
}
