package io.trainwatch.bench;

import java.io.IOException;
import java.io.InputStream;
import java.lang.management.GarbageCollectorMXBean;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.Properties;
import java.util.stream.Collectors;

/**
 * The machine a benchmark ran on, as printed beside its figures: numbers from another machine are
 * not comparable.
 *
 * @param cpuModel the CPU model name from {@code /proc/cpuinfo}, or {@code os.arch}
 * @param cores processors available to the JVM
 * @param memoryGiB physical memory, GiB (0 when unknown)
 * @param loadAverage the 1-minute load average when the benchmark started: other work on a shared
 *     machine
 */
public record MachineInfo(
    String cpuModel,
    int cores,
    double memoryGiB,
    String os,
    String jvm,
    String heap,
    String gc,
    String kafkaVersion,
    String dl4jVersion,
    double loadAverage) {

  /** Describes this machine and JVM. */
  public static MachineInfo current() {
    Runtime rt = Runtime.getRuntime();
    String cpu =
        readLine(Path.of("/proc/cpuinfo"), "model name").orElse(System.getProperty("os.arch"));
    double memGiB =
        readLine(Path.of("/proc/meminfo"), "MemTotal")
            .map(v -> Double.parseDouble(v.replaceAll("[^0-9]", "")) / (1024.0 * 1024.0))
            .orElse(0.0);
    String os =
        System.getProperty("os.name")
            + " "
            + System.getProperty("os.version")
            + " ("
            + System.getProperty("os.arch")
            + ")";
    String jvm =
        System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version");
    String heap = String.format(Locale.ROOT, "max %d MiB", rt.maxMemory() / (1024 * 1024));
    String gc =
        ManagementFactory.getGarbageCollectorMXBeans().stream()
            .map(GarbageCollectorMXBean::getName)
            .collect(Collectors.joining(", "));
    return new MachineInfo(
        cpu,
        rt.availableProcessors(),
        memGiB,
        os,
        jvm,
        heap,
        gc,
        property("/kafka/kafka-version.properties", "version"),
        property("/META-INF/maven/org.deeplearning4j/deeplearning4j-nn/pom.properties", "version"),
        ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }

  /** The facts as markdown table rows. */
  public List<List<String>> rows() {
    return List.of(
        List.of("CPU", cpuModel + ", " + cores + " cores available to the JVM"),
        List.of("Memory", String.format(Locale.ROOT, "%.1f GiB", memoryGiB)),
        List.of("OS", os),
        List.of("JVM", jvm + ", heap " + heap + ", GC " + gc),
        List.of(
            "Kafka",
            kafkaVersion + ": one in-process KRaft broker (`EmbeddedKafkaBroker`), same JVM"),
        List.of("DL4J", dl4jVersion + ", nd4j-native CPU backend"),
        List.of("Load average at start", String.format(Locale.ROOT, "%.2f (1 min)", loadAverage)));
  }

  private static Optional<String> readLine(Path file, String key) {
    try {
      return Files.readAllLines(file).stream()
          .filter(l -> l.startsWith(key))
          .map(l -> l.substring(l.indexOf(':') + 1).trim())
          .findFirst();
    } catch (IOException | RuntimeException e) {
      return Optional.empty();
    }
  }

  private static String property(String resource, String key) {
    try (InputStream in = MachineInfo.class.getResourceAsStream(resource)) {
      if (in == null) {
        return "unknown";
      }
      Properties p = new Properties();
      p.load(in);
      return p.getProperty(key, "unknown");
    } catch (IOException e) {
      return "unknown";
    }
  }
}
