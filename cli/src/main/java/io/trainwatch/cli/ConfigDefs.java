package io.trainwatch.cli;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.kafka.common.config.ConfigDef;
import org.apache.kafka.common.config.ConfigException;
import org.apache.kafka.common.config.types.Password;

/**
 * The one way trainwatch reads application keys: a Kafka {@link ConfigDef} per module (types,
 * defaults, ranges, docs), parsed here so that every error is one line in the house format {@code
 * key=value: problem}, and checked against the module's markdown documentation both ways.
 */
public final class ConfigDefs {

  /** A row of a markdown key table: {@code | `key` | default | meaning |}. */
  private static final Pattern ROW =
      Pattern.compile("^\\| `([A-Za-z0-9_.<>-]+)` \\| ([^|]*) \\|", Pattern.MULTILINE);

  private static final Pattern TOPIC = Pattern.compile("[a-zA-Z0-9._-]{1,249}");

  private ConfigDefs() {}

  /**
   * A Kafka topic name: 1 to 249 of {@code [a-zA-Z0-9._-]}, not {@code .} or {@code ..} (Kafka's
   * own rule).
   */
  public static ConfigDef.Validator topicName() {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        String s = value == null ? "" : value.toString();
        if (!TOPIC.matcher(s).matches() || s.equals(".") || s.equals("..")) {
          throw new ConfigException(
              name, value, "must be a topic name (1 to 249 of a-z A-Z 0-9 . _ -)");
        }
      }

      @Override
      public String toString() {
        return "a topic name";
      }
    };
  }

  /** {@code validator} for a key that may be left unset (its default is {@code null}). */
  public static ConfigDef.Validator optional(ConfigDef.Validator validator) {
    return new ConfigDef.Validator() {
      @Override
      public void ensureValid(String name, Object value) {
        if (value != null) {
          validator.ensureValid(name, value);
        }
      }

      @Override
      public String toString() {
        return validator + " or unset";
      }
    };
  }

  /**
   * Parses {@code values} against {@code def}: every key of {@code def} (its default where {@code
   * values} has none), typed and validated. Keys of {@code values} that {@code def} does not know
   * are ignored here; the caller decides whether they are errors.
   *
   * @return the typed values, in declaration order; a key without a value and without a default
   *     maps to {@code null}
   * @throws IllegalArgumentException {@code key=value: problem} for the first bad value
   */
  public static Map<String, Object> parse(ConfigDef def, Map<String, String> values) {
    Map<String, Object> out = new LinkedHashMap<>();
    for (ConfigDef.ConfigKey key : def.configKeys().values()) {
      boolean given = values.containsKey(key.name);
      Object raw = given ? values.get(key.name) : key.defaultValue;
      if (raw == ConfigDef.NO_DEFAULT_VALUE) {
        raw = null;
      }
      if (raw == null) {
        out.put(key.name, null);
        continue;
      }
      try {
        Object parsed = ConfigDef.parseType(key.name, raw, key.type);
        if (key.validator != null) {
          key.validator.ensureValid(key.name, parsed);
        }
        out.put(key.name, parsed);
      } catch (ConfigException e) {
        String shown = key.type == ConfigDef.Type.PASSWORD ? "[hidden]" : String.valueOf(raw);
        throw new IllegalArgumentException(
            key.name + "=" + shown.trim() + ": " + problem(e, key.type), e);
      }
    }
    return out;
  }

  /**
   * What is wrong, from a {@link ConfigException} of {@link ConfigDef}'s parsing or validators,
   * without Kafka's {@code Invalid value ... for configuration ...} preamble and in the words the
   * rest of trainwatch uses ({@code must be >= 1}).
   */
  static String problem(ConfigException e, ConfigDef.Type type) {
    String m = Objects.toString(e.getMessage(), "invalid");
    int colon =
        m.startsWith("Invalid value ") ? m.indexOf(": ", m.indexOf(" for configuration ")) : -1;
    String p = colon >= 0 ? m.substring(colon + 2) : m;
    Matcher atLeast = Pattern.compile("Value must be at least (.+)").matcher(p);
    if (atLeast.matches()) {
      return "must be >= " + atLeast.group(1);
    }
    Matcher atMost = Pattern.compile("Value must be no more than (.+)").matcher(p);
    if (atMost.matches()) {
      return "must be <= " + atMost.group(1);
    }
    Matcher oneOf = Pattern.compile("String must be one of:? (.+)").matcher(p);
    if (oneOf.matches()) {
      return "must be one of " + oneOf.group(1);
    }
    if (p.startsWith("Not a number of type") || p.startsWith("Expected value to be")) {
      return switch (type) {
        case INT, SHORT, LONG -> "must be an integer";
        case DOUBLE -> "must be a number";
        case BOOLEAN -> "must be true or false";
        default -> p;
      };
    }
    if (p.startsWith("Expected value to be either true or false")) {
      return "must be true or false";
    }
    return p.isEmpty() ? p : Character.toLowerCase(p.charAt(0)) + p.substring(1);
  }

  /** The value as it is written in a configuration file and in the docs. */
  public static String format(Object value, ConfigDef.Type type) {
    if (value == null || value == ConfigDef.NO_DEFAULT_VALUE) {
      return null;
    }
    if (value instanceof Password) {
      return null;
    }
    return ConfigDef.convertToString(value, type);
  }

  /**
   * The key tables of a markdown document: key (first column, in backticks) to default (second
   * column, backticks removed, trimmed), in document order.
   */
  public static Map<String, String> documentedKeys(String markdown) {
    Map<String, String> out = new LinkedHashMap<>();
    Matcher m = ROW.matcher(markdown);
    while (m.find()) {
      out.putIfAbsent(m.group(1), m.group(2).replace("`", "").trim());
    }
    return out;
  }

  /**
   * How {@code def} and its documentation disagree, as sentences naming the key (empty when they
   * agree): a key of {@code def} that is not documented, a documented default that is not the real
   * one (keys without a default, or with an empty one, may document anything, e.g. "–"), and a
   * documented key that is neither in {@code def} nor accepted by {@code alsoKnown} (keys the
   * module reads another way, e.g. rule keys or a prefix family).
   */
  public static List<String> docMismatches(
      ConfigDef def, Map<String, String> documented, Predicate<String> alsoKnown) {
    List<String> problems = new ArrayList<>();
    for (ConfigDef.ConfigKey key : def.configKeys().values()) {
      if (!documented.containsKey(key.name)) {
        problems.add(key.name + ": a key that is not documented");
        continue;
      }
      String real = format(key.defaultValue, key.type);
      if (real != null && !real.isEmpty() && !real.equals(documented.get(key.name))) {
        problems.add(
            key.name
                + ": documented default "
                + documented.get(key.name)
                + ", real default "
                + real);
      }
    }
    for (String key : documented.keySet()) {
      if (!def.names().contains(key) && !alsoKnown.test(key)) {
        problems.add(key + ": documented but not a key");
      }
    }
    return problems;
  }
}
