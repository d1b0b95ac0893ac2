package io.trainwatch.trainer.cli;

import io.trainwatch.schemas.Fault;
import io.trainwatch.schemas.WireName;
import io.trainwatch.trainer.Architecture;
import io.trainwatch.trainer.InputScaling;
import io.trainwatch.trainer.Objective;
import io.trainwatch.trainer.Optimizer;
import java.util.Iterator;
import picocli.CommandLine.ITypeConverter;
import picocli.CommandLine.TypeConversionException;

/**
 * picocli plumbing for the trainer's {@link WireName} enums: a converter that parses the spelling
 * ({@code --fault softmax-into-nll}) and the candidates listed in {@code --help}, per enum.
 */
final class WireNames {

  private WireNames() {}

  /** Parses the spelling; a bad one fails with the list of valid ones. */
  abstract static class Converter<E extends Enum<E> & WireName> implements ITypeConverter<E> {
    private final Class<E> type;

    Converter(Class<E> type) {
      this.type = type;
    }

    @Override
    public E convert(String value) {
      try {
        return WireName.parse(type, value);
      } catch (IllegalArgumentException e) {
        throw new TypeConversionException(e.getMessage());
      }
    }
  }

  /** The spellings, in declaration order. */
  abstract static class Candidates<E extends Enum<E> & WireName> implements Iterable<String> {
    private final Class<E> type;

    Candidates(Class<E> type) {
      this.type = type;
    }

    @Override
    public Iterator<String> iterator() {
      return WireName.names(type).iterator();
    }
  }

  static final class FaultConverter extends Converter<Fault> {
    FaultConverter() {
      super(Fault.class);
    }
  }

  static final class FaultNames extends Candidates<Fault> {
    FaultNames() {
      super(Fault.class);
    }
  }

  static final class ArchitectureConverter extends Converter<Architecture> {
    ArchitectureConverter() {
      super(Architecture.class);
    }
  }

  static final class ArchitectureNames extends Candidates<Architecture> {
    ArchitectureNames() {
      super(Architecture.class);
    }
  }

  static final class InputScalingConverter extends Converter<InputScaling> {
    InputScalingConverter() {
      super(InputScaling.class);
    }
  }

  static final class ObjectiveConverter extends Converter<Objective> {
    ObjectiveConverter() {
      super(Objective.class);
    }
  }

  static final class ObjectiveNames extends Candidates<Objective> {
    ObjectiveNames() {
      super(Objective.class);
    }
  }

  static final class OptimizerConverter extends Converter<Optimizer> {
    OptimizerConverter() {
      super(Optimizer.class);
    }
  }

  static final class OptimizerNames extends Candidates<Optimizer> {
    OptimizerNames() {
      super(Optimizer.class);
    }
  }
}
