package io.trainwatch.containers;

import org.junit.jupiter.api.extension.ConditionEvaluationResult;
import org.junit.jupiter.api.extension.ExecutionCondition;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.testcontainers.DockerClientFactory;

/** See {@link RequiresDockerEngine}. */
final class DockerEngineCondition implements ExecutionCondition {

  /** Set by .ci/docker-setup.sh when this machine cannot run an engine, with the reason. */
  static final String UNAVAILABLE_VARIABLE = "TRAINWATCH_DOCKER_UNAVAILABLE";

  private static String unavailableReason;
  private static boolean evaluated;

  @Override
  public ConditionEvaluationResult evaluateExecutionCondition(ExtensionContext context) {
    String reason = unavailableReason();
    if (reason == null) {
      return ConditionEvaluationResult.enabled("a Docker engine answers");
    }
    if (context.getTestMethod().isEmpty()) {
      // Once per test class: the console line that says these tests did not run, and why.
      System.out.println("SKIPPED " + context.getDisplayName() + ": " + reason);
    }
    return ConditionEvaluationResult.disabled(reason);
  }

  /** Why no container test can run here, or {@code null} if an engine answers. */
  static synchronized String unavailableReason() {
    if (!evaluated) {
      evaluated = true;
      String fromSetup = System.getenv(UNAVAILABLE_VARIABLE);
      if (fromSetup != null && !fromSetup.isBlank()) {
        unavailableReason = "no Docker engine on this machine (" + fromSetup + ")";
      } else if (!DockerClientFactory.instance().isDockerAvailable()) {
        unavailableReason =
            "no Docker engine answers (DOCKER_HOST="
                + System.getenv().getOrDefault("DOCKER_HOST", "unset")
                + "); .ci/docker-setup.sh starts one where the machine allows it";
      }
    }
    return unavailableReason;
  }
}
