package io.trainwatch.schemas;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * An enum constant's spelling on the command line and in reports ({@code softmax-into-nll}, {@code
 * deep-mlp}), and how such enums are parsed from it (the command line's converters are in the
 * trainer-cli module). Here beside {@link Fault}, the one fault list the trainer and the simulator
 * share; the trainer's own enums (architecture, objective, ...) spell themselves the same way.
 */
public interface WireName {

  /** The spelling: the constant's name in lower case, with hyphens for underscores. */
  default String wire() {
    return ((Enum<?>) this).name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  /**
   * The constant spelled {@code s}, or an {@link IllegalArgumentException} listing the valid
   * spellings.
   */
  static <E extends Enum<E> & WireName> E parse(Class<E> type, String s) {
    for (E e : type.getEnumConstants()) {
      if (e.wire().equals(s)) {
        return e;
      }
    }
    throw new IllegalArgumentException("'" + s + "': not one of " + String.join(", ", names(type)));
  }

  /** Every constant's spelling, in declaration order. */
  static <E extends Enum<E> & WireName> List<String> names(Class<E> type) {
    List<String> names = new ArrayList<>();
    for (E e : type.getEnumConstants()) {
      names.add(e.wire());
    }
    return names;
  }
}
