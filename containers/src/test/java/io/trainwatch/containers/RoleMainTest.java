package io.trainwatch.containers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.trainwatch.cli.EnvironmentDefaults;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.Callable;
import org.junit.jupiter.api.Test;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

class RoleMainTest {

  enum Fault {
    NONE,
    SOFTMAX_INTO_NLL
  }

  /** Package-private like the app's BrokerCommand, which the broker image runs. */
  @Command(name = "probe")
  static final class ProbeCommand implements Callable<Integer> {
    @Option(names = "--bootstrap-server", required = true)
    String bootstrapServer;

    @Option(names = "--state-dir", defaultValue = "/tmp/annotation-default")
    Path stateDir;

    @Option(names = "--fault", defaultValue = "none")
    Fault fault;

    @Option(names = {"-j", "--json"})
    boolean json;

    @Option(names = "--port", defaultValue = "9092")
    int port;

    @Override
    public Integer call() {
      if (port == 1) {
        throw new IllegalArgumentException("port=1: must be >= 1024");
      }
      return 0;
    }
  }

  private static ProbeCommand parse(Map<String, String> env, String... args) {
    CommandLine cmd = RoleMain.commandLine(ProbeCommand.class, new EnvironmentDefaults(env));
    assertThat(cmd.execute(args)).isZero();
    return cmd.getCommand();
  }

  @Test
  void shouldNameTheVariableAfterTheLongestOptionName() {
    assertThat(EnvironmentDefaults.variableFor("--bootstrap-server"))
        .isEqualTo("TRAINWATCH_BOOTSTRAP_SERVER");
    assertThat(EnvironmentDefaults.variableFor("-p")).isEqualTo("TRAINWATCH_P");
    assertThatThrownBy(() -> EnvironmentDefaults.variableFor("--"))
        .hasMessage("optionName=--: must contain a name after the dashes");
  }

  @Test
  void shouldTakeOptionsMissingFromTheCommandLineFromTheEnvironment() {
    ProbeCommand probe =
        parse(
            Map.of(
                "TRAINWATCH_BOOTSTRAP_SERVER", "localhost:19092",
                "TRAINWATCH_STATE_DIR", "/var/lib/trainwatch/state",
                "TRAINWATCH_FAULT", "SOFTMAX_INTO_NLL",
                "TRAINWATCH_JSON", "true"));

    assertThat(probe.bootstrapServer).isEqualTo("localhost:19092");
    assertThat(probe.stateDir).isEqualTo(Path.of("/var/lib/trainwatch/state"));
    assertThat(probe.fault).isEqualTo(Fault.SOFTMAX_INTO_NLL);
    assertThat(probe.json).isTrue();
    assertThat(probe.port).isEqualTo(9092);
  }

  @Test
  void shouldLetTheCommandLineWinOverTheEnvironment() {
    ProbeCommand probe =
        parse(
            Map.of("TRAINWATCH_BOOTSTRAP_SERVER", "from-env:9092", "TRAINWATCH_PORT", "19092"),
            "--bootstrap-server",
            "from-args:9092",
            "--fault",
            "softmax_into_nll");

    assertThat(probe.bootstrapServer).isEqualTo("from-args:9092");
    assertThat(probe.port).isEqualTo(19092);
    assertThat(probe.fault).isEqualTo(Fault.SOFTMAX_INTO_NLL);
  }

  @Test
  void shouldIgnoreBlankVariablesSoAnEmptyComposeSubstitutionMeansUnset() {
    ProbeCommand probe =
        parse(Map.of("TRAINWATCH_BOOTSTRAP_SERVER", "localhost:9092", "TRAINWATCH_STATE_DIR", " "));

    assertThat(probe.stateDir).isEqualTo(Path.of("/tmp/annotation-default"));
  }

  @Test
  void shouldReportAMissingRequiredOptionInOneLineWithAHelpPointer() {
    CommandLine cmd = RoleMain.commandLine(ProbeCommand.class, new EnvironmentDefaults(Map.of()));
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));

    assertThat(cmd.execute()).isEqualTo(2);
    assertThat(err.toString())
        .startsWith("probe: Missing required option: '--bootstrap-server")
        .contains("Try 'probe --help' for more information.")
        .doesNotContain("Usage:");
  }

  @Test
  void shouldReportAConfigurationErrorInOneLineWithoutAStackTrace() {
    CommandLine cmd = RoleMain.commandLine(ProbeCommand.class, new EnvironmentDefaults(Map.of()));
    StringWriter err = new StringWriter();
    cmd.setErr(new PrintWriter(err));

    assertThat(cmd.execute("--bootstrap-server", "localhost:9092", "--port", "1")).isEqualTo(2);
    assertThat(err.toString())
        .isEqualTo(
            "probe: port=1: must be >= 1024"
                + System.lineSeparator()
                + "Try 'probe --help' for more information."
                + System.lineSeparator());
  }

  @Test
  void shouldRefuseAnUnknownCommandClassWithoutAStackTrace() {
    assertThat(RoleMain.run("io.trainwatch.nope.NoSuchCommand")).isEqualTo(2);
    assertThat(RoleMain.run()).isEqualTo(2);
  }
}
