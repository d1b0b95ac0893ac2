package io.trainwatch.app;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.IllegalFormatException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;
import picocli.CommandLine;

class MainTest {

  private record Run(int exitCode, String out, String err) {}

  private static Run run(String... args) {
    return runWith(Map.of(), args);
  }

  /** Runs {@code ./trainwatch args} in this process with {@code environment} as its environment. */
  private static Run runWith(Map<String, String> environment, String... args) {
    CommandLine cmd = Main.commandLine(environment);
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    cmd.setOut(new PrintWriter(out));
    cmd.setErr(new PrintWriter(err));
    int code = cmd.execute(args);
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(
      strings = {"demo", "broker", "monitor", "train", "alerts", "status", "evaluate", "bridge"})
  void shouldDescribeEverySubcommand(String name) {
    Run r = run(name, "--help");
    assertThat(r.exitCode()).isZero();
    assertThat(r.out()).startsWith("Usage: trainwatch " + name);
  }

  @Test
  void shouldListTheBenchmarkSuiteThatRunsInAJvmOfItsOwn() {
    Run r = run("--help");

    assertThat(r.out()).containsPattern("bench\\s+Measures the monitor");
  }

  @Test
  void shouldPassEveryBenchArgumentToTheSuitesOwnJvm() {
    BenchEntry bench = new BenchEntry();
    CommandLine cmd = new CommandLine(bench);
    cmd.parseArgs("--quick", "--only", "trainer", "--help");

    List<String> command = bench.command("/x/trainwatch-bench.jar:/x/lib/*");

    assertThat(command.get(0)).endsWith("java");
    assertThat(command)
        .containsSubsequence("-cp", "/x/trainwatch-bench.jar:/x/lib/*", BenchEntry.MAIN_CLASS)
        .endsWith("--quick", "--only", "trainer", "--help");
  }

  @Test
  void shouldSayInOneLineWhereTheBenchmarkSuiteIsMissing() {
    String before = System.clearProperty(BenchEntry.CLASSPATH_PROPERTY);
    try {
      Run r = run("bench", "--quick");

      assertThat(r.exitCode()).isEqualTo(2);
      assertThat(r.err())
          .contains("bench: the benchmark suite is not on this installation")
          .doesNotContain("Exception");
    } finally {
      if (before != null) {
        System.setProperty(BenchEntry.CLASSPATH_PROPERTY, before);
      }
    }
  }

  @Test
  void shouldAnswerABadFlagWithOneLineNotTheUsage() {
    Run r = run("demo", "--steps", "many");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .startsWith("demo: Invalid value for option '--steps'")
        .contains("Try 'trainwatch demo --help' for more information.")
        .doesNotContain("Usage:")
        .doesNotContain("Exception");
  }

  @Test
  void shouldAnswerAnUnknownFaultWithOneLine() {
    Run r = run("train", "--bootstrap-server", "localhost:9092", "--fault", "nope");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err().lines())
        .hasSize(2)
        .first()
        .asString()
        .startsWith("train: Invalid value for option '--fault': 'nope'");
    assertThat(r.err()).doesNotContain("Usage:");
  }

  @Test
  void shouldEndEverySummaryOfTheTopLevelHelpWithASentence() {
    CommandLine cmd = Main.commandLine(Map.of());
    cmd.getSubcommands()
        .forEach(
            (name, sub) -> {
              String summary = sub.getCommandSpec().usageMessage().description()[0].strip();
              assertThat(summary).as(name).endsWith(".");
              assertThat(summary.chars().filter(c -> c == '(').count())
                  .as(name + ": parentheses closed in " + summary)
                  .isEqualTo(summary.chars().filter(c -> c == ')').count());
            });
  }

  /**
   * Every command's help is written in whole sentences: each option's description ends with a full
   * stop, and no line of a footer is longer than the help is wide (picocli would break it mid-word,
   * at a dot).
   */
  @Test
  void shouldDescribeEveryOptionInWholeSentences() {
    CommandLine cmd = Main.commandLine(Map.of());
    List<String> unfinished = new ArrayList<>();
    cmd.getSubcommands()
        .forEach(
            (name, sub) -> {
              CommandLine.Model.CommandSpec spec = sub.getCommandSpec();
              for (CommandLine.Model.OptionSpec o : spec.options()) {
                String d = String.join(" ", o.description()).strip();
                if (!d.endsWith(".")) {
                  unfinished.add(name + " " + o.longestName() + ": " + d);
                }
              }
              for (String line : spec.usageMessage().footer()) {
                if (line.length() > spec.usageMessage().width()) {
                  unfinished.add(name + " footer, too wide to print: " + line);
                }
              }
              if (spec.usageMessage().description().length > 0) {
                String last =
                    spec.usageMessage()
                        .description()[spec.usageMessage().description().length - 1]
                        .strip();
                if (!last.endsWith(".")) {
                  unfinished.add(name + " description: " + last);
                }
              }
            });

    assertThat(unfinished).isEmpty();
  }

  /**
   * Picocli renders every help text through {@link String#format}: a lone {@code %} ("20% slower")
   * makes it warn on stderr ("[picocli WARN] Could not format ...") and print the raw text, with
   * its {@code %n} unreplaced. The full help of every command (and subcommand) is rendered here
   * with stderr captured (picocli's tracer writes to the {@code System.err} of the moment), and
   * nothing may be warned. The command texts picocli keeps raw until it renders them (headings,
   * header, description, footer) are also formatted here as picocli formats them, with no
   * arguments, to name the text at fault. (Option and parameter descriptions come out of picocli
   * already formatted: formatting them again would turn a correct {@code %%} into an error.)
   */
  @Test
  void shouldFormatEveryHelpTextAsPicocliDoesWithoutAStrayPercent() {
    List<String> unformattable = new ArrayList<>();
    List<CommandLine> commands = new ArrayList<>(List.of(Main.commandLine(Map.of())));
    ByteArrayOutputStream warnings = new ByteArrayOutputStream();
    PrintStream stderr = System.err;
    System.setErr(new PrintStream(warnings, true, StandardCharsets.UTF_8));
    try {
      for (int i = 0; i < commands.size(); i++) {
        CommandLine cmd = commands.get(i);
        commands.addAll(cmd.getSubcommands().values());
        CommandLine.Model.CommandSpec spec = cmd.getCommandSpec();
        CommandLine.Model.UsageMessageSpec usage = spec.usageMessage();
        List<String> texts =
            new ArrayList<>(
                List.of(
                    usage.headerHeading(),
                    usage.synopsisHeading(),
                    usage.descriptionHeading(),
                    usage.parameterListHeading(),
                    usage.optionListHeading(),
                    usage.commandListHeading(),
                    usage.footerHeading()));
        texts.addAll(List.of(usage.header()));
        texts.addAll(List.of(usage.customSynopsis()));
        texts.addAll(List.of(usage.description()));
        texts.addAll(List.of(usage.footer()));
        for (String text : texts) {
          try {
            String.format(Locale.ROOT, text == null ? "" : text);
          } catch (IllegalFormatException e) {
            unformattable.add(spec.qualifiedName() + ": '" + text + "' (" + e.getMessage() + ")");
          }
        }
        String help = cmd.getUsageMessage(CommandLine.Help.Ansi.OFF);
        if (help.contains("%n")) {
          unformattable.add(spec.qualifiedName() + ": help printed with a raw %n:\n" + help);
        }
      }
    } finally {
      System.setErr(stderr);
    }
    String warned = warnings.toString(StandardCharsets.UTF_8);

    assertThat(commands).hasSizeGreaterThan(8);
    assertThat(warned.lines().filter(l -> l.contains("picocli WARN")))
        .as("picocli's warnings while rendering every help ('%' is written '%%')")
        .isEmpty();
    assertThat(unformattable)
        .as("help texts picocli cannot format ('%' is written '%%')")
        .isEmpty();
  }

  /**
   * Every command that names topics, consumer groups or transactional ids takes the same {@code
   * --topic-prefix} (a shared cluster with prefixed ACLs hosts every role, not only the monitor),
   * and the role's page in docs/ says so.
   */
  @ParameterizedTest
  @CsvSource({
    "monitor, docs/monitor.md",
    "bridge, docs/bridges.md",
    "train, docs/trainer.md",
    "alerts, README.md"
  })
  void shouldOfferEveryRoleTheTopicPrefixAndDocumentIt(String command, String doc)
      throws IOException {
    CommandLine sub = Main.commandLine(Map.of()).getSubcommands().get(command);

    assertThat(sub.getCommandSpec().findOption("--topic-prefix")).as(command).isNotNull();
    assertThat(Files.readString(Path.of("..").resolve(doc)))
        .as(doc)
        .contains("--topic-prefix PREFIX");
  }

  @Test
  void shouldTakeOptionsFromTheEnvironment() throws IOException {
    int port = closedPort();
    Run r =
        runWith(
            Map.of(
                "TRAINWATCH_BOOTSTRAP_SERVER",
                "127.0.0.1:" + port,
                "TRAINWATCH_CONNECT_TIMEOUT",
                "2"),
            "alerts");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "alerts: cannot reach Kafka at 127.0.0.1:"
                + port
                + " within 2 s (is it running? see --connect-timeout)"
                + System.lineSeparator());
  }

  @Test
  void shouldGiveUpOnAnUnreachableBrokerWithOneLine() throws IOException {
    int port = closedPort();
    Run r = run("alerts", "--bootstrap-server", "127.0.0.1:" + port, "--connect-timeout", "1");

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err().lines()).hasSize(1);
    assertThat(r.err())
        .startsWith("alerts: cannot reach Kafka at 127.0.0.1:" + port + " within 1 s");
  }

  @Test
  void shouldStopTheMonitorOnAnUnreachableBrokerWithOneLine(@TempDir Path dir) throws IOException {
    int port = closedPort();
    Run r =
        run(
            "monitor",
            "--bootstrap-server",
            "127.0.0.1:" + port,
            "--connect-timeout",
            "1",
            "--http-port",
            "0",
            "--state-dir",
            dir.resolve("state").toString());

    assertThat(r.exitCode()).isEqualTo(1);
    assertThat(r.err())
        .isEqualTo(
            "monitor: cannot reach Kafka at 127.0.0.1:"
                + port
                + " within 1 s (is it running? see --connect-timeout)"
                + System.lineSeparator());
  }

  @Test
  void shouldReportABadSecurityProtocolInOneLineForTheMonitorAndTheBridge(@TempDir Path dir)
      throws IOException {
    Path client = dir.resolve("client.properties");
    Files.writeString(client, "security.protocol=TLS\n");
    Path hook = dir.resolve("bridge.properties");
    Files.writeString(hook, "webhook.url=http://127.0.0.1:9/hook\n");
    String bootstrap = "127.0.0.1:" + closedPort();

    Run monitor =
        run(
            "monitor",
            "--bootstrap-server",
            bootstrap,
            "--command-config",
            client.toString(),
            "--http-port",
            "0",
            "--state-dir",
            dir.resolve("state").toString());
    Run bridge =
        runWith(
            Map.of(
                "TRAINWATCH_CLIENT_CONFIG",
                client.toString(),
                "TRAINWATCH_CONFIG",
                hook.toString()),
            "bridge",
            "--to",
            "webhook",
            "--bootstrap-server",
            bootstrap,
            "--http-port",
            "0");

    assertThat(monitor.exitCode()).isEqualTo(1);
    assertThat(monitor.err().lines()).hasSize(1);
    assertThat(monitor.err())
        .startsWith(
            "monitor: Invalid value TLS for configuration security.protocol: String must be one of");
    assertThat(bridge.exitCode()).as(bridge.err()).isEqualTo(1);
    assertThat(bridge.err().lines()).as(bridge.err()).hasSize(1);
    assertThat(bridge.err()).contains("security.protocol");
  }

  /** A port nothing listens on: bound, then released. */
  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Test
  void shouldNameAMissingRequiredOption() {
    Run r = run("alerts");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Missing required option: '--bootstrap-server=HOST:PORT'");
  }

  @Test
  void shouldRejectAnUnknownCommand() {
    Run r = run("frobnicate");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err()).contains("Unmatched argument at index 0: 'frobnicate'");
  }

  @Test
  void shouldReportAnInvalidValueFromTheCommandItselfInOneLine() {
    Run r = run("demo", "--steps", "3");
    assertThat(r.exitCode()).isEqualTo(2);
    assertThat(r.err())
        .contains("demo: --steps=3: must be >= 20")
        .contains("Try 'trainwatch demo --help'")
        .doesNotContain("Exception");
  }
}
