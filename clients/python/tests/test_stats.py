"""The statistics against numpy references, including non-finite values."""

import math

import numpy as np
import pytest
import torch
import torch.nn as nn
import torch.nn.functional as F

import trainwatch
from trainwatch import _stats


def host_stats(a):
    """The contract's semantics in numpy: min/max skip NaN, mean = sum / n, population std (NaN when any
    element is not finite)."""
    a = np.asarray(a, dtype=np.float64).ravel()
    finite = np.isfinite(a)
    not_nan = a[~np.isnan(a)]
    return {
        "min": float(not_nan.min()) if not_nan.size else math.nan,
        "max": float(not_nan.max()) if not_nan.size else math.nan,
        "mean": float(a.sum() / a.size),
        "std": float(a.std()) if finite.all() else math.nan,
        "nonfinite": int((~finite).sum()),
        "count": a.size,
    }


def published(run_fn, **init):
    pub = trainwatch.MemoryPublisher()
    run = trainwatch.init(publisher=pub, **init)
    run_fn(run)
    run.finish()
    return pub.events


def one_step(model, x, y, loss_fn, run, optimizer=None, scaler=None):
    run.watch(model, optimizer=optimizer, scaler=scaler)
    out = model(x)
    loss = loss_fn(out, y)
    loss.backward()
    run.log(loss)
    return out, loss


def same(a, b, rel=1e-5):
    if isinstance(a, str) or isinstance(b, str):
        return a == b
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == pytest.approx(b, rel=rel, abs=1e-6)


def test_input_and_output_statistics_match_numpy():
    torch.manual_seed(1)
    model = nn.Sequential(nn.Linear(12, 16), nn.Tanh(), nn.Linear(16, 4), nn.Softmax(dim=1))
    x = torch.randn(32, 12) * 3 + 1
    y = torch.randint(0, 4, (32,))
    seen = {}

    def train(run):
        out, _ = one_step(model, x, y, F.nll_loss, run)
        seen["out"] = out.detach().numpy()

    events = published(train, loss=F.nll_loss)
    batch = events[1]
    ref_in = host_stats(x.numpy())
    ref_out = host_stats(seen["out"])
    for key in ("min", "max", "mean", "std", "nonfinite", "count"):
        assert same(batch["input"][key], ref_in[key]), key
        assert same(batch["output"][key], ref_out[key]), key
    rows = seen["out"].astype(np.float64).sum(axis=1)
    assert batch["output"]["row_sum_mean"] == pytest.approx(rows.mean(), rel=1e-6)
    assert batch["output"]["row_sum_std"] == pytest.approx(rows.std(), abs=1e-6)  # population: ddof 0
    assert batch["output"]["row_sum_mean"] == pytest.approx(1.0, abs=1e-5)  # the softmax fingerprint
    assert batch["batch_size"] == 32


def test_predictions_are_the_argmax_histogram_with_entropy_normalized_by_ln_classes():
    out = torch.tensor([[5.0, 1, 0, 0], [0, 5, 1, 0], [0, 1, 5, 0], [2, 2, 0, 1], [9, 0, 0, 0], [0, 0, 0, 0]])
    model = nn.Identity()
    param = nn.Parameter(torch.zeros(()))

    def train(run):
        run.watch(model)
        y = model(out) + param * 0
        run.log(torch.tensor(1.0), outputs=y)

    batch = published(train, loss="cross_entropy", num_classes=4)[1]
    # argmax: 0, 1, 2, 0 (first maximum wins), 0, 0 (ties: the first)
    counts = np.array([4, 1, 1, 0])
    p = counts / 6
    entropy = -(p[p > 0] * np.log(p[p > 0])).sum() / math.log(4)
    assert batch["predictions"]["top_class_fraction"] == pytest.approx(4 / 6)
    assert batch["predictions"]["entropy"] == pytest.approx(entropy)


def test_every_row_predicting_one_class_has_zero_entropy():
    out = torch.zeros(8, 5)
    out[:, 3] = 1

    def train(run):
        run.log(1.0, inputs=torch.zeros(8, 2), outputs=out)

    batch = published(train, loss=nn.CrossEntropyLoss(), num_classes=5)[1]
    assert batch["predictions"] == {"top_class_fraction": 1.0, "entropy": 0.0}


def test_language_model_rows_are_over_the_vocabulary_and_inputs_are_token_ids():
    vocab, seq = 50, 7
    model = nn.Sequential(nn.Embedding(vocab, 8), nn.Linear(8, vocab))
    ids = torch.randint(0, vocab, (3, seq))
    ids[0, 0] = vocab - 1
    seen = {}

    def train(run):
        run.watch(model)
        logits = model(ids)
        loss = F.cross_entropy(logits.reshape(-1, vocab), ids.reshape(-1))
        loss.backward()
        seen["logits"] = logits.detach().numpy()
        run.log(loss)

    started, batch = published(train, loss=F.cross_entropy)[:2]
    assert started["input_encoding"] == "token_ids"
    assert started["num_classes"] == vocab
    assert batch["input"]["max"] == vocab - 1
    assert batch["input"]["count"] == 3 * seq
    rows = seen["logits"].reshape(-1, vocab).astype(np.float64).sum(axis=1)
    assert batch["output"]["row_sum_mean"] == pytest.approx(rows.mean(), rel=1e-5, abs=1e-5)
    assert batch["output"]["row_sum_std"] == pytest.approx(rows.std(), rel=1e-5)
    assert batch["output"]["count"] == 3 * seq * vocab


def test_uint8_pixels_are_features_and_keep_their_scale():
    model = nn.Sequential(nn.Flatten(), nn.Linear(16, 3))
    pixels = torch.randint(0, 256, (4, 1, 4, 4), dtype=torch.uint8)
    pixels[0, 0, 0, 0] = 255

    def train(run):
        run.watch(model)
        loss = F.cross_entropy(model(pixels.float()), torch.tensor([0, 1, 2, 0]))
        loss.backward()
        run.log(loss, inputs=pixels)

    started, batch = published(train, loss=F.cross_entropy)[:2]
    assert started["input_encoding"] == "features"
    assert batch["input"]["max"] == 255
    assert batch["input"]["std"] == pytest.approx(host_stats(pixels.numpy())["std"])


def test_non_finite_values_as_the_contract_says():
    x = torch.tensor([[1.0, float("nan"), -2.0], [float("inf"), 0.5, 3.0]])
    out = torch.tensor([[0.1, float("-inf")], [float("nan"), 0.2]])

    def train(run):
        run.log(torch.tensor(float("nan")), inputs=x, outputs=out)

    batch = published(train, loss="mse_loss")[1]
    assert batch["loss"] == "NaN"
    # min and max skip NaN; infinities count; std is NaN once anything is not finite
    assert batch["input"] == {
        "min": -2.0, "max": "Infinity", "mean": "NaN", "std": "NaN", "nonfinite": 2, "count": 6,
    }
    assert batch["output"]["min"] == "-Infinity"
    assert batch["output"]["max"] == pytest.approx(0.2)
    assert batch["output"]["nonfinite"] == 2
    assert batch["output"]["std"] == "NaN"


def test_all_nan_output_has_nan_min_and_max():
    out = torch.full((2, 3), float("nan"))

    def train(run):
        run.log(torch.tensor(float("nan")), inputs=torch.zeros(2, 3), outputs=out)

    batch = published(train)[1]
    assert batch["output"]["min"] == "NaN" and batch["output"]["max"] == "NaN"
    assert batch["output"]["nonfinite"] == 6


def test_gradient_norms_total_and_first_trainable_layer_in_forward_order():
    torch.manual_seed(3)

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            # Registered in another order than they run: the first layer is the one that runs first.
            self.head = nn.Linear(8, 3)
            self.frozen = nn.Linear(6, 6)
            self.body = nn.Linear(6, 8)
            for p in self.frozen.parameters():
                p.requires_grad_(False)

        def forward(self, x):
            return self.head(torch.relu(self.body(self.frozen(x))))

    net = Net()
    x, y = torch.randn(10, 6), torch.randint(0, 3, (10,))

    def train(run):
        one_step(net, x, y, F.cross_entropy, run)

    batch = published(train, loss=F.cross_entropy)[1]
    grads = [p.grad.numpy().ravel() for p in net.parameters() if p.grad is not None]
    total = math.sqrt(sum(float((g.astype(np.float64) ** 2).sum()) for g in grads))
    first = math.sqrt(sum(float((p.grad.numpy().astype(np.float64) ** 2).sum()) for p in net.body.parameters()))
    assert batch["grad_norm"] == pytest.approx(total, rel=1e-5)
    assert batch["first_layer_grad_norm"] == pytest.approx(first, rel=1e-5)


def test_a_clipped_gradient_is_published_before_clipping():
    torch.manual_seed(4)
    model = nn.Sequential(nn.Linear(5, 5), nn.ReLU(), nn.Linear(5, 2))
    x, y = torch.randn(8, 5) * 50, torch.randint(0, 2, (8,))

    def train(run):
        run.watch(model)
        loss = F.cross_entropy(model(x), y)
        loss.backward()
        first_before = float(torch.linalg.vector_norm(torch.stack([p.grad.norm() for p in model[0].parameters()])))
        total = torch.nn.utils.clip_grad_norm_(model.parameters(), max_norm=0.01)
        run.log(loss, grad_norm=total)
        train.expected = (float(total), first_before)

    batch = published(train, loss=F.cross_entropy)[1]
    assert batch["grad_norm"] == pytest.approx(train.expected[0], rel=1e-5)
    assert batch["first_layer_grad_norm"] == pytest.approx(train.expected[1], rel=1e-4)


def test_input_window_moves_and_covers_every_row():
    x = torch.arange(100 * 10, dtype=torch.float32).reshape(100, 10)
    seen = set()
    for step in range(20):
        w = _stats.input_window(x, 160, step)
        assert w.numel() <= 160 and w.shape[1] == 10
        seen.update(int(r) for r in (w[:, 0] // 10).tolist())
    assert seen == set(range(100))
    assert _stats.input_window(x, 10_000, 3) is x


def test_class_dim_follows_pytorch_conventions():
    assert _stats.class_dim(torch.zeros(4, 10), None) == 1
    assert _stats.class_dim(torch.zeros(4, 7, 2000), None) == 2  # [B, T, vocabulary]
    assert _stats.class_dim(torch.zeros(4, 10, 7), 10) == 1  # [N, C, d1]
    assert _stats.class_dim(torch.zeros(4), None) is None
