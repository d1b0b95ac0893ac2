package io.trainwatch.trainer;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * An enum constant's spelling on the command line and in reports ({@code softmax-into-nll}, {@code
 * deep-mlp}), and the picocli plumbing shared by such enums.
 */
interface WireName {

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

  /** picocli: parses the spelling. */
  abstract class Converter<E extends Enum<E> & WireName> implements ITypeConverter<E> {
    private final Class<E> type;

    Converter(Class<E> type) {
      this.type = type;
    }

    @Override
    public E convert(String value) {
      try {
        return parse(type, value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** picocli: the spellings listed in {@code --help}. */
  abstract class Candidates<E extends Enum<E> & WireName> implements Iterable<String> {
    private final Class<E> type;

    Candidates(Class<E> type) {
      this.type = type;
    }

    @Override
    public Iterator<String> iterator() {
      return names(type).iterator();
    }
  }
}
