"""Every event of real small trainings validates against the contract's JSON Schema (schemas/json) and carries
only fields the contract defines."""

import math
import sys

import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import trainwatch
from conftest import assert_contract


def train(model, batches, loss_fn, optimizer, run, scaler=None):
    run.watch(model, optimizer=optimizer, scaler=scaler)
    for x, y in batches:
        out = model(x)
        loss = loss_fn(out, y)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        run.log(loss)


def classification(n=6, features=10, classes=4, scale=1.0, seed=0):
    g = torch.Generator().manual_seed(seed)
    return [(torch.randn(16, features, generator=g) * scale, torch.randint(0, classes, (16,), generator=g)) for _ in range(n)]


@pytest.mark.parametrize(
    "case",
    ["log_softmax_nll", "softmax_into_nll", "logits_into_nll", "cross_entropy", "pixels", "diverging", "gaussian_nll", "lm"],
)
def test_every_event_is_in_the_contract(case, memory):
    torch.manual_seed(0)
    if case == "lm":
        vocab = 60
        model = nn.Sequential(nn.Embedding(vocab, 16), nn.Linear(16, vocab))
        ids = [torch.randint(0, vocab, (4, 9)) for _ in range(5)]
        batches = [(t, t) for t in ids]

        def loss_fn(out, y):
            return F.cross_entropy(out.reshape(-1, vocab), y.reshape(-1))

        loss = F.cross_entropy
    elif case == "gaussian_nll":
        model = nn.Sequential(nn.Linear(10, 2))
        batches = [(x, torch.randn(16)) for x, _ in classification()]
        gnll = nn.GaussianNLLLoss()

        def loss_fn(out, y):
            return gnll(out[:, 0], y, F.softplus(out[:, 1]) + 1e-3)

        loss = gnll
    else:
        last = {"log_softmax_nll": [nn.LogSoftmax(dim=1)], "softmax_into_nll": [nn.Softmax(dim=1)]}.get(case, [])
        model = nn.Sequential(nn.Linear(10, 16), nn.ReLU(), nn.Linear(16, 4), *last)
        loss_fn = F.cross_entropy if case in ("cross_entropy", "pixels", "diverging") else F.nll_loss
        loss = loss_fn
        batches = classification(scale=255.0 if case == "pixels" else 1.0)
    lr = 1e9 if case == "diverging" else 0.1
    opt = torch.optim.SGD(model.parameters(), lr=lr)
    run = trainwatch.init(job="contract", loss=loss, labels={"case": case}, publisher=memory)
    train(model, batches, loss_fn, opt, run)
    run.finish()

    events = memory.events
    assert [e["type"] for e in events] == ["run_started"] + ["batch"] * len(batches) + ["run_ended"]
    for e in events:
        assert_contract(e)
    assert [e["step"] for e in events[1:-1]] == list(range(len(batches)))
    if case == "diverging":
        assert any(e["loss"] in ("NaN", "Infinity") or e["output"]["nonfinite"] > 0 for e in events[1:-1])
    if case == "gaussian_nll":
        assert events[0]["loss"]["lower_bound"] is None


class StubScaler:
    """GradScaler's state as the client reads it (`_scale`, `is_enabled`): CPU-only PyTorch disables a real
    GradScaler. The scale halves when a step is skipped and doubles every 2 steps otherwise."""

    def __init__(self, skip_steps):
        self._scale = torch.tensor([1024.0])
        self._init_scale = 1024.0
        self._skip = set(skip_steps)
        self._good = 0
        self.step_index = 0

    def is_enabled(self):
        return True

    def update(self):
        if self.step_index in self._skip:
            self._scale *= 0.5
            self._good = 0
        else:
            self._good += 1
            if self._good == 2:
                self._scale *= 2
                self._good = 0
        self.step_index += 1


def test_loss_scale_and_skipped_steps_from_the_scaler(memory):
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(10, 4))
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    scaler = StubScaler(skip_steps={2})
    run = trainwatch.init(loss=F.cross_entropy, publisher=memory)
    run.watch(model, scaler=scaler, optimizer=opt)
    for x, y in classification(n=5):
        loss = F.cross_entropy(model(x), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        scaler.update()
        run.log(loss)
    run.finish()
    batches = [e for e in memory.events if e["type"] == "batch"]
    for e in memory.events:
        assert_contract(e)
    # scale used by each step: 1024, 1024 (then x2), 2048 (skipped: halved), 1024, 1024 (x2)
    assert [b["loss_scale"] for b in batches] == [1024.0, 1024.0, 2048.0, 1024.0, 1024.0]
    assert [b["skipped"] for b in batches] == [False, False, True, False, False]
    assert all(b["lr"] == 0.1 for b in batches)


def test_rank_and_world_size_from_the_launcher(memory, monkeypatch):
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("WORLD_SIZE", "8")
    monkeypatch.setenv("TORCHELASTIC_RESTART_COUNT", "2")
    run = trainwatch.init(job="ddp", publisher=memory)
    run.log(1.0, inputs=torch.zeros(2, 2), outputs=torch.zeros(2, 2))
    run.finish()
    started = memory.events[0]
    assert_contract(started)
    assert (started["rank"], started["world_size"], started["attempt"]) == (3, 8, 2)
    assert started["host"]


def test_rank_from_an_initialized_process_group(memory, tmp_path):
    import torch.distributed as dist

    if not dist.is_available():
        pytest.skip("torch.distributed is not available in this PyTorch build")
    dist.init_process_group("gloo", init_method="file://%s" % (tmp_path / "pg"), rank=0, world_size=1)
    try:
        run = trainwatch.init(job="ddp", publisher=memory)
        run.log(1.0, inputs=torch.zeros(2, 2), outputs=torch.zeros(2, 2))
        run.finish()
    finally:
        dist.destroy_process_group()
    assert (memory.events[0]["rank"], memory.events[0]["world_size"]) == (0, 1)


def test_loss_descriptors_for_pytorch_losses():
    from trainwatch._loss import describe

    assert describe(F.nll_loss) == {"name": "nll_loss", "input_kind": "log_probabilities", "lower_bound": 0.0}
    assert describe(nn.CrossEntropyLoss()) == {"name": "CrossEntropyLoss", "input_kind": "logits", "lower_bound": 0.0}
    assert describe(nn.BCELoss())["input_kind"] == "probabilities"
    assert describe(F.binary_cross_entropy_with_logits)["input_kind"] == "logits"
    assert describe(nn.GaussianNLLLoss())["lower_bound"] is None
    assert describe(F.poisson_nll_loss)["lower_bound"] is None
    assert describe("mse")["input_kind"] == "values"
    assert describe(lambda a, b: a) == {"name": "<lambda>"}
    assert describe(None) is None
    elbo = {"name": "elbo", "input_kind": "values", "lower_bound": None}
    assert describe(elbo) == elbo
    with pytest.raises(ValueError, match="input_kind"):
        describe({"name": "x", "input_kind": "scores"})
