package io.trainwatch.monitor;

import io.trainwatch.monitor.config.GroupConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.SecureRandom;
import java.util.HexFormat;
import java.util.Optional;

/**
 * The {@code group.instance.id} of a monitor instance (static membership): an instance restarted on
 * the same state directory rejoins its group under the same id, and the group hands it its tasks
 * back at once instead of waiting for the dead incarnation's session to time out.
 *
 * <p>With {@code monitor.group.instance_id=auto} the id belongs to the state directory: {@code
 * <application id>-<12 random hex digits>}, created at the first start and kept in {@code <state
 * dir>/<application id>.instance-id}. So it follows the local state (which is what makes a quick
 * return worth having), two instances can never share it by accident (two state directories never
 * do, unless one was copied from the other), and a new machine or an emptied state directory is a
 * new member. An explicit id is used as it is; {@code none} means no id (dynamic membership).
 */
final class InstanceIdentity {

  static final String FILE_SUFFIX = ".instance-id";

  private static final SecureRandom RANDOM = new SecureRandom();

  private InstanceIdentity() {}

  /**
   * The id to run with, creating and storing it if {@code configured} is {@code auto} and the state
   * directory holds none yet.
   *
   * @throws IllegalStateException if the id file cannot be read or written, or holds garbage
   */
  static Optional<String> resolve(String configured, Path stateDir, String applicationId) {
    if (GroupConfig.NONE.equals(configured)) {
      return Optional.empty();
    }
    if (!GroupConfig.AUTO.equals(configured)) {
      return Optional.of(configured);
    }
    Path file = stateDir.resolve(applicationId + FILE_SUFFIX);
    try {
      if (Files.exists(file)) {
        String id = Files.readString(file, StandardCharsets.UTF_8).trim();
        if (!id.matches("[a-zA-Z0-9._-]{1,249}")) {
          throw new IllegalStateException(
              file + ": not a group instance id (" + id + "); delete the file to get a new one");
        }
        return Optional.of(id);
      }
      byte[] bytes = new byte[6];
      RANDOM.nextBytes(bytes);
      String id = applicationId + "-" + HexFormat.of().formatHex(bytes);
      Files.createDirectories(stateDir);
      // Written aside and moved, so that a crash never leaves a half-written id behind.
      Path tmp = Files.createTempFile(stateDir, applicationId, ".tmp");
      Files.writeString(tmp, id + "\n", StandardCharsets.UTF_8);
      Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
      return Optional.of(id);
    } catch (IOException e) {
      throw new IllegalStateException(
          "cannot keep the group instance id in " + file + ": " + e.getMessage(), e);
    }
  }
}
