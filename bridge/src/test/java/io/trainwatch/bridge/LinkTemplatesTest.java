package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.schemas.Alert;
import org.junit.jupiter.api.Test;

class LinkTemplatesTest {

  @Test
  void shouldExpandPlaceholdersPercentEncoded() {
    LinkTemplates t =
        new LinkTemplates(
            "https://mlflow.example.com/runs/{run_id}?job={job}&alert={alert_id}",
            "https://wiki.example.com/{rule}");
    Alert a = TestAlerts.firing("run 42/ä");

    assertThat(t.runUrl(a))
        .hasValue(
            "https://mlflow.example.com/runs/run%2042%2F%C3%A4?job=cifar-resnet&alert=run%2042%2F%C3%A4%2Fnegative_loss");
    assertThat(t.runbookUrl(a)).hasValue("https://wiki.example.com/negative_loss");
    assertThat(LinkTemplates.none().runUrl(a)).isEmpty();
  }

  @Test
  void shouldRefuseTemplatesThatCannotWork() {
    assertThatThrownBy(() -> new LinkTemplates("mlflow/{run_id}", null))
        .hasMessage("runUrl=mlflow/{run_id}: must be an absolute http(s) URL");
    assertThatThrownBy(() -> new LinkTemplates(null, "https://wiki/{runbook}"))
        .hasMessageContaining("unknown placeholder {runbook}");
  }
}
