package io.trainwatch.trainer;

import java.util.List;
import org.nd4j.linalg.dataset.DataSet;
import org.nd4j.linalg.dataset.api.DataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.DataSetIterator;

/**
 * A {@link DataSetIterator} that tells its {@link TrainwatchListener} how long the training thread
 * waited in {@code hasNext()} and {@code next()}: the step's data phase. Not asynchronous itself
 * (DL4J would otherwise prefetch on another thread and the wait measured would not be the training
 * thread's); {@link TrainwatchListener#timed(DataSetIterator)} puts the prefetch underneath.
 */
final class TimedDataSetIterator implements DataSetIterator {

  private static final long serialVersionUID = 1L;

  private final DataSetIterator source;
  private final transient TrainwatchListener listener;

  TimedDataSetIterator(DataSetIterator source, TrainwatchListener listener) {
    this.source = source;
    this.listener = listener;
  }

  @Override
  public boolean hasNext() {
    return listener.readData(source::hasNext, false);
  }

  @Override
  public DataSet next() {
    return listener.readData(source::next, true);
  }

  @Override
  public DataSet next(int num) {
    return listener.readData(() -> source.next(num), true);
  }

  @Override
  public int inputColumns() {
    return source.inputColumns();
  }

  @Override
  public int totalOutcomes() {
    return source.totalOutcomes();
  }

  @Override
  public boolean resetSupported() {
    return source.resetSupported();
  }

  @Override
  public boolean asyncSupported() {
    return false;
  }

  @Override
  public void reset() {
    source.reset();
  }

  @Override
  public int batch() {
    return source.batch();
  }

  @Override
  public void setPreProcessor(DataSetPreProcessor preProcessor) {
    source.setPreProcessor(preProcessor);
  }

  @Override
  public DataSetPreProcessor getPreProcessor() {
    return source.getPreProcessor();
  }

  @Override
  public List<String> getLabels() {
    return source.getLabels();
  }
}
