package io.trainwatch.app;

import static com.tngtech.archunit.base.DescribedPredicate.not;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAPackage;
import static com.tngtech.archunit.core.domain.JavaClass.Predicates.resideInAnyPackage;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.classes;
import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;

import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.junit.AnalyzeClasses;
import com.tngtech.archunit.junit.ArchTest;
import com.tngtech.archunit.lang.ArchRule;

/**
 * The directions between modules, as the architecture guide states them: data flows trainer ->
 * events -> monitor -> alerts -> bridges, {@code schemas} depends on nothing of ours, the monitor
 * never on DL4J, the trainer or the bridges, the bridges only on schemas and cli, rules and run
 * state free of Kafka types, the simulator only on schemas, and nothing of the product on the
 * benchmarks, the app or the simulator. The app's test classpath holds every module's main classes
 * (not their tests), so the rules are checked here, on every build.
 */
@AnalyzeClasses(packages = "io.trainwatch", importOptions = ImportOption.DoNotIncludeTests.class)
class ModuleDirectionTest {

  private static final String SCHEMAS = "io.trainwatch.schemas..";
  private static final String CLI = "io.trainwatch.cli..";
  private static final String MONITOR = "io.trainwatch.monitor..";
  private static final String BRIDGE = "io.trainwatch.bridge..";
  private static final String TRAINER = "io.trainwatch.trainer..";
  private static final String TRAINER_CLI = "io.trainwatch.trainer.cli..";
  private static final String BENCH = "io.trainwatch.bench..";
  private static final String APP = "io.trainwatch.app..";
  private static final String BROKER = "io.trainwatch.broker..";
  private static final String SIMULATOR = "io.trainwatch.simulator..";
  private static final String DL4J = "org.deeplearning4j..";
  private static final String ND4J = "org.nd4j..";

  @ArchTest
  static final ArchRule schemasDependOnNothingOfOurs =
      classes()
          .that()
          .resideInAPackage(SCHEMAS)
          .should()
          .onlyDependOnClassesThat(
              resideInAPackage(SCHEMAS).or(not(resideInAPackage("io.trainwatch.."))))
          .as("schemas depends on nothing of ours");

  @ArchTest
  static final ArchRule cliDependsOnlyOnSchemas =
      classes()
          .that()
          .resideInAPackage(CLI)
          .should()
          .onlyDependOnClassesThat(
              resideInAnyPackage(CLI, SCHEMAS).or(not(resideInAPackage("io.trainwatch.."))))
          .as("cli depends on nothing of ours but schemas");

  @ArchTest
  static final ArchRule monitorNeverOnTrainerDl4jOrBridges =
      noClasses()
          .that()
          .resideInAPackage(MONITOR)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(DL4J, ND4J, TRAINER, BRIDGE, BENCH, APP, BROKER, SIMULATOR)
          .as(
              "the monitor never depends on DL4J/ND4J, the trainer, the bridges, bench, app or the"
                  + " simulator");

  @ArchTest
  static final ArchRule bridgeOnlyOnSchemasAndCli =
      classes()
          .that()
          .resideInAPackage(BRIDGE)
          .should()
          .onlyDependOnClassesThat(
              resideInAnyPackage(BRIDGE, SCHEMAS, CLI).or(not(resideInAPackage("io.trainwatch.."))))
          .andShould()
          .onlyDependOnClassesThat(not(resideInAnyPackage(DL4J, ND4J)))
          .as("the bridges depend only on schemas and cli of ours, never on DL4J/ND4J");

  @ArchTest
  static final ArchRule trainerLibraryOnlyOnSchemas =
      classes()
          .that(resideInAPackage(TRAINER).and(not(resideInAPackage(TRAINER_CLI))))
          .should()
          .onlyDependOnClassesThat(
              resideInAPackage(TRAINER)
                  .and(not(resideInAPackage(TRAINER_CLI)))
                  .or(resideInAPackage(SCHEMAS))
                  .or(not(resideInAPackage("io.trainwatch.."))))
          .andShould()
          .onlyDependOnClassesThat(not(resideInAPackage("picocli..")))
          .as("the trainer library depends only on schemas of ours, and not on the command line");

  /**
   * The simulator stands in for trainers in the monitor's tests and the benchmarks: it speaks the
   * contract (schemas) and nothing else of ours, and needs neither Kafka nor DL4J/ND4J, so a
   * monitor test that uses it still runs without them.
   */
  @ArchTest
  static final ArchRule simulatorOnlyOnSchemas =
      classes()
          .that()
          .resideInAPackage(SIMULATOR)
          .should()
          .onlyDependOnClassesThat(
              resideInAnyPackage(SIMULATOR, SCHEMAS).or(not(resideInAPackage("io.trainwatch.."))))
          .andShould()
          .onlyDependOnClassesThat(
              not(resideInAnyPackage(DL4J, ND4J, "org.apache.kafka..", "picocli..")))
          .as(
              "the simulator depends only on schemas of ours, never on Kafka, DL4J/ND4J or the"
                  + " command line");

  @ArchTest
  static final ArchRule rulesAndRunStateFreeOfKafka =
      noClasses()
          .that()
          .resideInAnyPackage("io.trainwatch.monitor.rules..", "io.trainwatch.monitor.run..")
          .should()
          .dependOnClassesThat()
          .resideInAPackage("org.apache.kafka..")
          .as("rules and run state are free of Kafka types");

  @ArchTest
  static final ArchRule productNeverOnBenchOrApp =
      noClasses()
          .that()
          .resideInAnyPackage(SCHEMAS, CLI, MONITOR, BRIDGE, TRAINER)
          .should()
          .dependOnClassesThat()
          .resideInAnyPackage(BENCH, APP, SIMULATOR)
          .as("no product module depends on bench, app or the simulator");
}
