package io.trainwatch.monitor.alerting;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.trainwatch.monitor.rules.RuleId;
import io.trainwatch.schemas.util.Numbers;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Collections;
import java.util.EnumMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Remediation hints as data: for each rule a one-line summary template, and for each of its
 * diagnoses a title, optionally its own summary, and hint texts per framework ({@code dl4j}, {@code
 * pytorch}, and the required {@code generic} fallback). Loaded from {@code
 * io/trainwatch/monitor/hints.json}.
 *
 * <p>Templates hold placeholders such as {@code {loss}}, filled from the finding's evidence and the
 * run's context ({@code run_id}, {@code rule}, {@code framework}, {@code job}, {@code num_classes},
 * {@code step}); {@code {progress:%}} shows a fraction as a percentage. A segment in double
 * brackets, {@code [[, rows sum to {output_row_sum_mean}]]}, is kept only when all its placeholders
 * have values.
 */
public final class HintCatalog {

  /** The classpath location of the built-in catalog. */
  public static final String RESOURCE = "/io/trainwatch/monitor/hints.json";

  /** The framework key every diagnosis must have. */
  public static final String GENERIC = "generic";

  private static final Pattern PLACEHOLDER = Pattern.compile("\\{([a-z_][a-z0-9_]*)(:%)?}");
  private static final Pattern OPTIONAL = Pattern.compile("\\[\\[(.*?)]]", Pattern.DOTALL);
  private static final Map<String, String> FRAMEWORK_ALIASES =
      Map.of(
          "deeplearning4j",
          "dl4j",
          "torch",
          "pytorch",
          "pytorch-lightning",
          "pytorch",
          "lightning",
          "pytorch");
  private static volatile HintCatalog standard;

  private final Map<RuleId, RuleHints> rules;

  /** One diagnosis: its title, hint text per framework, and optionally its own summary template. */
  public record DiagnosisHints(String title, Map<String, String> hints, String summary) {}

  /** One rule: its summary template and its diagnoses. */
  public record RuleHints(String summary, Map<String, DiagnosisHints> diagnoses) {}

  private HintCatalog(Map<RuleId, RuleHints> rules) {
    this.rules = rules;
  }

  /** The built-in catalog (loaded once). */
  public static HintCatalog standard() {
    HintCatalog c = standard;
    if (c == null) {
      try (InputStream in = HintCatalog.class.getResourceAsStream(RESOURCE)) {
        if (in == null) {
          throw new IllegalStateException(RESOURCE + ": not on the classpath");
        }
        c = parse(in.readAllBytes());
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
      standard = c;
    }
    return c;
  }

  /**
   * Reads a catalog.
   *
   * @throws IllegalArgumentException naming the offending path when the structure is wrong
   */
  public static HintCatalog parse(byte[] json) {
    JsonNode root;
    try {
      root = new ObjectMapper().readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("hints: not valid JSON (" + e.getMessage() + ")");
    }
    requireObject(root, "hints");
    Map<RuleId, RuleHints> rules = new EnumMap<>(RuleId.class);
    for (Iterator<String> it = root.fieldNames(); it.hasNext(); ) {
      String ruleId = it.next();
      RuleId id =
          RuleId.fromId(ruleId)
              .orElseThrow(
                  () -> new IllegalArgumentException("hints." + ruleId + ": unknown rule"));
      JsonNode rule = root.get(ruleId);
      requireObject(rule, "hints." + ruleId);
      String summary = text(rule.get("summary"), "hints." + ruleId + ".summary");
      JsonNode diagnoses = rule.get("diagnoses");
      requireObject(diagnoses, "hints." + ruleId + ".diagnoses");
      Map<String, DiagnosisHints> byDiagnosis = new LinkedHashMap<>();
      for (Iterator<String> d = diagnoses.fieldNames(); d.hasNext(); ) {
        String diagnosis = d.next();
        String path = "hints." + ruleId + ".diagnoses." + diagnosis;
        JsonNode node = diagnoses.get(diagnosis);
        requireObject(node, path);
        String title = text(node.get("title"), path + ".title");
        JsonNode hints = node.get("hint");
        requireObject(hints, path + ".hint");
        Map<String, String> byFramework = new LinkedHashMap<>();
        for (Iterator<String> f = hints.fieldNames(); f.hasNext(); ) {
          String framework = f.next();
          byFramework.put(framework, text(hints.get(framework), path + ".hint." + framework));
        }
        if (!byFramework.containsKey(GENERIC)) {
          throw new IllegalArgumentException(path + ".hint.generic: required");
        }
        String ownSummary =
            node.has("summary") ? text(node.get("summary"), path + ".summary") : null;
        byDiagnosis.put(
            diagnosis,
            new DiagnosisHints(title, Collections.unmodifiableMap(byFramework), ownSummary));
      }
      rules.put(id, new RuleHints(summary, Collections.unmodifiableMap(byDiagnosis)));
    }
    return new HintCatalog(Collections.unmodifiableMap(rules));
  }

  /** The rules this catalog covers. */
  public Set<RuleId> rules() {
    return rules.keySet();
  }

  /** The diagnoses this catalog covers for a rule (empty when the rule is not covered). */
  public Set<String> diagnoses(RuleId rule) {
    RuleHints r = rules.get(rule);
    return r == null ? Set.of() : r.diagnoses().keySet();
  }

  /** Every template of a rule and diagnosis: the summary, then the hint per framework. */
  public Map<String, String> templates(RuleId rule, String diagnosis) {
    Map<String, String> out = new LinkedHashMap<>();
    RuleHints r = rules.get(rule);
    if (r != null) {
      DiagnosisHints d = r.diagnoses().get(diagnosis);
      out.put("summary", d != null && d.summary() != null ? d.summary() : r.summary());
      if (d != null) {
        out.put("title", d.title());
        d.hints().forEach((framework, text) -> out.put("hint." + framework, text));
      }
    }
    return out;
  }

  /**
   * The title of a diagnosis ("softmax probabilities fed into an NLL loss"), or the diagnosis id
   * itself.
   */
  public String title(RuleId rule, String diagnosis) {
    DiagnosisHints d = diagnosis(rule, diagnosis);
    return d == null ? (diagnosis == null ? rule.id() : diagnosis) : d.title();
  }

  /**
   * The one-line summary of a rule's diagnosis (its own, or the rule's), filled from {@code
   * values}.
   */
  public String summary(RuleId rule, String diagnosis, Map<String, ?> values) {
    RuleHints r = rules.get(rule);
    if (r == null) {
      return rule.id();
    }
    DiagnosisHints d = diagnosis(rule, diagnosis);
    return render(d != null && d.summary() != null ? d.summary() : r.summary(), values);
  }

  /**
   * The hint for a diagnosis in the run's framework's words (falling back to the generic text),
   * filled from {@code values}; empty when the catalog has nothing for the diagnosis.
   */
  public String hint(RuleId rule, String diagnosis, String framework, Map<String, ?> values) {
    DiagnosisHints d = diagnosis(rule, diagnosis);
    if (d == null) {
      return "";
    }
    String text = d.hints().get(frameworkKey(framework));
    return render(text != null ? text : d.hints().get(GENERIC), values);
  }

  /**
   * The catalog key for a framework name: lower case, with common aliases ({@code deeplearning4j}).
   */
  public static String frameworkKey(String framework) {
    if (framework == null) {
      return GENERIC;
    }
    String f = framework.toLowerCase(Locale.ROOT);
    return FRAMEWORK_ALIASES.getOrDefault(f, f);
  }

  /** The placeholders a template uses, in order of appearance. */
  public static List<String> placeholders(String template) {
    List<String> out = new ArrayList<>();
    Matcher m = PLACEHOLDER.matcher(template);
    while (m.find()) {
      out.add(m.group(1));
    }
    return out;
  }

  /** Fills a template; placeholders without a value are left as they are. */
  public static String render(String template, Map<String, ?> values) {
    Matcher optional = OPTIONAL.matcher(template);
    StringBuilder sb = new StringBuilder();
    while (optional.find()) {
      String segment = optional.group(1);
      boolean complete = placeholders(segment).stream().allMatch(p -> values.get(p) != null);
      optional.appendReplacement(sb, Matcher.quoteReplacement(complete ? segment : ""));
    }
    optional.appendTail(sb);
    Matcher m = PLACEHOLDER.matcher(sb.toString());
    StringBuilder out = new StringBuilder();
    while (m.find()) {
      Object v = values.get(m.group(1));
      String text;
      if (v == null && !values.containsKey(m.group(1))) {
        text = m.group();
      } else {
        text =
            m.group(2) != null && v instanceof Number n
                ? Numbers.percent(n.doubleValue())
                : Numbers.forPeople(v);
      }
      m.appendReplacement(out, Matcher.quoteReplacement(text));
    }
    m.appendTail(out);
    return out.toString();
  }

  private DiagnosisHints diagnosis(RuleId rule, String diagnosis) {
    RuleHints r = rules.get(rule);
    return r == null || diagnosis == null ? null : r.diagnoses().get(diagnosis);
  }

  private static void requireObject(JsonNode node, String path) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(path + ": must be an object");
    }
  }

  /**
   * A string, or an array of strings joined by newlines (long hints read better as one line per
   * sentence).
   */
  private static String text(JsonNode node, String path) {
    if (node != null && node.isTextual() && !node.asText().isBlank()) {
      return node.asText();
    }
    if (node != null && node.isArray() && node.size() > 0) {
      List<String> lines = new ArrayList<>();
      for (JsonNode line : node) {
        if (!line.isTextual()) {
          throw new IllegalArgumentException(path + ": must be a string or an array of strings");
        }
        lines.add(line.asText());
      }
      return String.join("\n", lines);
    }
    throw new IllegalArgumentException(path + ": must be a non-empty string or array of strings");
  }
}
