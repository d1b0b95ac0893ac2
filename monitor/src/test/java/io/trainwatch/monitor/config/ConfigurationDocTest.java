package io.trainwatch.monitor.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.monitor.rules.Param;
import io.trainwatch.monitor.rules.Rule;
import io.trainwatch.monitor.rules.Rules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is the one place keys are documented: it must list every key with its real
 * default.
 */
class ConfigurationDocTest {

  private static final Path DOC = Path.of("..", "docs", "configuration.md");
  private static final Pattern ROW =
      Pattern.compile("^\\| `([a-z0-9_.<>]+)` \\| ([^|]*) \\|", Pattern.MULTILINE);

  private static String doc;

  @BeforeAll
  static void read() throws IOException {
    doc = Files.readString(DOC);
  }

  @Test
  void shouldDocumentEveryRuleKeyWithItsDefault() {
    for (Rule rule : Rules.all()) {
      for (Param p : rule.spec().params()) {
        String key = "rules." + rule.id().id() + "." + p.key();
        assertThat(defaultOf(key)).as(key).isEqualTo(p.format(p.defaultValue()));
      }
    }
  }

  @Test
  void shouldDocumentEveryMonitorKeyWithItsDefault() {
    for (Param p : MonitorConfig.MONITOR_PARAMS) {
      assertThat(defaultOf(p.key())).as(p.key()).isEqualTo(p.format(p.defaultValue()));
    }
    assertThat(defaultOf(MonitorConfig.PROCESSING_GUARANTEE)).isEqualTo("exactly_once_v2");
    assertThat(defaultOf(MonitorConfig.STATE_STORE)).isEqualTo("persistent");
  }

  @Test
  void shouldDocumentNoKeyThatDoesNotExist() {
    Matcher m = ROW.matcher(doc);
    List<String> documented = new java.util.ArrayList<>();
    while (m.find()) {
      documented.add(m.group(1));
    }
    for (String key : documented) {
      if (key.contains("<")) {
        continue; // the generic lifecycle rows
      }
      boolean known =
          MonitorConfig.MONITOR_PARAMS.stream().anyMatch(p -> p.key().equals(key))
              || key.equals(MonitorConfig.PROCESSING_GUARANTEE)
              || key.equals(MonitorConfig.STATE_STORE)
              || Rules.all().stream()
                  .anyMatch(
                      r ->
                          r.spec().params().stream()
                              .anyMatch(p -> key.equals("rules." + r.id().id() + "." + p.key())));
      assertThat(known).as(key + " is documented but is not a key").isTrue();
    }
  }

  private static String defaultOf(String key) {
    Matcher m = ROW.matcher(doc);
    while (m.find()) {
      if (m.group(1).equals(key)) {
        return m.group(2).trim();
      }
    }
    throw new AssertionError(key + ": not documented in " + DOC);
  }
}
