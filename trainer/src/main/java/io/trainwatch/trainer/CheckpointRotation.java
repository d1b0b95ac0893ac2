package io.trainwatch.trainer;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.deeplearning4j.nn.api.Model;
import org.deeplearning4j.util.ModelSerializer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The listener's own checkpoints: {@code step-<N>.zip} files in one directory written by DL4J's
 * {@link ModelSerializer} (with the updater state, so training resumes exactly), keeping the {@code
 * keepLast} newest unpinned ones. A pinned checkpoint (by a {@code pin_checkpoint} command, or by
 * {@link #pin}) is never rotated out. Training thread only.
 */
final class CheckpointRotation {

  private static final Logger log = LoggerFactory.getLogger(CheckpointRotation.class);

  private final Path dir;
  private final int keepLast;
  private final Deque<Path> rotating = new ArrayDeque<>();
  private final Set<Path> pinned = new LinkedHashSet<>();

  /**
   * @param dir where checkpoints go; created if missing
   * @param keepLast unpinned checkpoints kept (at least 1)
   */
  CheckpointRotation(Path dir, int keepLast) {
    if (keepLast < 1) {
      throw new IllegalArgumentException("keepLast=" + keepLast + ": must be >= 1");
    }
    this.dir = dir.toAbsolutePath().normalize();
    this.keepLast = keepLast;
    try {
      Files.createDirectories(this.dir);
    } catch (IOException e) {
      throw new UncheckedIOException("checkpoint directory " + dir + ": cannot create", e);
    }
  }

  /**
   * Saves the model as the checkpoint of {@code step} (weights after that step's update), then
   * rotates. Written to a temporary file and moved into place, so a checkpoint that exists is
   * complete.
   */
  Path save(Model model, long step) throws IOException {
    Path file = dir.resolve("step-" + step + ".zip");
    Path tmp = dir.resolve("step-" + step + ".zip.tmp");
    ModelSerializer.writeModel(model, tmp.toFile(), true);
    Files.move(
        tmp,
        file,
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    rotating.remove(file);
    if (!pinned.contains(file)) {
      rotating.addLast(file);
    }
    while (rotating.size() > keepLast) {
      Path old = rotating.removeFirst();
      Files.deleteIfExists(old);
      log.debug("trainwatch: rotated out checkpoint {}", old);
    }
    return file;
  }

  /**
   * Keeps {@code location} through rotation.
   *
   * @return {@code true} if it is one of this rotation's checkpoints and still on disk, {@code
   *     false} otherwise (not ours, or already rotated out)
   */
  boolean pin(String location) {
    Path p = Path.of(location).toAbsolutePath().normalize();
    if (!p.startsWith(dir) || !Files.exists(p)) {
      return false;
    }
    rotating.remove(p);
    pinned.add(p);
    return true;
  }

  /** The checkpoints kept now, pinned ones first. */
  List<Path> kept() {
    List<Path> out = new ArrayList<>(pinned);
    out.addAll(rotating);
    return out;
  }

  /** {@code true} if {@code location} is pinned, {@code false} otherwise. */
  boolean isPinned(String location) {
    return pinned.contains(Path.of(location).toAbsolutePath().normalize());
  }

  Path dir() {
    return dir;
  }
}
