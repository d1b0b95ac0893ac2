package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.Severity;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SlackMessageTest {

  private final SlackMessage messages =
      new SlackMessage(
          new LinkTemplates(
              "https://mlflow.example.com/#/runs/{run_id}",
              "https://wiki.example.com/trainwatch/{rule}"));

  @Test
  void shouldDescribeAFiringAlertBlockByBlock() {
    Alert a = TestAlerts.firing("cifar-resnet-42");

    JsonNode msg = messages.build(List.of(a));

    assertThat(SlackLimits.violations(msg)).isEmpty();
    assertThat(msg.get("text").asText())
        .isEqualTo(
            "[CRITICAL] negative_loss firing on run cifar-resnet-42 (job"
                + " cifar-resnet): cifar-resnet-42: loss -0.103 is below its lower bound 0 for 3 batches");
    JsonNode blocks = msg.get("blocks");
    assertThat(types(blocks))
        .containsExactly("header", "section", "section", "section", "section", "context");
    assertThat(blocks.get(0).at("/text/text").asText())
        .isEqualTo("🔴 CRITICAL · negative_loss · cifar-resnet-42");
    assertThat(blocks.get(1).at("/text/text").asText())
        .isEqualTo("*cifar-resnet-42: loss -0.103 is below its lower bound 0 for 3 batches*");
    assertThat(texts(blocks.get(2).get("fields")))
        .containsExactly(
            "*Run*\ncifar-resnet-42",
            "*Job*\ncifar-resnet",
            "*Severity*\ncritical",
            "*Rule*\nnegative_loss",
            "*Step*\n12",
            "*Diagnosis*\nsoftmax_into_nll",
            "*Started*\n<!date^1795687260^{date_short_pretty} {time_secs}|2026-11-26T10:01:00Z>");
    assertThat(blocks.get(3).at("/text/text").asText()).isEqualTo("*Evidence*");
    assertThat(texts(blocks.get(3).get("fields")))
        .containsExactly(
            "*loss*\n-0.1031", "*lower_bound*\n0", "*output_row_sum_mean*\n1", "*batches*\n3");
    assertThat(blocks.get(4).at("/text/text").asText())
        .isEqualTo("*What to do*\n" + TestAlerts.HINT);
    assertThat(texts(blocks.get(5).get("elements")))
        .containsExactly(
            "alert `cifar-resnet-42/negative_loss` · revision 1",
            "<https://mlflow.example.com/#/runs/cifar-resnet-42|Run dashboard>",
            "<https://wiki.example.com/trainwatch/negative_loss|Runbook>");
  }

  @Test
  void shouldSayWhatTrainwatchDidAboutTheAlert() {
    Alert a =
        TestAlerts.firing("cifar-resnet-42")
            .withActions(
                List.of(
                    new io.trainwatch.schemas.AlertAction(
                        "stop",
                        "cifar-resnet-42",
                        "stop_on_nan",
                        false,
                        "c-1",
                        1100L,
                        "/c/1100.zip")));

    JsonNode msg = messages.build(List.of(a));

    assertThat(SlackLimits.violations(msg)).isEmpty();
    assertThat(msg.toString())
        .contains(
            "trainwatch stopped run cifar-resnet-42 at step "
                + a.step()
                + " (last good checkpoint /c/1100.zip, step 1100) because ");
    assertThat(msg.get("text").asText()).contains("trainwatch stopped run cifar-resnet-42");
  }

  @Test
  void shouldAnnounceAResolveWithItsDurationAndNoHint() {
    Alert r = TestAlerts.resolved(TestAlerts.firing("cifar-resnet-42"));

    JsonNode msg = messages.build(List.of(r));

    assertThat(SlackLimits.violations(msg)).isEmpty();
    assertThat(msg.get("text").asText())
        .startsWith(
            "[RESOLVED] negative_loss on run cifar-resnet-42 (job"
                + " cifar-resnet) after 3m 12s: ");
    assertThat(msg.at("/blocks/0/text/text").asText())
        .isEqualTo("✅ RESOLVED · negative_loss · cifar-resnet-42");
    assertThat(msg.at("/blocks/1/text/text").asText())
        .startsWith("*Resolved* after 3m 12s: cifar-resnet-42: loss");
    assertThat(msg.toString()).doesNotContain("What to do");
    assertThat(texts(msg.at("/blocks/2/fields")))
        .contains(
            "*Resolved*\n<!date^1795687452^{date_short_pretty} {time_secs}|2026-11-26T10:04:12Z>");
  }

  @Test
  void shouldEscapeSlackControlCharacters() {
    Alert a =
        TestAlerts.withText(
            TestAlerts.firing("run-1"),
            "loss < 0 & falling <!channel>",
            "Use <LogSoftmax> & check");

    JsonNode msg = messages.build(List.of(a));

    assertThat(SlackLimits.violations(msg)).isEmpty();
    assertThat(msg.at("/blocks/1/text/text").asText())
        .isEqualTo("*loss &lt; 0 &amp; falling &lt;!channel&gt;*");
    assertThat(msg.get("text").asText()).endsWith("loss &lt; 0 &amp; falling &lt;!channel&gt;");
    assertThat(msg.at("/blocks/4/text/text").asText())
        .isEqualTo("*What to do*\nUse &lt;LogSoftmax&gt; &amp; check");
  }

  @Test
  void shouldStayWithinLimitsForTheLargestAlertTheContractAllows() {
    Map<String, Object> evidence = new LinkedHashMap<>();
    for (int i = 0; i < 25; i++) {
      evidence.put("metric_" + i, i % 2 == 0 ? (Object) Double.NaN : "x".repeat(3000));
    }
    Alert huge =
        TestAlerts.withEvidence(
            TestAlerts.withText(
                TestAlerts.firing("r".repeat(256)), "&".repeat(1024), "<hint> ".repeat(1170)),
            evidence);

    JsonNode msg = messages.build(List.of(huge));

    assertThat(SlackLimits.violations(msg)).isEmpty();
    JsonNode evidenceFields = msg.at("/blocks/3/fields");
    assertThat(evidenceFields).hasSize(10);
    assertThat(evidenceFields.get(0).get("text").asText()).isEqualTo("*metric_0*\nNaN");
    assertThat(evidenceFields.get(9).get("text").asText()).startsWith("*+16 more*\nmetric_9=");
    long hintSections = types(msg.get("blocks")).stream().filter("section"::equals).count() - 3;
    assertThat(hintSections).isBetween(2L, 3L);
  }

  @Test
  void shouldGroupABurstForOneJobIntoOneMessage() {
    List<Alert> burst = new ArrayList<>();
    for (int i = 0; i < SlackMessage.MAX_ALERTS; i++) {
      Alert a =
          TestAlerts.firing(
              "run-" + i, "nan_loss", i == 3 ? Severity.CRITICAL : Severity.WARNING, "cifar");
      burst.add(i == 5 ? TestAlerts.resolved(a) : a);
    }

    JsonNode msg = messages.build(burst);

    assertThat(SlackLimits.violations(msg)).isEmpty();
    assertThat(msg.get("blocks").size()).isLessThanOrEqualTo(SlackMessage.MAX_BLOCKS);
    assertThat(msg.at("/blocks/0/text/text").asText()).isEqualTo("🔴 10 alerts · job cifar");
    assertThat(msg.get("text").asText())
        .startsWith("10 alerts for job cifar: [WARNING] nan_loss on run run-0;")
        .contains("[CRITICAL] nan_loss on run run-3")
        .contains("[RESOLVED] nan_loss on run run-5");
    assertThat(msg.toString())
        .contains("🟡 *WARNING* · nan_loss · run run-0\\n")
        .contains("✅ *RESOLVED* · nan_loss · run run-5 · after 3m 12s");
  }

  private static List<String> types(JsonNode blocks) {
    List<String> out = new ArrayList<>();
    blocks.forEach(b -> out.add(b.get("type").asText()));
    return out;
  }

  private static List<String> texts(JsonNode items) {
    List<String> out = new ArrayList<>();
    items.forEach(f -> out.add(f.get("text").asText()));
    return out;
  }

  @Test
  void shouldSayWhereAJobLevelAlertPoints() {
    Alert a =
        TestAlerts.firing("llm-rank0")
            .withPlacement(
                new io.trainwatch.schemas.AlertPlacement(
                    "gpu-node-17", "GPU-5f1c", 0, List.of(0, 1, 2)));

    JsonNode msg = messages.build(List.of(a));

    assertThat(SlackLimits.violations(msg)).isEmpty();
    assertThat(texts(msg.get("blocks").get(2).get("fields")))
        .contains("*Where*\nranks 0, 1, 2 on gpu-node-17 (GPU-5f1c)");
    assertThat(msg.get("text").asText()).contains(", ranks 0, 1, 2 on gpu-node-17 (GPU-5f1c)");
    assertThat(SlackMessage.where(io.trainwatch.schemas.AlertPlacement.NONE)).isEmpty();
  }
}
