package io.trainwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PropertiesFileTest {

  @TempDir Path dir;

  @Test
  void shouldReadUtf8KeysAndValuesInKeyOrder() throws IOException {
    Path file = dir.resolve("bridge.properties");
    Files.writeString(file, "slack.channel=#alertes-équipe\nbridge.to = slack\n");

    assertThat(PropertiesFile.read(file, "--config"))
        .containsExactly(
            Map.entry("bridge.to", "slack"), Map.entry("slack.channel", "#alertes-équipe"));
  }

  @Test
  void shouldNameTheOptionAndNeverTheContentsWhenItCannotBeRead() {
    Path directory = dir;

    assertThatThrownBy(() -> PropertiesFile.read(directory, "--bridge-config"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--bridge-config " + directory + ": cannot read");
  }
}
