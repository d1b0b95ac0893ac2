package io.trainwatch.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class UserErrorsTest {

  @Command(name = "frobnicate")
  static final class Frobnicate implements Callable<Integer> {
    @Option(names = "--fail-with")
    String failure = "none";

    @Override
    public Integer call() {
      switch (failure) {
        case "argument" ->
            throw new IllegalArgumentException("--config x.properties: rules.foo: unknown key");
        case "state" -> throw new IllegalStateException("broker localhost:1 not reachable");
        case "bug" -> throw new NullPointerException("a bug");
        default -> {
          return 0;
        }
      }
    }
  }

  private final StringWriter err = new StringWriter();

  private int run(String... args) {
    return new CommandLine(new Frobnicate())
        .setExecutionExceptionHandler(UserErrors.HANDLER)
        .setErr(new PrintWriter(err, true))
        .execute(args);
  }

  @Test
  void shouldReportAMistakeAsOneLineAndAPointerToHelp() {
    assertThat(run("--fail-with", "argument")).isEqualTo(2);

    assertThat(err.toString().lines().toList())
        .containsExactly(
            "frobnicate: --config x.properties: rules.foo: unknown key",
            "Try 'frobnicate --help' for more information.");
  }

  @Test
  void shouldTreatAnIllegalStateAsAMistakeToo() {
    assertThat(run("--fail-with", "state")).isEqualTo(2);

    assertThat(err.toString()).startsWith("frobnicate: broker localhost:1 not reachable");
  }

  @Test
  void shouldLeaveABugItsStackTrace() {
    // picocli's own last-resort handler prints the trace and returns its "software" exit status.
    int status = run("--fail-with", "bug");

    assertThat(status).isEqualTo(1);
    assertThat(err.toString())
        .contains("NullPointerException: a bug", "at io.trainwatch.cli.UserErrorsTest");
  }

  @Test
  void shouldRethrowWhatItDoesNotHandle() {
    assertThatThrownBy(
            () ->
                UserErrors.HANDLER.handleExecutionException(
                    new UnsupportedOperationException("x"),
                    new CommandLine(new Frobnicate()),
                    null))
        .isInstanceOf(UnsupportedOperationException.class);
  }
}
