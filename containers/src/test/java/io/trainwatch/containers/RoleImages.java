package io.trainwatch.containers;

import com.github.dockerjava.api.command.InspectImageResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.EnumMap;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Stream;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.images.builder.ImageFromDockerfile;

/**
 * The role images, built once per test run from the directories this module's {@code package} phase
 * assembled ({@code target/roles/<role>}: Dockerfile + lib/), on the base named by {@code
 * TRAINWATCH_BASE_IMAGE}.
 *
 * <p>The tag is fixed ({@value #TAG}) so that the compose test runs the very images the other tests
 * built, and so that a rebuild replaces the previous one instead of piling up copies (the vfs
 * storage driver stores every layer in full).
 */
final class RoleImages {

  static final String TAG = "it";
  static final String DEFAULT_BASE_IMAGE = "eclipse-temurin:17-jre";

  enum Role {
    BROKER,
    MONITOR,
    TRAINER,
    BRIDGE;

    String id() {
      return name().toLowerCase(Locale.ROOT);
    }

    String image() {
      return "trainwatch/" + id() + ":" + TAG;
    }
  }

  private static final Map<Role, String> BUILT = new EnumMap<>(Role.class);

  private RoleImages() {}

  /** The image name of {@code role}, built on first use. */
  static synchronized String image(Role role) {
    return BUILT.computeIfAbsent(role, RoleImages::build);
  }

  static String baseImage() {
    String base = System.getenv("TRAINWATCH_BASE_IMAGE");
    return base == null || base.isBlank() ? DEFAULT_BASE_IMAGE : base;
  }

  static Path roleDirectory(Role role) {
    String roles = System.getProperty("trainwatch.roles.dir");
    if (roles == null) {
      throw new IllegalStateException(
          "system property trainwatch.roles.dir is not set: run through Maven (failsafe)");
    }
    return Path.of(roles, role.id());
  }

  /** The image's size in bytes, as {@code docker images} reports it. */
  static long sizeBytes(String image) {
    InspectImageResponse inspected = DockerClientFactory.lazyClient().inspectImageCmd(image).exec();
    return inspected.getSize();
  }

  private static String build(Role role) {
    Path context = roleDirectory(role);
    requireAssembled(role, context);
    long started = System.nanoTime();
    String image =
        new ImageFromDockerfile(role.image(), false)
            .withFileFromPath(".", context)
            .withBuildArg("BASE_IMAGE", baseImage())
            // The engine here has no bridge network; the one RUN step needs none anyway.
            .withBuildImageCmdModifier(cmd -> cmd.withNetworkMode("host"))
            .get();
    System.out.printf(
        Locale.ROOT,
        "image %s built on %s in %.1f s, %d MB%n",
        image,
        baseImage(),
        (System.nanoTime() - started) / 1e9,
        sizeBytes(image) / 1_000_000);
    return image;
  }

  /**
   * A role directory without its module's jar means the role module was not in the reactor that
   * packaged this one.
   */
  private static void requireAssembled(Role role, Path context) {
    String jarPrefix = "trainwatch-" + role.id() + "-";
    try (Stream<Path> jars = Files.list(context.resolve("lib"))) {
      if (jars.noneMatch(jar -> jar.getFileName().toString().startsWith(jarPrefix))) {
        throw new IllegalStateException(
            context
                + "/lib has no "
                + jarPrefix
                + "*.jar: package the role modules in the"
                + " same Maven run as this one (e.g. ./mvnw -B verify from the repository root)");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(
          "cannot list " + context + "/lib (was this module packaged?)", e);
    }
  }
}
