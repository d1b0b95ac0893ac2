package io.trainwatch.monitor.actions;

import io.trainwatch.monitor.config.ActionConfig;
import io.trainwatch.monitor.config.ActionPolicy;
import io.trainwatch.schemas.Alert;
import io.trainwatch.schemas.AlertAction;
import io.trainwatch.schemas.CommandType;
import io.trainwatch.schemas.ControlCommand;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;

/**
 * Turns a firing alert into the commands its policies ask for, and the audit the alert carries.
 * Pure and deterministic: the same alert gives the same command ids, so an exactly-once replay
 * writes byte-identical commands (and a crash between the alert and its commands cannot happen:
 * both are written in one transaction by the caller).
 *
 * <p>Every matching policy contributes its commands; a command chosen by several policies is asked
 * once (the first policy names it in the audit). {@code pin_checkpoint} needs the last good
 * checkpoint: without one it is left out of the plan (and said in {@link Plan#notes()}). {@code
 * stop} names the last good checkpoint when one is known.
 */
public final class ActionPlanner {

  private ActionPlanner() {}

  /**
   * What to do about one alert emission.
   *
   * @param commands to write to the control topic with the alert (none in a dry run)
   * @param audit the alert's {@code actions}
   * @param notes lines for the monitor's log: what a dry run would have done, what was left out
   */
  public record Plan(List<ControlCommand> commands, List<AlertAction> audit, List<String> notes) {

    /** No command, no audit, nothing to say. */
    public static final Plan NOTHING = new Plan(List.of(), List.of(), List.of());

    public Plan {
      commands = List.copyOf(commands);
      audit = List.copyOf(audit);
      notes = List.copyOf(notes);
    }
  }

  /** The id of a command: unique per alert emission, command and run; the same on replay. */
  public static String commandId(String alertEventId, CommandType command, String runId) {
    return alertEventId + ":" + command.wire() + ":" + runId;
  }

  /**
   * The plan for an alert emission of {@code alert.runId()}.
   *
   * @param lastGood the last good checkpoint, if known
   * @param tsMs event time of the emission (the commands' {@code ts_ms})
   */
  public static Plan plan(
      ActionConfig config, Alert alert, Optional<CheckpointHistory.Saved> lastGood, long tsMs) {
    return plan(config, alert, List.of(alert.runId()), lastGood, tsMs);
  }

  /**
   * The plan for an alert emission, asking each of {@code runIds} (a job-wide action).
   *
   * @param lastGood the last good checkpoint, if known (named in every run's command)
   */
  public static Plan plan(
      ActionConfig config,
      Alert alert,
      List<String> runIds,
      Optional<CheckpointHistory.Saved> lastGood,
      long tsMs) {
    if (!alert.firing()) {
      return Plan.NOTHING;
    }
    List<ActionPolicy> policies = config.matching(alert.rule(), alert.severity(), alert.job());
    if (policies.isEmpty()) {
      return Plan.NOTHING;
    }
    List<ControlCommand> commands = new ArrayList<>();
    List<AlertAction> audit = new ArrayList<>();
    List<String> notes = new ArrayList<>();
    Set<CommandType> chosen = EnumSet.noneOf(CommandType.class);
    for (ActionPolicy policy : policies) {
      boolean dry = config.dryRun() || policy.dryRun();
      for (CommandType command : policy.commands()) {
        if (!chosen.add(command)) {
          continue;
        }
        if (command == CommandType.PIN_CHECKPOINT && lastGood.isEmpty()) {
          notes.add(
              alert.alertId()
                  + ": policy "
                  + policy.name()
                  + ": nothing to pin, no checkpoint saved before the onset is known");
          continue;
        }
        boolean named = command != CommandType.CHECKPOINT_NOW && lastGood.isPresent();
        Long step = named ? lastGood.get().step() : null;
        String location = named ? lastGood.get().location() : null;
        for (String runId : runIds) {
          String id = dry ? null : commandId(alert.eventId(), command, runId);
          AlertAction action =
              new AlertAction(command.wire(), runId, policy.name(), dry, id, step, location);
          audit.add(action);
          if (dry) {
            notes.add("dry run: " + action.describe(alert.step(), alert.summary()));
            continue;
          }
          commands.add(
              new ControlCommand(
                  id,
                  command,
                  runId,
                  alert.job(),
                  alert.alertId(),
                  alert.eventId(),
                  alert.rule(),
                  alert.summary(),
                  alert.step(),
                  step,
                  location,
                  tsMs));
        }
      }
    }
    return new Plan(commands, audit, notes);
  }
}
