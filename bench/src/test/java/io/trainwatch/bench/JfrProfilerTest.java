package io.trainwatch.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class JfrProfilerTest {

  static volatile double sink;

  /** Burns CPU in a method the profile can recognize. */
  static void spinInRecognizableMethod(AtomicBoolean stop) {
    double x = 1;
    while (!stop.get()) {
      for (int i = 0; i < 10_000; i++) {
        x = Math.sqrt(x + i);
      }
      sink = x;
    }
  }

  @Test
  void shouldAttributeAThreadsSamplesToTheWorkOnItsStack() throws Exception {
    AtomicBoolean stop = new AtomicBoolean();
    Thread busy = new Thread(() -> spinInRecognizableMethod(stop), "test-StreamThread-1");
    JfrProfiler.Profile profile;
    try (JfrProfiler profiler = JfrProfiler.start()) {
      busy.start();
      long until = System.nanoTime() + 2_000_000_000L;
      while (System.nanoTime() < until) {
        Thread.sleep(50);
      }
      stop.set(true);
      busy.join();
      profile =
          profiler.stop(
              name -> name.contains("StreamThread"),
              List.of(
                  new JfrProfiler.Category(
                      "spinning", JfrProfilerTest.class.getName() + ".spinInRecognizableMethod"),
                  new JfrProfiler.Category("never called", "com.example.Nothing")),
              5);
    }

    assertThat(profile.samples()).isPositive();
    assertThat(profile.allSamples()).isGreaterThanOrEqualTo(profile.samples());
    assertThat(profile.categories())
        .extracting(JfrProfiler.Share::name)
        .containsExactly("spinning", "never called");
    assertThat(profile.categories().get(0).fraction()).isEqualTo(1.0);
    assertThat(profile.categories().get(1).fraction()).isZero();
    assertThat(profile.threads().get(0).name())
        .isEqualTo("Kafka Streams stream thread (the monitor)");
  }

  @Test
  void shouldGroupThreadsByRole() {
    assertThat(JfrProfiler.threadGroup("bench-1b2c-StreamThread-1"))
        .isEqualTo("Kafka Streams stream thread (the monitor)");
    assertThat(JfrProfiler.threadGroup("data-plane-kafka-request-handler-0"))
        .isEqualTo("Kafka broker (in-process)");
    assertThat(JfrProfiler.threadGroup("kafka-producer-network-thread | trainwatch-trainer"))
        .isEqualTo("producer I/O threads (monitor's and load generator's)");
    assertThat(JfrProfiler.threadGroup("bench-alert-watcher"))
        .isEqualTo("benchmark driver (load generator, probes)");
  }
}
