package io.trainwatch.bench;

import java.util.List;
import java.util.Locale;

/** Small helpers to write the report's markdown: tables and number formats. */
final class Markdown {

  private Markdown() {}

  /** A table with a header row; cells must not contain newlines. */
  static String table(List<String> header, List<? extends List<String>> rows) {
    StringBuilder sb = new StringBuilder();
    row(sb, header);
    sb.append('|');
    for (int i = 0; i < header.size(); i++) {
      sb.append("---|");
    }
    sb.append('\n');
    for (List<String> r : rows) {
      if (r.size() != header.size()) {
        throw new IllegalArgumentException(
            "row " + r + ": " + r.size() + " cells, header has " + header.size());
      }
      row(sb, r);
    }
    return sb.toString();
  }

  private static void row(StringBuilder sb, List<String> cells) {
    sb.append('|');
    for (String c : cells) {
      sb.append(' ').append(c.replace("|", "\\|")).append(" |");
    }
    sb.append('\n');
  }

  /** {@code 1234567.8} as {@code "1,234,568"}. */
  static String count(double v) {
    return String.format(Locale.ROOT, "%,.0f", v);
  }

  /** A number with the given decimals. */
  static String num(double v, int decimals) {
    return String.format(Locale.ROOT, "%,." + decimals + "f", v);
  }

  /** A ratio such as {@code 0.62×}. */
  static String ratio(double v) {
    if (Double.isInfinite(v)) {
      return "∞";
    }
    return String.format(Locale.ROOT, v >= 10 ? "%.0f×" : "%.2f×", v);
  }

  /** A share such as {@code 12.3%}. */
  static String percent(double fraction) {
    return String.format(Locale.ROOT, "%.1f%%", 100 * fraction);
  }
}
