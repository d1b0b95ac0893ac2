package io.trainwatch.bridge;

import java.net.URI;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Removes every known secret from free text before it is logged or written to a header: exception
 * messages and response bodies may quote a URL or a key.
 */
public final class Redactor {

  /**
   * Fragments shorter than this are too common to replace safely (a short path would hit ordinary
   * words).
   */
  private static final int MIN_FRAGMENT = 8;

  /**
   * A last path segment this long is a token (Slack's is 24 characters), not a word like {@code
   * alerts}.
   */
  private static final int MIN_TOKEN_SEGMENT = 16;

  private final List<Map.Entry<String, String>> replacements;

  /** Redacts the given secrets, each including the path and query of secret URLs on their own. */
  public Redactor(Collection<Secret> secrets) {
    Map<String, String> r = new LinkedHashMap<>();
    for (Secret s : secrets) {
      if (s.display().contains(s.value())) {
        continue; // e.g. http://alertmanager:9093: nothing in it to hide
      }
      r.put(s.value(), s.display());
      addUrlFragments(s, r);
    }
    List<Map.Entry<String, String>> list = new ArrayList<>(r.entrySet());
    // Longest first, so a full URL is replaced before its path fragment.
    list.sort(
        Comparator.comparingInt((Map.Entry<String, String> e) -> e.getKey().length()).reversed());
    this.replacements = List.copyOf(list);
  }

  /** A redactor that knows no secrets. */
  public static Redactor none() {
    return new Redactor(List.of());
  }

  /**
   * {@code text} with every secret replaced by its display form; {@code null} stays {@code null}.
   */
  public String redact(String text) {
    if (text == null) {
      return null;
    }
    String out = text;
    for (Map.Entry<String, String> e : replacements) {
      out = out.replace(e.getKey(), e.getValue());
    }
    return out;
  }

  private static void addUrlFragments(Secret s, Map<String, String> r) {
    try {
      URI u = URI.create(s.value());
      if (u.getScheme() == null || u.getHost() == null) {
        return;
      }
      String rest = s.value().substring(s.value().indexOf(u.getHost()) + u.getHost().length());
      String path = u.getRawPath();
      addFragment(r, rest, "/***");
      addFragment(r, path, "/***");
      addFragment(r, u.getRawQuery(), "***");
      addFragment(r, u.getRawUserInfo(), "***");
      if (path != null) {
        String last = path.substring(path.lastIndexOf('/') + 1);
        if (last.length() >= MIN_TOKEN_SEGMENT) {
          r.putIfAbsent(last, "***");
        }
      }
    } catch (IllegalArgumentException e) {
      // not a URL: the whole value is still replaced
    }
  }

  private static void addFragment(Map<String, String> r, String fragment, String display) {
    if (fragment != null && fragment.length() >= MIN_FRAGMENT) {
      r.putIfAbsent(fragment, display);
    }
  }
}
