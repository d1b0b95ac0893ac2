package io.trainwatch.app;

import io.trainwatch.bridge.AlertBridge;
import io.trainwatch.bridge.BridgeConfig;
import io.trainwatch.bridge.BridgeConfigException;
import io.trainwatch.bridge.Destination;
import io.trainwatch.broker.EmbeddedKafkaBroker;
import io.trainwatch.cli.PropertiesFile;
import io.trainwatch.cli.http.HttpSettings;
import io.trainwatch.cli.http.Registries;
import io.trainwatch.monitor.Monitor;
import io.trainwatch.monitor.MonitorOptions;
import io.trainwatch.monitor.http.MonitorHttp;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.util.Numbers;
import io.trainwatch.trainer.ConcurrentTrainings;
import io.trainwatch.trainer.TrainingReport;
import io.trainwatch.trainer.TrainingSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code trainwatch demo}: the whole system in one process, on the real Kafka broker: embedded
 * broker, monitor, and four real DL4J trainings (healthy, softmax into NLL, unnormalized input,
 * divergence); alerts are printed as they arrive; exit code 0 only if every expected alert came and
 * the healthy run stayed quiet.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs everything on an embedded Kafka broker: the monitor and real DL4J (or, with --pytorch, PyTorch) runs.",
      "Four DL4J runs (healthy, softmax-into-nll, unnormalized-input, diverge), or with --pytorch six real PyTorch"
          + " runs. Prints alerts with their hints as they arrive and a table of run -> alerts at the end. Exit code 1"
          + " if an expected alert is missing or a healthy run was alerted."
    })
final class DemoCommand implements Callable<Integer> {

  @Option(
      names = "--steps",
      defaultValue = "300",
      paramLabel = "N",
      description = "Training iterations per run (default: ${DEFAULT-VALUE}).")
  int steps;

  @Option(
      names = "--wait",
      defaultValue = "60",
      paramLabel = "SECONDS",
      description =
          "How long to wait for expected alerts after training ends (default: ${DEFAULT-VALUE}).")
  int waitSeconds;

  @Option(
      names = "--port",
      defaultValue = "0",
      paramLabel = "P",
      description = "Broker port; 0 picks a free one (default: ${DEFAULT-VALUE}).")
  int port;

  @Option(
      names = "--pytorch",
      description =
          "Real PyTorch trainings with the Python client (clients/python) instead of DL4J: two healthy"
              + " controls (a classifier, a token-id language model) and softmax-into-nll,"
              + " logits-into-nll, unnormalized-input, diverge. Needs a python3 with torch and"
              + " confluent-kafka ($TRAINWATCH_PYTHON, default /usr/bin/python3).")
  boolean pytorch;

  @Option(
      names = "--http-port",
      defaultValue = "" + HttpSettings.MONITOR_PORT,
      paramLabel = "PORT",
      description =
          "Port of the monitor's dashboard, runs API and /metrics; 0 picks a free one (default: "
              + "${DEFAULT-VALUE}).")
  int httpPort;

  @Option(
      names = "--keep-up",
      description =
          "Keep the broker, the monitor and the dashboard up after the demo, until Ctrl-C.")
  boolean keepUp;

  @Option(
      names = "--act",
      description =
          "Close the loop: the monitor's policy stops a run whose loss goes NaN or diverges and pins"
              + " its last good checkpoint (actions.* in docs/configuration.md); the DL4J runs save"
              + " checkpoints, obey trainwatch.control, and take 20 ms per step like a slower"
              + " accelerator. The diverging run must be stopped by its alert.")
  boolean act;

  @Option(
      names = "--bridge",
      paramLabel = "DESTINATION",
      description =
          "Also deliver the alerts: slack, pagerduty, alertmanager or webhook (secrets from the "
              + "environment or --bridge-config; see docs/bridges.md).")
  String bridgeTo;

  @Option(
      names = "--bridge-config",
      paramLabel = "FILE",
      description = "Bridge configuration file.")
  Path bridgeConfig;

  @Override
  public Integer call() throws Exception {
    if (steps < 20) {
      throw new IllegalArgumentException(
          "--steps=" + steps + ": must be >= 20 for the rules to have a history");
    }
    PyTorchTrainings python = null;
    if (pytorch) {
      python = PyTorchTrainings.locate();
      String why = python.unavailable().orElse(null);
      if (why != null) {
        throw new IllegalArgumentException("--pytorch: " + why);
      }
    }
    quietComponentLogs();
    PrintStream out = System.out;
    long start = System.nanoTime();
    Path stateDir = Files.createTempDirectory("trainwatch-demo-state-");
    List<DemoScenario> scenarios =
        pytorch ? DemoScenario.pytorch("demo-pytorch-") : DemoScenario.seeds("demo-");
    AlertFormatter formatter = new AlertFormatter(System.console() != null);
    try (EmbeddedKafkaBroker broker =
            EmbeddedKafkaBroker.start(EmbeddedKafkaBroker.Options.defaults().withPort(port));
        MonitorHttp http =
            MonitorHttp.start(new HttpSettings("127.0.0.1", httpPort), Registries.prometheus());
        Monitor monitor =
            Monitor.start(
                MonitorOptions.of(broker.bootstrapServers())
                    .withStateDir(stateDir)
                    .withApplicationId("trainwatch-demo")
                    .withConfig(monitorConfig()),
                http.hooks());
        AlertCollector alerts =
            AlertCollector.start(
                broker.bootstrapServers(), new Properties(), a -> printAlert(out, formatter, a))) {
      out.printf("http ready at %s%n", http.localUrl());
      out.printf(
          "dashboard at %s/ (runs API %s/api/runs, metrics %s/metrics)%n",
          http.localUrl(), http.localUrl(), http.localUrl());
      out.printf(
          "broker ready at %s; monitor running; starting %d %s training runs of %d steps%n%n",
          broker.bootstrapServers(), scenarios.size(), pytorch ? "PyTorch" : "DL4J", steps);
      AlertBridge bridge = startBridge(broker.bootstrapServers());
      try {
        List<String> training =
            pytorch
                ? trainPyTorch(python, broker.bootstrapServers(), scenarios, out)
                : trainDl4j(broker.bootstrapServers(), scenarios, stateDir.resolve("checkpoints"));
        boolean allSeen =
            alerts.awaitCondition(
                seen ->
                    scenarios.stream()
                        .filter(s -> !s.healthy())
                        .allMatch(s -> s.satisfiedBy(of(seen, s.runId()))),
                Duration.ofSeconds(waitSeconds));
        // Every run has ended and the monitor resolves open alerts on run_ended: wait for those
        // resolutions, which
        // also gives a late alert on the healthy run the time to show up before we judge.
        alerts.awaitCondition(
            seen ->
                allSeen
                    && seen.stream().filter(a -> !a.firing()).count()
                        >= seen.stream().filter(Alert::firing).count(),
            Duration.ofSeconds(allSeen ? 15 : 0));
        boolean ok = printTable(out, scenarios, training, alerts.alerts());
        if (act) {
          ok &= printActions(out, scenarios, training, alerts.alerts());
        }
        out.printf(
            Locale.ROOT,
            "%ndemo %s in %.1f s%n",
            ok ? "passed" : "FAILED",
            (System.nanoTime() - start) / 1e9);
        if (keepUp) {
          out.printf("keeping the dashboard up at %s/ ; Ctrl-C to stop%n", http.localUrl());
          out.flush();
          new CountDownLatch(1).await(); // until the JVM is interrupted (Ctrl-C)
        }
        return ok ? 0 : 1;
      } finally {
        if (bridge != null) {
          awaitBridge(bridge, alerts.alerts().size());
          bridge.close();
          out.println("bridge to " + bridgeTo + ": " + bridge.stats());
        }
      }
    } finally {
      deleteQuietly(stateDir);
    }
  }

  /** The DL4J runs, concurrently; per scenario, its line for the table's training column. */
  private List<String> trainDl4j(String bootstrap, List<DemoScenario> scenarios, Path checkpoints)
      throws Exception {
    List<TrainingReport> reports =
        ConcurrentTrainings.run(
            scenarios.stream()
                .map(s -> TrainingSpec.of(s.runId(), s.fault()).withSteps(steps).withJob("demo"))
                .toList(),
            bootstrap,
            scenarios.size(),
            report -> {},
            (spec, listener) ->
                act
                    ? listener
                        .control(bootstrap, Map.of())
                        .checkpoints(checkpoints.resolve(spec.runId()), 25, 2)
                    : listener,
            act ? Duration.ofMillis(20) : Duration.ZERO);
    return reports.stream()
        .map(
            r ->
                r.status() == io.trainwatch.schemas.RunStatus.KILLED
                    ? String.format("%d steps, then %s", r.stepsRun(), r.failure())
                    : String.format(
                        Locale.ROOT,
                        "%d steps, final loss %s, %.1f ms/step",
                        r.stepsRun(),
                        Numbers.forPeople(r.finalLoss()),
                        r.meanStepMs()))
        .toList();
  }

  /** The monitor's configuration: notify only, or with --act the policy that stops runs. */
  private io.trainwatch.monitor.config.MonitorConfig monitorConfig() {
    if (!act) {
      return io.trainwatch.monitor.config.MonitorConfig.defaults();
    }
    return io.trainwatch.monitor.config.MonitorConfig.parse(
        Map.of(
            "actions.policies", "stop_diverging",
            "actions.policy.stop_diverging.rules", "nonfinite_loss,loss_divergence",
            "actions.policy.stop_diverging.jobs", "demo",
            "actions.policy.stop_diverging.commands", "pin_checkpoint,stop"));
  }

  /**
   * With --act: what trainwatch did, from the alerts' audit; {@code false} if the diverging run was
   * not stopped by its alert.
   */
  private static boolean printActions(
      PrintStream out, List<DemoScenario> scenarios, List<String> training, List<Alert> alerts) {
    out.println();
    out.println("actions:");
    alerts.stream()
        .filter(Alert::firing)
        .flatMap(a -> a.actionLines().stream())
        .forEach(line -> out.println("  " + line));
    boolean ok = true;
    for (int i = 0; i < scenarios.size(); i++) {
      DemoScenario s = scenarios.get(i);
      if (s.fault() == io.trainwatch.schemas.Fault.DIVERGE) {
        boolean stopped = training.get(i).contains("stopped by trainwatch");
        out.printf("  %s: %s%n", s.runId(), stopped ? training.get(i) : "NOT stopped");
        ok &= stopped;
      }
    }
    return ok;
  }

  /**
   * The PyTorch runs, one after the other in one Python process ({@code python3 -m
   * trainwatch.demo}); per scenario, the line the process printed when it ended.
   */
  private List<String> trainPyTorch(
      PyTorchTrainings python, String bootstrap, List<DemoScenario> scenarios, PrintStream out)
      throws IOException {
    PyTorchTrainings.Result result =
        python.train(
            bootstrap,
            "demo-pytorch-",
            "demo",
            scenarios.stream().map(DemoScenario::pytorchScenario).toList(),
            steps,
            line -> printLine(out, "  python: " + line),
            1800);
    if (result.exitCode() != 0) {
      printLine(out, "  python exited with " + result.exitCode());
    }
    return scenarios.stream()
        .map(
            s ->
                result.output().stream()
                    .filter(l -> l.startsWith(s.runId() + ": "))
                    .map(l -> l.substring(s.runId().length() + 2).replaceFirst(";.*", ""))
                    .findFirst()
                    .orElse("no report (see the python output above)"))
        .toList();
  }

  private static synchronized void printLine(PrintStream out, String line) {
    out.println(line);
  }

  /**
   * The demo prints every alert itself; the components' own INFO lines (publisher opened, alert
   * fired) would say the same things twice. Must run before those classes create their loggers.
   */
  private static void quietComponentLogs() {
    for (String logger :
        List.of("io.trainwatch.monitor", "io.trainwatch.trainer", "io.trainwatch.bridge")) {
      System.setProperty("org.slf4j.simpleLogger.log." + logger, "warn");
    }
  }

  /**
   * Gives the bridge a few seconds to hand over the last alerts (it delivers on its own thread).
   */
  private static void awaitBridge(AlertBridge bridge, int alertCount) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      var stats = bridge.stats();
      if (stats.received() >= alertCount
          && stats.delivered() + stats.deadLettered() + stats.parked() + stats.filtered()
              >= stats.received()) {
        return;
      }
      Thread.sleep(100);
    }
  }

  /**
   * The optional bridge, reading alerts from the start so that none raised by the demo is missed.
   */
  private AlertBridge startBridge(String bootstrap) throws InterruptedException {
    if (bridgeTo == null) {
      if (bridgeConfig != null) {
        throw new IllegalArgumentException("--bridge-config: needs --bridge DESTINATION");
      }
      return null;
    }
    Destination destination = Destination.fromWire(bridgeTo);
    Map<String, String> props = PropertiesFile.read(bridgeConfig, "--bridge-config");
    props.putIfAbsent("bridge.start_from", "earliest");
    BridgeConfig config;
    try {
      config = BridgeConfig.parse(props, System.getenv(), destination);
    } catch (BridgeConfigException e) {
      throw new IllegalArgumentException("--bridge-config: " + e.getMessage(), e);
    }
    AlertBridge bridge = AlertBridge.create(config, Map.of("bootstrap.servers", bootstrap)).start();
    bridge.awaitAssignment(Duration.ofSeconds(30));
    return bridge;
  }

  private static synchronized void printAlert(PrintStream out, AlertFormatter formatter, Alert a) {
    out.println(formatter.format(a));
  }

  private static List<Alert> of(List<Alert> alerts, String runId) {
    return alerts.stream().filter(a -> a.runId().equals(runId)).toList();
  }

  private static boolean printTable(
      PrintStream out, List<DemoScenario> scenarios, List<String> training, List<Alert> alerts) {
    out.println();
    out.printf(
        "%-26s %-33s %-33s %-11s %s%n",
        "run", "expected", "alerts fired (rule/diagnosis)", "result", "training");
    boolean ok = true;
    for (int i = 0; i < scenarios.size(); i++) {
      DemoScenario s = scenarios.get(i);
      List<Alert> runAlerts = of(alerts, s.runId());
      boolean pass = s.satisfiedBy(runAlerts);
      ok &= pass;
      String fired =
          runAlerts.stream()
              .filter(Alert::firing)
              .map(a -> a.rule() + (a.diagnosis() == null ? "" : "/" + a.diagnosis()))
              .distinct()
              .collect(Collectors.joining(", "));
      String expected =
          s.healthy()
              ? "no alert"
              : s.expectedRule()
                  + (s.expectedDiagnosis() == null ? "" : "/" + s.expectedDiagnosis());
      out.printf(
          "%-26s %-33s %-33s %-11s %s%n",
          s.runId(),
          expected,
          fired.isEmpty() ? "-" : fired,
          pass ? "OK" : (s.healthy() ? "FALSE ALARM" : "MISSED"),
          training.get(i));
    }
    return ok;
  }

  private static void deleteQuietly(Path dir) {
    try (var walk = Files.walk(dir)) {
      walk.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      // a temp dir left behind is harmless
    }
  }
}
