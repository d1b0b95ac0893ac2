package io.trainwatch.schemas.util;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Locale;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Runs under a German default locale: a decimal comma anywhere would fail it. */
class NumbersTest {

  private Locale before;

  @BeforeEach
  void germanHost() {
    before = Locale.getDefault();
    Locale.setDefault(Locale.GERMANY);
  }

  @AfterEach
  void restoreLocale() {
    Locale.setDefault(before);
  }

  @ParameterizedTest
  @CsvSource({
    "-0.1031, -0.1031",
    "0.10312345, 0.1031",
    "255.0, 255",
    "0.0, 0",
    "-0.0, 0",
    "-3.0, -3",
    "1.00000012, 1",
    "73.456789, 73.46",
    "0.99995, 1",
    "12345678.9, 12350000",
    "999999999.5, 1000000000",
    "1234567890.5, 1.235e+09",
    "123456789012345.0, 123456789012345",
    "1.0E15, 1.000e+15",
    "1.0E300, 1.000e+300",
    "-2.5E20, -2.500e+20",
    "0.0001, 0.0001",
    "0.000012345, 1.235e-05",
    "-0.000099999, -1.000e-04",
    "4.9E-324, 4.900e-324",
    "NaN, NaN",
    "Infinity, Infinity",
    "-Infinity, -Infinity",
  })
  void shouldFormatADoubleForPeopleWhateverTheLocale(double value, String expected) {
    assertThat(Numbers.forPeople(value)).isEqualTo(expected);
    assertThat(Numbers.forPeople((Object) value)).isEqualTo(expected);
  }

  @Test
  void shouldFormatOtherValuesForPeople() {
    assertThat(Numbers.forPeople(0.1f)).isEqualTo("0.1");
    assertThat(Numbers.forPeople((Object) Float.NaN)).isEqualTo("NaN");
    assertThat(Numbers.forPeople((Object) 1_234_567_890_123L)).isEqualTo("1234567890123");
    assertThat(Numbers.forPeople((Object) 3)).isEqualTo("3");
    assertThat(Numbers.forPeople((Object) null)).isEqualTo("n/a");
    assertThat(Numbers.forPeople((Object) "rank 3")).isEqualTo("rank 3");
    assertThat(Numbers.forPeople((Object) true)).isEqualTo("true");
  }

  @Test
  void shouldShowAFractionAsAPercentage() {
    assertThat(Numbers.percent(0.975)).isEqualTo("97.5%");
    assertThat(Numbers.percent(0.5)).isEqualTo("50%");
    assertThat(Numbers.percent(0.12345)).isEqualTo("12.3%");
    assertThat(Numbers.percent(1)).isEqualTo("100%");
    assertThat(Numbers.percent(Double.NaN)).isEqualTo("NaN");
    assertThat(Numbers.percent(Double.NEGATIVE_INFINITY)).isEqualTo("-Infinity");
  }
}
