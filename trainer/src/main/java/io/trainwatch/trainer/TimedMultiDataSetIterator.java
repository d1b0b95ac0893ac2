package io.trainwatch.trainer;

import org.nd4j.linalg.dataset.api.MultiDataSet;
import org.nd4j.linalg.dataset.api.MultiDataSetPreProcessor;
import org.nd4j.linalg.dataset.api.iterator.MultiDataSetIterator;

/** {@link TimedDataSetIterator} for multi-data-set iterators ({@code ComputationGraph}). */
final class TimedMultiDataSetIterator implements MultiDataSetIterator {

  private static final long serialVersionUID = 1L;

  private final MultiDataSetIterator source;
  private final transient TrainwatchListener listener;

  TimedMultiDataSetIterator(MultiDataSetIterator source, TrainwatchListener listener) {
    this.source = source;
    this.listener = listener;
  }

  @Override
  public boolean hasNext() {
    return listener.readData(source::hasNext, false);
  }

  @Override
  public MultiDataSet next() {
    return listener.readData(source::next, true);
  }

  @Override
  public MultiDataSet next(int num) {
    return listener.readData(() -> source.next(num), true);
  }

  @Override
  public void setPreProcessor(MultiDataSetPreProcessor preProcessor) {
    source.setPreProcessor(preProcessor);
  }

  @Override
  public MultiDataSetPreProcessor getPreProcessor() {
    return source.getPreProcessor();
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
}
