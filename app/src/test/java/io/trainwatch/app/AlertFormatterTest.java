package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertStatus;
import io.trainwatch.schemas.Severity;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;

class AlertFormatterTest {

  @Test
  void shouldPrintTheEvidenceAsPeopleReadNumbersOnAGermanHost() {
    Map<String, Object> evidence = new LinkedHashMap<>();
    evidence.put("loss", -0.10312345);
    evidence.put("lr", 0.0000123456);
    evidence.put("output_row_sum_mean", 1.0);
    evidence.put("batches", 3L);
    evidence.put("grad_norm", Double.POSITIVE_INFINITY);
    Alert a =
        new Alert(
            "r/negative_loss",
            "e-1",
            1,
            AlertStatus.FIRING,
            "negative_loss",
            Severity.CRITICAL,
            "r",
            null,
            "r: loss -0.1031 is below 0",
            "Use LogSoftmax.",
            null,
            evidence,
            12L,
            Instant.parse("2026-11-26T10:01:00Z"),
            null,
            Map.of());
    Locale before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
    try {
      assertThat(new AlertFormatter(false).format(a))
          .contains(
              "  evidence: loss=-0.1031, lr=1.235e-05, output_row_sum_mean=1, batches=3,"
                  + " grad_norm=Infinity\n");
    } finally {
      Locale.setDefault(before);
    }
  }
}
