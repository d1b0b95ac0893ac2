package io.trainwatch.monitor.actions;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;

/**
 * Where to restart a run from after a fault: the last good checkpoint, the newest one saved before
 * the fault's onset, and the batches to skip. Pure.
 *
 * <p>A checkpoint at step {@code c} holds the weights after update {@code c}; the batch at step
 * {@code c + 1} is the first judged on them. So for a fault first seen at batch {@code onset}, a
 * checkpoint is good when {@code c + 1 < onset}: the batch judged on its weights was still healthy.
 * For a run that stopped reporting (a hang), every checkpoint up to its last step is good. The
 * advice is to restart from {@code c} and skip batches {@code c + 1 .. last}, the data that led to
 * the fault (PaLM's recipe for loss spikes: restart about 100 steps earlier and skip the batches
 * around the spike).
 *
 * <p>The texts are data ({@code io/trainwatch/monitor/recovery.json}), per framework with a generic
 * fallback.
 */
public final class Recovery {

  /** The classpath location of the texts. */
  public static final String RESOURCE = "/io/trainwatch/monitor/recovery.json";

  private static volatile Recovery standard;

  private final JsonNode texts;

  private Recovery(JsonNode texts) {
    this.texts = texts;
  }

  /** The built-in texts. */
  public static Recovery standard() {
    Recovery r = standard;
    if (r == null) {
      try (InputStream in = Recovery.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE + ": not on the classpath");
        }
        r = new Recovery(new ObjectMapper().readTree(in));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      for (String kind : new String[] {"found", "missing"}) {
        if (!r.texts.path(kind).path("generic").isTextual()) {
          throw new IllegalStateException(RESOURCE + ": " + kind + ".generic is required");
        }
      }
      standard = r;
    }
    return r;
  }

  /**
   * The recovery of a fault.
   *
   * @param onsetStep the first batch at which the fault was seen
   * @param lastStep the last batch seen (the alert's)
   * @param lastGood the last good checkpoint, if one is known
   */
  public record Advice(long onsetStep, long lastStep, Optional<CheckpointHistory.Saved> lastGood) {

    /** The evidence to publish, in reading order. */
    public Map<String, Object> evidence() {
      Map<String, Object> e = new LinkedHashMap<>();
      e.put("onset_step", onsetStep);
      if (lastGood.isPresent()) {
        e.put("last_good_checkpoint", lastGood.get().location());
        e.put("last_good_checkpoint_step", lastGood.get().step());
        e.put("skip_from", lastGood.get().step() + 1);
        e.put("skip_to", Math.max(lastStep, lastGood.get().step() + 1));
      } else {
        e.put("last_good_checkpoint", null);
      }
      return e;
    }
  }

  /**
   * The advice for a fault seen from batch {@code onsetStep} to batch {@code lastStep}.
   *
   * @param hang {@code true} if the fault is that the run stopped after {@code lastStep} (every
   *     checkpoint up to it is good), {@code false} if the batches from {@code onsetStep} were bad
   */
  public static Advice advise(
      CheckpointHistory history, long onsetStep, long lastStep, boolean hang) {
    long boundary = hang ? lastStep + 1 : onsetStep - 1;
    return new Advice(onsetStep, lastStep, history.newestBefore(boundary));
  }

  /** The advice in the run's framework's words (one paragraph). */
  public String text(Advice advice, String framework) {
    JsonNode kind = texts.path(advice.lastGood().isPresent() ? "found" : "missing");
    JsonNode t = kind.path(framework == null ? "generic" : framework);
    String template = t.isTextual() ? t.asText() : kind.path("generic").asText();
    for (Map.Entry<String, Object> e : advice.evidence().entrySet()) {
      template = template.replace("{" + e.getKey() + "}", String.valueOf(e.getValue()));
    }
    return template;
  }
}
