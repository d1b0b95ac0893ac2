package io.trainwatch.trainer.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.trainer.PublisherConfigDef;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** docs/trainer.md documents every publisher key with its real default, and no other key. */
class PublisherDocTest {

  private static final Path DOC = Path.of("..", "docs", "trainer.md");

  @Test
  void shouldDocumentEveryPublisherKeyWithItsDefaultAndNoOtherKey() throws IOException {
    String doc = Files.readString(DOC);
    int start = doc.indexOf("### Publisher settings");
    int end = doc.indexOf("\n## ", start);
    assertThat(start).as("section Publisher settings in " + DOC).isNotNegative();
    Map<String, String> documented =
        ConfigDefs.documentedKeys(doc.substring(start, end < 0 ? doc.length() : end));

    assertThat(ConfigDefs.docMismatches(PublisherConfigDef.DEF, documented, k -> false)).isEmpty();
  }
}
