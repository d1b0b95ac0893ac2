package io.trainwatch.monitor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.trainwatch.monitor.config.GroupConfig;
import io.trainwatch.monitor.config.MonitorConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Properties;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class InstanceIdentityTest {

  @Test
  void shouldKeepTheSameIdForTheSameStateDirectory(@TempDir Path tmp) {
    String first = InstanceIdentity.resolve("auto", tmp.resolve("a"), "app").orElseThrow();
    String again = InstanceIdentity.resolve("auto", tmp.resolve("a"), "app").orElseThrow();
    String other = InstanceIdentity.resolve("auto", tmp.resolve("b"), "app").orElseThrow();

    assertThat(first).startsWith("app-").isEqualTo(again).isNotEqualTo(other);
    assertThat(tmp.resolve("a").resolve("app" + InstanceIdentity.FILE_SUFFIX)).exists();
  }

  @Test
  void shouldGiveEachApplicationItsOwnIdInOneStateDirectory(@TempDir Path tmp) {
    assertThat(InstanceIdentity.resolve("auto", tmp, "app-1"))
        .isNotEqualTo(InstanceIdentity.resolve("auto", tmp, "app-2"));
  }

  @Test
  void shouldUseAnExplicitIdAsItIsAndNoneForNone(@TempDir Path tmp) throws Exception {
    assertThat(InstanceIdentity.resolve("pod-0", tmp, "app")).contains("pod-0");
    assertThat(InstanceIdentity.resolve("none", tmp, "app")).isEmpty();
    try (var files = Files.list(tmp)) {
      assertThat(files).as("nothing written for an explicit id or none").isEmpty();
    }
  }

  @Test
  void shouldRefuseAGarbledIdFile(@TempDir Path tmp) throws Exception {
    Files.writeString(tmp.resolve("app" + InstanceIdentity.FILE_SUFFIX), "not an id\n");

    assertThatIllegalStateException()
        .isThrownBy(() -> InstanceIdentity.resolve("auto", tmp, "app"))
        .withMessageContaining("delete the file");
  }

  @Test
  void shouldPassTheGroupSettingsToTheMainConsumerAndStreams(@TempDir Path tmp) {
    MonitorOptions options =
        MonitorOptions.of("localhost:9")
            .withApplicationId("app")
            .withStateDir(tmp)
            .withClientProperties(java.util.Map.of("session.timeout.ms", "45000"))
            .withConfig(
                MonitorConfig.defaults()
                    .withGroup(new GroupConfig("auto", Duration.ofSeconds(12), 2)));

    Properties p = Monitor.streamsProperties(options);

    assertThat(p.getProperty("consumer.group.instance.id"))
        .isEqualTo(InstanceIdentity.resolve("auto", tmp, "app").orElseThrow());
    assertThat(p.get("consumer.session.timeout.ms")).isEqualTo(12_000);
    assertThat(p.get("consumer.heartbeat.interval.ms")).isEqualTo(2_400);
    assertThat(p.get("num.standby.replicas")).isEqualTo(2);
  }

  @Test
  void shouldLeaveADynamicMemberWithoutAnId(@TempDir Path tmp) {
    MonitorOptions options =
        MonitorOptions.of("localhost:9")
            .withStateDir(tmp)
            .withClientProperties(java.util.Map.of("group.instance.id", "stale"))
            .withConfig(
                MonitorConfig.defaults()
                    .withGroup(new GroupConfig("none", Duration.ofSeconds(10), 0)));

    Properties p = Monitor.streamsProperties(options);

    assertThat(p).doesNotContainKeys("group.instance.id", "consumer.group.instance.id");
  }
}
