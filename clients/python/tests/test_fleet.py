"""A rank of a distributed job: what it publishes about itself (host, device, attempt), the compute clock, the
timing of a DistributedDataParallel model, and a loss scaler other than GradScaler."""

import time

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import trainwatch
from conftest import assert_contract


def _step(model, opt, run, x, y, **log):
    loss = F.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    run.log(loss, **log)


def test_host_device_and_attempt_given_to_init(memory, monkeypatch):
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "5")
    run = trainwatch.init(job="ddp", publisher=memory, host="node-17", device="GPU-abc", attempt=2)
    run.log(1.0, inputs=torch.zeros(2, 2), outputs=torch.zeros(2, 2))
    run.finish()
    started = memory.events[0]
    assert_contract(started)
    assert (started["host"], started["device"], started["attempt"]) == ("node-17", "GPU-abc", 2)


def test_invalid_compute_clock_and_attempt_are_refused(memory):
    with pytest.raises(ValueError, match="compute_clock"):
        trainwatch.init(publisher=memory, compute_clock="gpu")
    with pytest.raises(ValueError, match="attempt"):
        trainwatch.init(publisher=memory, attempt=-1)


def test_thread_cpu_clock_leaves_out_time_the_thread_does_not_run(memory):
    """A forward that waits (a sleep stands for a core taken by another process, or a collective) costs wall time
    but no CPU time: on the thread_cpu clock compute_ms stays at the work done."""

    class Waits(nn.Module):
        def __init__(self):
            super().__init__()
            self.linear = nn.Linear(8, 4)

        def forward(self, x):
            time.sleep(0.05)
            return self.linear(x)

    x, y = torch.randn(16, 8), torch.randint(0, 4, (16,))
    computed = {}
    for clock in ("wall", "thread_cpu"):
        torch.manual_seed(0)
        model = Waits()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        memory.events.clear()
        run = trainwatch.init(publisher=memory, loss=F.cross_entropy, compute_clock=clock)
        run.watch(model, optimizer=opt)
        for _ in range(3):
            _step(model, opt, run, x, y)
        run.finish()
        computed[clock] = [e["compute_ms"] for e in memory.events if e["type"] == "batch"]
    assert all(ms >= 50 for ms in computed["wall"])
    assert all(0 <= ms < 25 for ms in computed["thread_cpu"])


def test_loss_scale_and_skipped_given_to_log(memory):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    run = trainwatch.init(publisher=memory, loss=F.cross_entropy)
    run.watch(model, optimizer=opt)
    x, y = torch.randn(16, 10), torch.randint(0, 4, (16,))
    for scale, skipped in ((65536.0, True), (32768.0, False), (32768.0, None)):
        _step(model, opt, run, x, y, loss_scale=scale, skipped=skipped)
    _step(model, opt, run, x, y)
    run.finish()
    batches = [e for e in memory.events if e["type"] == "batch"]
    for e in batches:
        assert_contract(e)
    assert [(b.get("loss_scale"), b.get("skipped")) for b in batches] == [
        (65536.0, True),
        (32768.0, False),
        (32768.0, None),
        (None, None),
    ]


def test_ddp_model_is_timed_inside_the_wrapper(memory, tmp_path):
    """Under DistributedDataParallel the forward trainwatch times is the replica's: DDP's own synchronization at
    the start of its forward (a broadcast of buffers from rank 0, which waits for rank 0) is not compute. The
    event is the same as for the bare model otherwise: rank, world size, input, output, gradients."""
    import torch.distributed as dist

    if not dist.is_available():
        pytest.skip("torch.distributed is not available in this PyTorch build")
    dist.init_process_group("gloo", init_method="file://%s" % (tmp_path / "pg"), rank=0, world_size=1)
    try:
        torch.manual_seed(0)
        replica = nn.Sequential(nn.Linear(10, 8), nn.BatchNorm1d(8), nn.ReLU(), nn.Linear(8, 4))
        model = nn.parallel.DistributedDataParallel(replica)
        seen = []
        original = model._sync_buffers if hasattr(model, "_sync_buffers") else None

        def slow_sync(*a, **k):  # DDP's buffer broadcast, made slow as a wait for a slow rank 0 is
            seen.append(1)
            time.sleep(0.05)
            return original(*a, **k) if original is not None else None

        if original is not None:
            model._sync_buffers = slow_sync
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        run = trainwatch.init(job="ddp", publisher=memory, loss=F.cross_entropy)
        run.watch(model, optimizer=opt)
        x, y = torch.randn(16, 10), torch.randint(0, 4, (16,))
        for _ in range(3):
            _step(model, opt, run, x, y)
        run.finish()
    finally:
        dist.destroy_process_group()
    batches = [e for e in memory.events if e["type"] == "batch"]
    assert len(batches) == 3
    for e in memory.events:
        assert_contract(e)
    assert batches[0]["input"]["count"] == 160 and batches[0]["output"]["count"] == 64
    assert all("grad_norm" in b and "first_layer_grad_norm" in b for b in batches)
    if seen:  # this PyTorch's DDP syncs buffers in forward: that wait is not in compute_ms
        assert all(b["compute_ms"] < 50 for b in batches[1:])
