"""run_ended in every way a run can end, a broker outage, and the import without torch."""

import json
import os
import pathlib
import socket
import subprocess
import sys
import textwrap

import pytest
import torch

import trainwatch
from conftest import assert_contract

PACKAGE = str(pathlib.Path(__file__).resolve().parents[1])


def test_the_context_manager_reports_completed(memory):
    with trainwatch.init(publisher=memory) as run:
        run.log(0.5, inputs=torch.zeros(2, 3), outputs=torch.zeros(2, 3))
    assert memory.events[-1]["status"] == "completed"
    assert run.status == "completed"


def test_an_exception_in_the_context_manager_reports_failed_and_propagates(memory):
    with pytest.raises(RuntimeError, match="CUDA out of memory"):
        with trainwatch.init(publisher=memory) as run:
            run.log(0.5, inputs=torch.zeros(2, 3), outputs=torch.zeros(2, 3))
            raise RuntimeError("CUDA out of memory")
    ended = memory.events[-1]
    assert_contract(ended)
    assert ended["status"] == "failed"
    assert "RuntimeError: CUDA out of memory" in ended["reason"]


def test_finish_is_once_and_a_run_without_steps_still_starts(memory):
    run = trainwatch.init(publisher=memory)
    run.finish(status="failed", reason="data loader crashed")
    run.finish()
    run.log(1.0)
    assert [e["type"] for e in memory.events] == ["run_started", "run_ended"]
    assert memory.events[1]["status"] == "failed"


def test_log_never_raises_into_the_training_loop(memory):
    run = trainwatch.init(publisher=memory)
    run.log(object())  # not a loss
    run.log(torch.tensor(2.0), inputs=torch.zeros(2, 2), outputs=torch.zeros(2, 2))
    run.finish()
    steps = [e["step"] for e in memory.events if e["type"] == "batch"]
    assert steps == [1]  # the bad step is skipped, the step count goes on


def _script(tmp_path, body):
    """A training script in a fresh interpreter that publishes to a file (one JSON event per line)."""
    events = tmp_path / "events.jsonl"
    script = tmp_path / "train.py"
    script.write_text(
        textwrap.dedent(
            """
            import json, sys
            import trainwatch

            class FilePublisher(trainwatch.MemoryPublisher):
                def publish(self, run_id, ts_ms, payload):
                    with open(%r, "a") as f:
                        f.write(payload.decode() + "\\n")

            run = trainwatch.init(publisher=FilePublisher())
            """
            % str(events)
        )
        + textwrap.dedent(body)
    )
    env = dict(os.environ, PYTHONPATH=PACKAGE)
    result = subprocess.run([sys.executable, str(script)], env=env, capture_output=True, text=True, timeout=120)
    lines = events.read_text().splitlines() if events.exists() else []
    return result, [json.loads(line) for line in lines]


def test_an_uncaught_exception_ends_the_run_as_failed_at_exit(tmp_path):
    result, events = _script(
        tmp_path,
        """
        import torch
        run.log(1.0, inputs=torch.zeros(2, 2), outputs=torch.zeros(2, 2))
        raise ValueError("loss went sideways")
        """,
    )
    assert result.returncode == 1
    assert "ValueError: loss went sideways" in result.stderr  # the user's traceback is untouched
    assert events[-1]["type"] == "run_ended"
    assert events[-1]["status"] == "failed"
    assert events[-1]["reason"] == "ValueError: loss went sideways"


def test_a_script_that_forgets_finish_ends_the_run_as_completed_at_exit(tmp_path):
    result, events = _script(tmp_path, "run.log(1.0)\n")
    assert result.returncode == 0, result.stderr
    assert [e["type"] for e in events] == ["run_started", "batch", "run_ended"]
    assert events[-1]["status"] == "completed"


def test_importing_trainwatch_does_not_import_torch():
    code = "import sys, trainwatch; print('torch' in sys.modules, 'confluent_kafka' in sys.modules)"
    out = subprocess.run(
        [sys.executable, "-c", code], env=dict(os.environ, PYTHONPATH=PACKAGE), capture_output=True, text=True
    )
    assert out.stdout.split() == ["False", "False"], out.stderr


def _closed_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_a_broker_outage_drops_and_counts_and_never_blocks():
    pytest.importorskip("confluent_kafka", reason="confluent-kafka is not installed (apt-get install python3-confluent-kafka)")
    port = _closed_port()  # nothing listens there: the broker is down for the whole run
    run = trainwatch.init(
        bootstrap_servers="127.0.0.1:%d" % port,
        client_config={"queue.buffering.max.messages": 20, "message.timeout.ms": 1000},
    )
    model = torch.nn.Linear(4, 2)
    run.watch(model)
    for _ in range(200):
        loss = model(torch.randn(8, 4)).pow(2).mean()
        loss.backward()
        run.log(loss)  # returns at once: the queue holds 20 events, the rest are dropped
    queued = run.stats.published - run.stats.dropped
    assert run.stats.published == 201  # run_started + 200 batches
    assert run.stats.dropped >= 200 - 20
    run.finish()  # waits at most close_timeout for what was queued, then counts it as failed
    stats = run.stats
    assert stats.delivered == 0
    assert stats.dropped + stats.failed == stats.published
    assert stats.failed >= queued - 1


class Commands:
    """Commands as the control subscriber hands them over (its Kafka side runs in PyTorchEndToEndIT)."""

    def __init__(self):
        self.waiting = []
        self.closed = False

    def drain(self):
        out, self.waiting = self.waiting, []
        return out

    def close(self):
        self.closed = True


def _command(kind, **extra):
    c = {"schema_version": 1, "command_id": "c-" + kind, "command": kind, "run_id": "r", "alert_id": "r/nonfinite_loss",
         "alert_event_id": "r/nonfinite_loss#1", "rule": "nonfinite_loss", "reason": "loss NaN", "ts_ms": 1}
    c.update(extra)
    return c


def test_commands_checkpoint_pin_and_stop_at_the_step_boundary(memory, tmp_path):
    saved = []
    pinned = []

    def checkpoint(step):
        path = tmp_path / ("step-%d.pt" % step)
        path.write_text("weights")
        saved.append(step)
        return str(path)

    run = trainwatch.init(run_id="r", publisher=memory, checkpoint=checkpoint, on_pin=lambda loc: pinned.append(loc) or True)
    run._control = commands = Commands()
    batch = dict(inputs=torch.zeros(2, 2), outputs=torch.zeros(2, 2))
    run.log(1.0, **batch)
    commands.waiting = [_command("checkpoint_now")]
    run.log(1.0, **batch)  # step 1
    commands.waiting = [_command("pin_checkpoint", checkpoint={"step": 1, "location": str(tmp_path / "step-1.pt")})]
    run.log(1.0, **batch)  # step 2
    assert not run.should_stop
    commands.waiting = [_command("stop")]
    run.log(1.0, **batch)  # step 3: checkpoint, then the run ends
    assert run.should_stop
    run.log(1.0, **batch)  # after the stop: nothing more
    run.finish()

    for e in memory.events:
        assert_contract(e)
    kinds = [(e["type"], e.get("step"), e.get("pinned")) for e in memory.events]
    assert kinds == [
        ("run_started", None, None),
        ("batch", 0, None),
        ("batch", 1, None),
        ("checkpoint", 1, None),
        ("batch", 2, None),
        ("checkpoint", 1, True),
        ("batch", 3, None),
        ("checkpoint", 3, None),
        ("run_ended", None, None),
    ]
    assert saved == [1, 3]
    assert pinned == [str(tmp_path / "step-1.pt")]
    ended = memory.events[-1]
    assert ended["status"] == "killed"
    assert ended["reason"].startswith("stopped by trainwatch at step 3: loss NaN (alert r/nonfinite_loss")
    assert commands.closed


def test_a_failing_checkpoint_callback_never_breaks_training(memory):
    def broken(step):
        raise OSError("disk full")

    run = trainwatch.init(run_id="r", publisher=memory, checkpoint=broken)
    run._control = commands = Commands()
    commands.waiting = [_command("checkpoint_now")]
    run.log(1.0, inputs=torch.zeros(2, 2), outputs=torch.zeros(2, 2))
    run.log(1.0, inputs=torch.zeros(2, 2), outputs=torch.zeros(2, 2))
    run.finish()
    assert [e["type"] for e in memory.events] == ["run_started", "batch", "batch", "run_ended"]
