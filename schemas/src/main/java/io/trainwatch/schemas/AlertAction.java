package io.trainwatch.schemas;

/**
 * The audit of one action an alert caused: what was (or, in a dry run, would have been) asked of
 * which run.
 *
 * @param action a {@link CommandType} spelling ({@code stop}, {@code pin_checkpoint}, {@code
 *     checkpoint_now})
 * @param runId the run asked to act
 * @param policy the name of the policy that chose the action
 * @param dryRun {@code true} if the command was only logged, not sent
 * @param commandId the command's id on {@link Topics#CONTROL} ({@code null} in a dry run)
 * @param checkpointStep the checkpoint the action names (to pin, or to restart from), or {@code
 *     null}
 * @param checkpointLocation its location, or {@code null}
 */
public record AlertAction(
    String action,
    String runId,
    String policy,
    boolean dryRun,
    String commandId,
    Long checkpointStep,
    String checkpointLocation) {

  public AlertAction {
    if (action == null || action.isEmpty()) {
      throw new IllegalArgumentException("action: required");
    }
    TrainingEvent.requireRunId(runId);
    if (policy == null || policy.isEmpty()) {
      throw new IllegalArgumentException("policy: required");
    }
  }

  /**
   * One line for people: {@code trainwatch stopped run r at step 12 because ...}, or {@code
   * trainwatch would have stopped ...} in a dry run.
   *
   * @param step the alert's step, or {@code null}
   * @param because why, usually the alert's summary
   */
  public String describe(Long step, String because) {
    String verb;
    switch (action) {
      case "stop":
        verb = dryRun ? "would have stopped" : "stopped";
        break;
      case "pin_checkpoint":
        verb = dryRun ? "would have pinned the checkpoint of" : "pinned the checkpoint of";
        break;
      case "checkpoint_now":
        verb = dryRun ? "would have checkpointed" : "checkpointed";
        break;
      default:
        verb = dryRun ? "would have asked " + action + " of" : "asked " + action + " of";
    }
    StringBuilder s = new StringBuilder("trainwatch ").append(verb).append(" run ").append(runId);
    if (step != null) {
      s.append(" at step ").append(step);
    }
    if (checkpointLocation != null) {
      s.append(action.equals("pin_checkpoint") ? " (" : " (last good checkpoint ")
          .append(checkpointLocation)
          .append(", step ")
          .append(checkpointStep)
          .append(')');
    }
    if (because != null && !because.isEmpty()) {
      s.append(" because ").append(because);
    }
    if (dryRun) {
      s.append(" [dry run]");
    }
    return s.toString();
  }
}
