package io.trainwatch.monitor.streams;

import io.trainwatch.monitor.run.RunTrace;
import io.trainwatch.schemas.Alert;
import org.apache.kafka.streams.processor.api.Processor;
import org.apache.kafka.streams.processor.api.ProcessorContext;
import org.apache.kafka.streams.processor.api.Record;

/**
 * Keeps each run's {@link RunTrace} (for the runs API and the dashboard, never for rules): reads
 * and writes it only for the batches the trace keeps and for alerts, so that most batches cost one
 * method call. A {@code null} value means the run was forgotten: its trace goes too.
 */
final class TraceProcessor implements Processor<String, TraceInput, Void, Void> {

  private ObjectCacheStore<RunTrace> traces;

  @Override
  public void init(ProcessorContext<Void, Void> context) {
    traces = ObjectCacheStore.of(context.getStateStore(MonitorTopology.RUN_TRACE_STORE));
  }

  @Override
  public void process(Record<String, TraceInput> record) {
    TraceInput in = record.value();
    if (in == null) {
      traces.delete(record.key());
      return;
    }
    boolean kept = in.batch() != null && RunTrace.keeps(in.index());
    if (!kept && in.alerts().isEmpty()) {
      return;
    }
    RunTrace trace = traces.cached(record.key());
    if (trace == null) {
      trace = new RunTrace();
    }
    try {
      if (in.batch() != null) {
        trace.observe(in.index(), in.batch());
      }
      for (Alert a : in.alerts()) {
        trace.alert(a, in.batch());
      }
    } catch (RuntimeException e) {
      traces.forget(record.key()); // half-changed: the next batch reads the last one written
      throw e;
    }
    traces.put(record.key(), trace);
  }
}
