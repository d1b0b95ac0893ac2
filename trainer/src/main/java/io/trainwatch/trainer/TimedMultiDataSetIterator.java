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
    long start = System.nanoTime();
    boolean more = source.hasNext();
    listener.waitedForData(start, System.nanoTime(), false);
    return more;
  }

  @Override
  public MultiDataSet next() {
    long start = System.nanoTime();
    MultiDataSet batch = source.next();
    listener.waitedForData(start, System.nanoTime(), true);
    return batch;
  }

  @Override
  public MultiDataSet next(int num) {
    long start = System.nanoTime();
    MultiDataSet batch = source.next(num);
    listener.waitedForData(start, System.nanoTime(), true);
    return batch;
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
