package io.trainwatch.trainer;

import java.util.List;
import java.util.function.BooleanSupplier;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A {@link DataSetIterator} that runs dry once a stop is requested, so that {@code net.fit(it,
 * epochs)} returns at the next step boundary, cleanly. Synchronous ({@link #asyncSupported()} is
 * false), so DL4J does not prefetch past the stop.
 */
final class StoppableIterator implements DataSetIterator {

  private static final long serialVersionUID = 1L;

  private final DataSetIterator delegate;
  private final transient BooleanSupplier stopped;

  StoppableIterator(DataSetIterator delegate, BooleanSupplier stopped) {
    this.delegate = delegate;
    this.stopped = stopped;
  }

  @Override
  public boolean hasNext() {
    return !stopped.getAsBoolean() && delegate.hasNext();
  }

  @Override
  public DataSet next() {
    return delegate.next();
  }

  @Override
  public DataSet next(int num) {
    return delegate.next(num);
  }

  @Override
  public int inputColumns() {
    return delegate.inputColumns();
  }

  @Override
  public int totalOutcomes() {
    return delegate.totalOutcomes();
  }

  @Override
  public boolean resetSupported() {
    return delegate.resetSupported();
  }

  @Override
  public boolean asyncSupported() {
    return false;
  }

  @Override
  public void reset() {
    delegate.reset();
  }

  @Override
  public int batch() {
    return delegate.batch();
  }

  @Override
  public void setPreProcessor(DataSetPreProcessor preProcessor) {
    delegate.setPreProcessor(preProcessor);
  }

  @Override
  public DataSetPreProcessor getPreProcessor() {
    return delegate.getPreProcessor();
  }

  @Override
  public List<String> getLabels() {
    return delegate.getLabels();
  }
}
