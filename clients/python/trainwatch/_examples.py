"""What the example programs (trainwatch.demo, trainwatch.recipes, trainwatch.ddp) share: their command line,
PyTorch imported with one line if it is missing, the usual training loop, and the line each run prints when it
ends."""

import argparse
import math
import sys


def parser(prog, doc, scenarios, steps, steps_help):
    """The arguments every example takes: the broker, the scenarios (repeatable; default: all), steps, seed."""
    p = argparse.ArgumentParser(prog=prog, description=doc.split("\n\n")[0])
    p.add_argument("--bootstrap-server", required=True, help="Kafka bootstrap servers, HOST:PORT")
    p.add_argument("--scenario", action="append", choices=scenarios, help="repeatable; default: all")
    p.add_argument("--steps", type=int, default=steps, help=steps_help)
    p.add_argument("--seed", type=int, default=42)
    return p


def import_torch(prog):
    """(torch, torch.nn, torch.nn.functional), or None after one line on stderr if PyTorch is not installed."""
    try:
        import torch
        import torch.nn as nn
        import torch.nn.functional as F
    except ImportError:
        print("%s: PyTorch is not installed (pip install torch, or apt-get install python3-torch)" % prog,
              file=sys.stderr)
        return None
    return torch, nn, F


def train_all(args, scenarios, train):
    """Trains the chosen scenarios (all by default) one after the other with train(scenario), which says whether
    the run's events were all delivered; returns the exit code: 0 if they were for every run, 1 otherwise."""
    ok = True
    for scenario in args.scenario or scenarios:
        ok &= train(scenario)
    return 0 if ok else 1


def fit(run, opt, steps, step_loss, sched=None, after_step=None, stop_when_asked=False):
    """The usual loop, `steps` times: the step's loss (step_loss(step), forward pass included), zero_grad,
    backward, the optimizer's step, run.log(loss), then the scheduler's step and after_step(step) if given.
    With stop_when_asked it ends early once trainwatch asks the run to stop. Returns (final loss, steps done)."""
    final, done = math.nan, 0
    for step in range(steps):
        if stop_when_asked and run.should_stop:
            break
        loss = step_loss(step)
        opt.zero_grad()
        loss.backward()
        opt.step()
        run.log(loss)
        if sched is not None:
            sched.step()
        if after_step is not None:
            after_step(step)
        final = float(loss.detach())
        done += 1
    return final, done


def report(run_id, steps, final, elapsed, stats, stop_reason=None):
    """Prints the run's line (steps, final loss, ms per step, the publisher's counters); returns whether every
    event published was delivered."""
    print(
        "%s: %d steps, final loss %.4g, %.2f ms/step; events published %d, delivered %d, dropped %d, failed %d%s"
        % (run_id, steps, final, 1000 * elapsed / max(1, steps), stats.published, stats.delivered,
           stats.dropped, stats.failed, "; " + stop_reason if stop_reason else ""),
        flush=True,
    )
    return stats.delivered == stats.published
