package io.trainwatch.schemas.util;

import java.math.BigDecimal;
import java.math.MathContext;
import java.math.RoundingMode;
import java.util.Locale;

/**
 * How a number reads for people: in hints, alert summaries, chat and pager text, the command line's
 * output. One rule everywhere, whatever the host's locale (a German host does not print {@code
 * 0,1031}). Machine fields (JSON payloads, the contract) keep full precision and do not use this.
 *
 * <ul>
 *   <li>A whole number below 10<sup>15</sup> in magnitude reads exactly: {@code 255}, {@code 0},
 *       {@code -3}.
 *   <li>Otherwise 4 significant digits, plainly from 10<sup>-4</sup> up to 10<sup>9</sup>: {@code
 *       -0.1031}, {@code 73.46}, {@code 12350000}, trailing zeros dropped.
 *   <li>Beyond that range, scientific with 4 significant digits: {@code 1.235e-05}, {@code
 *       1.000e+20}.
 *   <li>Non-finite values read as the contract spells them: {@code NaN}, {@code Infinity}, {@code
 *       -Infinity}.
 * </ul>
 */
public final class Numbers {

  private static final MathContext FOUR_DIGITS = new MathContext(4, RoundingMode.HALF_UP);

  private Numbers() {}

  /** A double for people (see the class comment). */
  public static String forPeople(double d) {
    if (Double.isNaN(d)) {
      return "NaN";
    }
    if (Double.isInfinite(d)) {
      return d > 0 ? "Infinity" : "-Infinity";
    }
    if (d == Math.rint(d) && Math.abs(d) < 1e15) {
      return Long.toString((long) d);
    }
    double abs = Math.abs(d);
    if (abs >= 1e-4 && abs < 1e9) {
      return new BigDecimal(d).round(FOUR_DIGITS).stripTrailingZeros().toPlainString();
    }
    return String.format(Locale.ROOT, "%.3e", d);
  }

  /**
   * A value for people: doubles and floats as {@link #forPeople(double)}, other numbers (integers)
   * exactly, {@code null} as {@code n/a}, anything else as its string.
   */
  public static String forPeople(Object value) {
    if (value == null) {
      return "n/a";
    }
    if (value instanceof Double || value instanceof Float) {
      return forPeople(((Number) value).doubleValue());
    }
    return value.toString();
  }

  /**
   * A fraction as a percentage to one decimal: 0.975 reads {@code 97.5%}, 0.5 reads {@code 50%};
   * non-finite values as {@link #forPeople(double)}.
   */
  public static String percent(double fraction) {
    if (!Double.isFinite(fraction)) {
      return forPeople(fraction);
    }
    return new BigDecimal(fraction * 100)
            .setScale(1, RoundingMode.HALF_UP)
            .stripTrailingZeros()
            .toPlainString()
        + "%";
  }
}
