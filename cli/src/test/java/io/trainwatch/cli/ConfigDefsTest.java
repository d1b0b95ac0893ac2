package io.trainwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.Map;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigDef.Importance;
import org.apache.kafka.common.config.ConfigDef.Range;
import org.apache.kafka.common.config.ConfigDef.Type;
import org.apache.kafka.common.config.ConfigDef.ValidString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ConfigDefsTest {

  private static final ConfigDef DEF =
      new ConfigDef()
          .define("a.count", Type.INT, 3, Range.between(1, 10), Importance.HIGH, "A count.")
          .define("a.rate", Type.DOUBLE, 0.5, Range.atLeast(0), Importance.LOW, "A rate.")
          .define("a.mode", Type.STRING, "on", ValidString.in("on", "off"), Importance.LOW, "Mode.")
          .define("a.topic", Type.STRING, "t", ConfigDefs.topicName(), Importance.LOW, "Topic.")
          .define("a.flag", Type.BOOLEAN, true, Importance.LOW, "Flag.")
          .define("a.secret", Type.PASSWORD, null, Importance.LOW, "Secret.");

  @Test
  void shouldTypeEveryKeyWithItsDefault() {
    Map<String, Object> v = ConfigDefs.parse(DEF, Map.of("a.count", " 7 "));

    assertThat(v.get("a.count")).isEqualTo(7);
    assertThat(v.get("a.rate")).isEqualTo(0.5);
    assertThat(v.get("a.mode")).isEqualTo("on");
    assertThat(v.get("a.flag")).isEqualTo(true);
    assertThat(v).containsEntry("a.secret", null);
  }

  @ParameterizedTest
  @CsvSource(
      delimiter = '|',
      value = {
        "a.count | 0 | a.count=0: must be >= 1",
        "a.count | 11 | a.count=11: must be <= 10",
        "a.count | 2.5 | a.count=2.5: must be an integer",
        "a.count | x | a.count=x: must be an integer",
        "a.rate | -1 | a.rate=-1: must be >= 0",
        "a.rate | x | a.rate=x: must be a number",
        "a.mode | maybe | a.mode=maybe: must be one of on, off",
        "a.flag | yes | a.flag=yes: must be true or false",
        "a.topic | a/b | a.topic=a/b: must be a topic name (1 to 249 of a-z A-Z 0-9 . _ -)",
      })
  void shouldSayWhatIsWrongInOneLineNamingTheKey(String key, String value, String message) {
    assertThatIllegalArgumentException()
        .isThrownBy(() -> ConfigDefs.parse(DEF, Map.of(key, value)))
        .withMessage(message);
  }

  @Test
  void shouldFindDocumentedKeysAndTheirDefaults() {
    String md =
        "| key | default | meaning |\n|---|---|---|\n| `a.count` | `3` | x |\n| `a.rate` | 0.5 | y |\n";

    assertThat(ConfigDefs.documentedKeys(md))
        .containsExactly(Map.entry("a.count", "3"), Map.entry("a.rate", "0.5"));
  }

  @Test
  void shouldReportDocumentationThatDisagreesBothWays() {
    Map<String, String> documented =
        Map.of(
            "a.count", "4", "a.rate", "0.5", "a.mode", "on", "a.topic", "t", "a.flag", "true",
            "a.gone", "1");

    assertThat(ConfigDefs.docMismatches(DEF, documented, k -> false))
        .containsExactlyInAnyOrder(
            "a.count: documented default 4, real default 3",
            "a.secret: a key that is not documented",
            "a.gone: documented but not a key");
  }
}
