"""The batch statistics of the contract, computed where the tensors are.

Every statistic of a step is a 0-d tensor on the tensors' device; `StepStats.gather` stacks them into one float64
vector, so that a step costs one transfer to the host (`Pending.values`). The semantics are the DL4J listener's
(docs/trainer.md, "What is published"):

- min and max skip NaN (they are those of the other elements; NaN when every element is NaN), infinities count;
- mean is sum / count (non-finite when an element is); std is the population standard deviation (divided by n,
  `unbiased=False`), NaN when any element is not finite;
- row sums: the sum of each row over the class dimension (see `class_dim`), then their mean and population std;
- predictions: argmax over the class dimension (the first maximum wins), then the fraction of rows predicting
  the most frequent class and the entropy of the histogram normalized by ln(classes);
- gradient norms: L2 over every gradient, and over the first trainable layer's (forward order).
"""

import math

import torch

# Slots of the gathered vector.
_IN = 1
_OUT = 6
_ROW = 11
_PRED = 13
_GRAD = 15
_SCALE = 17
SLOTS = 18


def class_dim(output, num_classes):
    """The dimension of `output` that holds the classes (or the output units): rows are everything else.

    A 2-D [N, C] output: dim 1. Higher ranks: the last dimension (a language model's [B, T, vocabulary]),
    unless `num_classes` names dim 1 and not the last one (PyTorch's [N, C, d1, ...] convention).
    """
    if output.dim() <= 1:
        return None
    if output.dim() == 2:
        return 1
    if num_classes is not None and output.shape[-1] != num_classes and output.shape[1] == num_classes:
        return 1
    return output.dim() - 1


def _real(x):
    """Integers and low-precision floats are summarized in float32 (float64 stays float64)."""
    if x.dtype in (torch.float32, torch.float64):
        return x
    return x.to(torch.float32)


def _summary(x, out, at):
    """min, max, mean, variance (population) and non-finite count of x into out[at:at + 5] (0-d tensors)."""
    mn, mx = torch.aminmax(x)
    var, mean = torch.var_mean(x, unbiased=False)
    nonfinite = torch.logical_not(torch.isfinite(x)).sum()
    out[at : at + 5] = [mn, mx, mean, var, nonfinite]


def nan_skipping_minmax(x):
    """min and max of the elements that are not NaN (host floats); NaN, NaN when all are. For the rare batch
    whose min or max came out NaN: a second transfer, only then."""
    x = _real(x.detach())
    keep = x[torch.logical_not(torch.isnan(x))]
    if keep.numel() == 0:
        return math.nan, math.nan
    mn, mx = torch.aminmax(keep)
    return float(mn), float(mx)


def input_window(x, limit, step):
    """At most `limit` elements of whole rows of x, a window that moves every step so that every example is
    covered over successive batches (the DL4J listener's maxInputElements). The whole tensor when it fits."""
    if x.dim() == 0 or x.numel() <= limit:
        return x
    n = x.shape[0]
    per_row = max(1, x.numel() // n)
    rows = max(1, limit // per_row)
    if rows >= n:
        return x
    start = (step * rows) % n
    return x[start : min(n, start + rows)]


class StepStats:
    """Builds the statistics of one step as device tensors, then gathers them into one vector."""

    def __init__(self):
        self.slots = [None] * SLOTS

    def loss(self, loss):
        self.slots[0] = loss.detach().reshape(()) if torch.is_tensor(loss) else torch.tensor(float(loss))

    def input(self, x):
        _summary(_real(x.detach()), self.slots, _IN)

    def output(self, y, num_classes, with_predictions):
        """Statistics of the output; row sums and, for classifiers, predictions over its class dimension."""
        y = _real(y.detach())
        _summary(y, self.slots, _OUT)
        dim = class_dim(y, num_classes)
        if dim is None or y.numel() == 0:
            return None
        rows = y.movedim(dim, -1).reshape(-1, y.shape[dim])
        sums = rows.sum(dim=1)
        var, mean = torch.var_mean(sums, unbiased=False)
        self.slots[_ROW : _ROW + 2] = [mean, var]
        classes = rows.shape[1]
        if with_predictions and classes >= 2:
            counts = torch.bincount(rows.argmax(dim=1), minlength=classes)
            n = rows.shape[0]
            p = counts.to(torch.float64) / n
            entropy = -(p * torch.log(torch.where(p > 0, p, torch.ones_like(p)))).sum() / math.log(classes)
            self.slots[_PRED : _PRED + 2] = [counts.max().to(torch.float64) / n, entropy]
        return classes

    def gradients(self, params, first_layer_params):
        """L2 norms of the gradients of `params` (all trainable ones) and of the first trainable layer's."""
        grads = [p.grad for p in params if p.grad is not None]
        if not grads:
            return
        first = {id(p) for p in first_layer_params}
        norms = _norms(grads)
        total = torch.linalg.vector_norm(torch.stack(norms))
        firsts = [n for p, n in zip((p for p in params if p.grad is not None), norms) if id(p) in first]
        self.slots[_GRAD] = total
        if firsts:
            self.slots[_GRAD + 1] = torch.linalg.vector_norm(torch.stack(firsts))

    def scale(self, scale_tensor):
        self.slots[_SCALE] = scale_tensor.detach().reshape(())

    def gather(self):
        """(present, vector): which slots were filled, and the filled ones stacked as float64 on their device."""
        present = [s is not None for s in self.slots]
        filled = [s.to(torch.float64) for s in self.slots if s is not None]
        if not filled:
            return present, None
        device = filled[0].device
        return present, torch.stack([t.to(device) for t in filled])


def _norms(grads):
    """One 0-d float32 L2 norm per gradient tensor; a fused kernel where this PyTorch has one."""
    grads = [g.detach() for g in grads]
    foreach = getattr(torch, "_foreach_norm", None)
    if foreach is not None and all(g.dtype == torch.float32 for g in grads) and len({g.device for g in grads}) == 1:
        try:
            return list(foreach(grads))
        except (RuntimeError, TypeError):
            pass
    return [torch.linalg.vector_norm(g, dtype=torch.float32) for g in grads]


def unpack(present, values):
    """The host values of a gathered vector as a dict of the contract's statistics (floats; None when absent)."""
    it = iter(values)
    full = [next(it) if p else None for p in present]

    def stats(at):
        if full[at] is None:
            return None
        mn, mx, mean, var, nonfinite = full[at : at + 5]
        return {
            "min": mn,
            "max": mx,
            "mean": mean,
            "std": math.nan if nonfinite > 0 else math.sqrt(max(0.0, var)),
            "nonfinite": int(nonfinite),
        }

    out = {
        "loss": full[0],
        "input": stats(_IN),
        "output": stats(_OUT),
        "grad_norm": full[_GRAD],
        "first_layer_grad_norm": full[_GRAD + 1],
        "scale": full[_SCALE],
    }
    if full[_ROW] is not None:
        out["row_sum_mean"] = full[_ROW]
        out["row_sum_std"] = math.sqrt(max(0.0, full[_ROW + 1])) if math.isfinite(full[_ROW + 1]) else math.nan
    if full[_PRED] is not None:
        out["top_class_fraction"] = full[_PRED]
        out["entropy"] = min(1.0, max(0.0, full[_PRED + 1]))
    return out
