package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.cli.ConfigDefs;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * docs/bridges.md documents every key of a bridge config file with its real default, and no key
 * that does not exist.
 */
class BridgesDocTest {

  private static final Path DOC = Path.of("..", "docs", "bridges.md");

  /** The key table: the section "Configuration keys" (other tables map fields and headers). */
  private static Map<String, String> documented() throws IOException {
    String doc = Files.readString(DOC);
    int start = doc.indexOf("\n## Configuration keys");
    int end = doc.indexOf("\n## ", start + 1);
    assertThat(start).as("section Configuration keys in " + DOC).isNotNegative();
    return ConfigDefs.documentedKeys(doc.substring(start, end < 0 ? doc.length() : end));
  }

  @Test
  void shouldDocumentEveryKeyWithItsDefaultAndNoOtherKey() throws IOException {
    Map<String, String> documented = documented();

    assertThat(
            ConfigDefs.docMismatches(
                BridgeConfigDef.DEF,
                documented,
                key -> key.equals(BridgeConfigDef.WEBHOOK_HEADER_PREFIX + "NAME")))
        .isEmpty();
    assertThat(documented).containsKey(BridgeConfigDef.WEBHOOK_HEADER_PREFIX + "NAME");
  }

  @Test
  void shouldNameEachSecretsEnvironmentVariableAsItsDefault() throws IOException {
    Map<String, String> documented = documented();

    BridgeConfigDef.SECRET_ENV.forEach(
        (key, variable) -> assertThat(documented.get(key)).as(key).isEqualTo("$" + variable));
  }
}
