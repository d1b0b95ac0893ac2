package io.trainwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClientConfigFileTest {

  @TempDir Path dir;

  @Test
  void shouldReadKafkaStyleProperties() throws IOException {
    Path file = dir.resolve("client.properties");
    Files.writeString(
        file,
        """
        # a SASL client, as the Kafka CLI tools take it
        security.protocol=SASL_PLAINTEXT
        sasl.mechanism = SCRAM-SHA-256
        sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required \\
          username="monitor" password="s3cr=t";
        """);

    assertThat(ClientConfigFile.map(file))
        .containsEntry("security.protocol", "SASL_PLAINTEXT")
        .containsEntry("sasl.mechanism", "SCRAM-SHA-256")
        .containsEntry(
            "sasl.jaas.config",
            "org.apache.kafka.common.security.scram.ScramLoginModule required username=\"monitor\" password=\"s3cr=t\";")
        .hasSize(3);
    assertThat(ClientConfigFile.properties(file).getProperty("security.protocol"))
        .isEqualTo("SASL_PLAINTEXT");
  }

  @Test
  void shouldGiveNoSettingsWithoutAFile() {
    assertThat(ClientConfigFile.properties(null)).isEmpty();
    assertThat(ClientConfigFile.map(null)).isEmpty();
  }

  @Test
  void shouldNameTheOptionAndTheFileWhenItCannotBeRead() {
    Path missing = dir.resolve("missing.properties");

    assertThatThrownBy(() -> ClientConfigFile.properties(missing))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("--command-config " + missing + ": cannot read");
  }
}
