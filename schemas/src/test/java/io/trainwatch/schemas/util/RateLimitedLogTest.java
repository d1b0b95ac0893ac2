package io.trainwatch.schemas.util;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class RateLimitedLogTest {

  private final List<String> lines = new ArrayList<>();

  private void at(RateLimitedLog log, long nowMs) {
    log.occurred(nowMs, (n, unlogged) -> lines.add(nowMs + ": #" + n + " +" + unlogged));
  }

  @Test
  void shouldLogTheFirstThenAtMostOneLinePerIntervalSayingHowManyWentUnlogged() {
    RateLimitedLog log = RateLimitedLog.perInterval(1_000);
    for (long t : new long[] {0, 10, 999, 1_000, 1_500, 1_999, 2_000, 9_000}) {
      at(log, t);
    }
    assertThat(lines).containsExactly("0: #1 +0", "1000: #4 +2", "2000: #7 +2", "9000: #8 +0");
  }

  @Test
  void shouldLogTheFirstThenEveryNthOccurrence() {
    RateLimitedLog log = RateLimitedLog.firstThenEvery(3);
    for (int i = 0; i < 10; i++) {
      log.occurred((n, unlogged) -> lines.add("#" + n + " +" + unlogged));
    }
    assertThat(lines).containsExactly("#1 +0", "#3 +1", "#6 +2", "#9 +2");
  }

  @Test
  void shouldLogEveryOccurrenceWhenNIsOne() {
    RateLimitedLog log = RateLimitedLog.firstThenEvery(1);
    for (int i = 0; i < 3; i++) {
      log.occurred((n, unlogged) -> lines.add("#" + n + " +" + unlogged));
    }
    assertThat(lines).containsExactly("#1 +0", "#2 +0", "#3 +0");
  }

  @Test
  void shouldCountEveryOccurrenceFromManyThreads() throws Exception {
    RateLimitedLog log = RateLimitedLog.firstThenEvery(1_000);
    AtomicLong logged = new AtomicLong();
    AtomicLong unloggedTotal = new AtomicLong();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    for (int t = 0; t < 4; t++) {
      pool.submit(
          () -> {
            for (int i = 0; i < 25_000; i++) {
              log.occurred(
                  (n, unlogged) -> {
                    logged.incrementAndGet();
                    unloggedTotal.addAndGet(unlogged);
                  });
            }
          });
    }
    pool.shutdown();
    assertThat(pool.awaitTermination(1, TimeUnit.MINUTES)).isTrue();
    // Lines for #1 and #1000, #2000, ..., #100000; every other occurrence counted once as unlogged.
    assertThat(logged.get()).isEqualTo(101);
    assertThat(logged.get() + unloggedTotal.get()).isEqualTo(100_000);
  }

  @Test
  void shouldSayHowManyMore() {
    assertThat(RateLimitedLog.andMore(0)).isEmpty();
    assertThat(RateLimitedLog.andMore(7)).isEqualTo(" (and 7 more since the last message)");
  }

  @Test
  void shouldRefuseALimitThatLimitsNothing() {
    assertThatIllegalArgumentException().isThrownBy(() -> RateLimitedLog.perInterval(0));
    assertThatIllegalArgumentException().isThrownBy(() -> RateLimitedLog.firstThenEvery(0));
  }
}
