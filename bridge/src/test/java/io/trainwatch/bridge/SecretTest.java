package io.trainwatch.bridge;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.junit.jupiter.api.Test;

class SecretTest {

  @Test
  void shouldRedactSlackWebhookToItsService() {
    assertThat(Secret.redactUrl("https://hooks.slack.com/services/T000/B000/XXXX"))
        .isEqualTo("https://hooks.slack.com/services/***");
  }

  @Test
  void shouldDropUserInfoQueryAndDeeperPath() {
    assertThat(Secret.redactUrl("https://user:pw@hooks.example.com:8443/in/abc?token=t#f"))
        .isEqualTo("https://hooks.example.com:8443/in/***");
    assertThat(Secret.redactUrl("https://hooks.example.com/only-segment"))
        .isEqualTo("https://hooks.example.com/***");
    assertThat(Secret.redactUrl("not a url")).isEqualTo("***");
  }

  @Test
  void shouldShowOnlyTheDisplayFormInToString() {
    assertThat(Secret.token("R0123456789abcdef0123456789abcd")).hasToString("***");
    assertThat(Secret.url("https://hooks.slack.com/services/T000/B000/XXXX"))
        .hasToString("https://hooks.slack.com/services/***");
  }

  @Test
  void shouldRedactSecretsAndTheirUrlFragmentsFromFreeText() {
    Secret slack =
        Secret.url("https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx");
    Secret key = Secret.token("R0123456789abcdef0123456789abcd");
    Redactor r = new Redactor(List.of(slack, key));

    assertThat(
            r.redact(
                "POST https://hooks.slack.com/services/T0001/B0001/abcdefghijklmnopqrstuvwx failed"))
        .isEqualTo("POST https://hooks.slack.com/services/*** failed");
    assertThat(r.redact("GET /services/T0001/B0001/abcdefghijklmnopqrstuvwx -> 404"))
        .isEqualTo("GET /*** -> 404");
    assertThat(r.redact("token abcdefghijklmnopqrstuvwx revoked")).isEqualTo("token *** revoked");
    assertThat(r.redact("routing_key R0123456789abcdef0123456789abcd is invalid"))
        .isEqualTo("routing_key *** is invalid");
    assertThat(r.redact("topic trainwatch.alerts")).isEqualTo("topic trainwatch.alerts");
    assertThat(r.redact(null)).isNull();
  }
}
