package io.trainwatch.monitor.config;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.cli.ConfigDefs;
import io.trainwatch.monitor.rules.Param;
import io.trainwatch.monitor.rules.RuleDefinition;
import io.trainwatch.monitor.rules.Rules;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * docs/configuration.md is the one place keys are documented: it must list every key with its real
 * default, and no key that does not exist.
 */
class ConfigurationDocTest {

  private static final Path DOC = Path.of("..", "docs", "configuration.md");

  private static Map<String, String> documented;

  @BeforeAll
  static void read() throws IOException {
    documented = ConfigDefs.documentedKeys(Files.readString(DOC));
  }

  @Test
  void shouldDocumentEveryRuleKeyWithItsDefault() {
    for (RuleDefinition rule : Rules.definitions()) {
      for (Param p : rule.spec().params()) {
        String key = "rules." + rule.id().id() + "." + p.key();
        assertThat(documented).as(key + " is not documented in " + DOC).containsKey(key);
        assertThat(documented.get(key)).as(key).isEqualTo(p.format(p.defaultValue()));
      }
    }
  }

  @Test
  void shouldDocumentEveryMonitorKeyWithItsDefaultAndNoOtherKey() {
    assertThat(
            ConfigDefs.docMismatches(
                MonitorConfigDef.DEF,
                documented,
                k -> isRuleKey(k) || ActionsConfigDef.documents(k)))
        .isEmpty();
  }

  @Test
  void shouldDocumentEveryActionKeyWithItsDefaultAndNoOtherKey() {
    assertThat(
            ConfigDefs.docMismatches(
                ActionsConfigDef.DEF,
                documented,
                k -> !k.startsWith("actions.") || ActionsConfigDef.documents(k)))
        .isEmpty();
    org.apache.kafka.common.config.ConfigDef policy =
        new org.apache.kafka.common.config.ConfigDef();
    for (var key : ActionsConfigDef.POLICY.configKeys().values()) {
      policy.define(
          ActionsConfigDef.POLICY_DOC_PREFIX + key.name,
          key.type,
          key.defaultValue,
          key.importance,
          key.documentation);
    }
    assertThat(
            ConfigDefs.docMismatches(
                policy, documented, k -> !k.startsWith(ActionsConfigDef.POLICY_DOC_PREFIX)))
        .isEmpty();
  }

  @Test
  void shouldParseEveryPolicyExampleOfTheDocs() throws IOException {
    String doc = Files.readString(DOC);
    int section = doc.indexOf("## Actions: closing the loop");
    int start = doc.indexOf("```properties", section) + "```properties".length();
    String block = doc.substring(start, doc.indexOf("```", start));
    // The examples are alternatives: each paragraph is one configuration.
    for (String example : block.split("\\n\\s*\\n")) {
      java.util.Properties p = new java.util.Properties();
      p.load(new java.io.StringReader(example));
      assertThat(p).as(example).isNotEmpty();
      assertThat(MonitorConfig.parse(p).actions()).as(example).isNotNull();
    }
  }

  @Test
  void shouldFindAMissingKeyAWrongDefaultAndAnUnknownKey() {
    Map<String, String> wrong = new java.util.LinkedHashMap<>(documented);
    wrong.remove(MonitorConfigDef.STREAM_THREADS);
    wrong.put(MonitorConfigDef.MAX_RUNS, "5");
    wrong.put("monitor.no_such_key", "1");

    assertThat(
            ConfigDefs.docMismatches(
                MonitorConfigDef.DEF, wrong, k -> isRuleKey(k) || ActionsConfigDef.documents(k)))
        .containsExactly(
            "monitor.stream_threads: a key that is not documented",
            "monitor.runs.max: documented default 5, real default 100000",
            "monitor.no_such_key: documented but not a key");
  }

  private boolean isRuleKey(String key) {
    if (key.equals("rules.<rule_id>.<key>") || key.equals("jobs.<job>.rules.<rule_id>.<key>")) {
      return true; // the table of key kinds
    }
    if (key.startsWith("rules.<rule_id>.")) {
      String lifecycle = key.substring("rules.<rule_id>.".length());
      return Rules.all().stream().allMatch(r -> r.spec().param(lifecycle).isPresent());
    }
    return Rules.definitions().stream()
        .anyMatch(
            r ->
                r.spec().params().stream()
                    .anyMatch(p -> key.equals("rules." + r.id().id() + "." + p.key())));
  }
}
