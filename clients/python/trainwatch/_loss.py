"""What a PyTorch loss expects from the network, as run_started's `loss` descriptor."""

import re

# name (normalized: lower case, letters and digits only) -> (input_kind, lower_bound); lower_bound None means
# unbounded below (a negative loss is legitimate), absent from this table means the contract's default 0.
_UNBOUNDED = object()
_KNOWN = {
    "nllloss": ("log_probabilities", 0.0),
    "crossentropy": ("logits", 0.0),
    "crossentropyloss": ("logits", 0.0),
    "binarycrossentropy": ("probabilities", 0.0),
    "bceloss": ("probabilities", 0.0),
    "binarycrossentropywithlogits": ("logits", 0.0),
    "bcewithlogitsloss": ("logits", 0.0),
    "kldiv": ("log_probabilities", 0.0),
    "kldivloss": ("log_probabilities", 0.0),
    "ctcloss": ("log_probabilities", 0.0),
    "multilabelsoftmarginloss": ("logits", 0.0),
    "mseloss": ("values", 0.0),
    "l1loss": ("values", 0.0),
    "smoothl1loss": ("values", 0.0),
    "huberloss": ("values", 0.0),
    "softmarginloss": ("values", 0.0),
    "marginrankingloss": ("values", 0.0),
    "hingeembeddingloss": ("values", 0.0),
    "cosineembeddingloss": ("values", 0.0),
    "multimarginloss": ("values", 0.0),
    "multilabelmarginloss": ("values", 0.0),
    "tripletmarginloss": ("values", 0.0),
    "tripletmarginwithdistanceloss": ("values", 0.0),
    # A density above 1 makes -log p negative: Gaussian and Poisson likelihoods are unbounded below.
    "gaussiannllloss": ("values", _UNBOUNDED),
    "poissonnllloss": ("values", _UNBOUNDED),
}

# Losses over a distribution of classes: their output's class dimension gives num_classes and predictions.
CATEGORICAL = {"nllloss", "crossentropy", "crossentropyloss", "kldiv", "kldivloss"}


def normalize(name):
    """`F.nll_loss` and `nn.NLLLoss` both normalize to `nllloss`."""
    n = re.sub(r"[^a-z0-9]", "", name.lower())
    if n in _KNOWN:
        return n
    if n + "loss" in _KNOWN:
        return n + "loss"
    return n


def loss_name(loss):
    """The loss's name: a string as given, a function's __name__, a module's class name; None for None."""
    if loss is None:
        return None
    if isinstance(loss, str):
        return loss
    name = getattr(loss, "__name__", None)
    if name is None:
        name = type(loss).__name__
    return name


def describe(loss):
    """run_started's `loss` for a function, an nn.Module or a name; None when no loss was given.

    Unknown losses are declared by name only, which the contract reads as "never below 0".
    """
    if isinstance(loss, dict):
        return _declared(loss)
    name = loss_name(loss)
    if name is None:
        return None
    known = _KNOWN.get(normalize(name))
    descriptor = {"name": name[:256]}
    if known is not None:
        kind, bound = known
        descriptor["input_kind"] = kind
        descriptor["lower_bound"] = None if bound is _UNBOUNDED else bound
    return descriptor


_KINDS = ("log_probabilities", "probabilities", "logits", "values")


def _declared(d):
    """A descriptor given as the contract spells it: name (required), input_kind, activation, lower_bound."""
    unknown = set(d) - {"name", "input_kind", "activation", "lower_bound"}
    if unknown:
        raise ValueError("loss: unknown keys %s (name, input_kind, activation, lower_bound)" % sorted(unknown))
    if not isinstance(d.get("name"), str) or not 1 <= len(d["name"]) <= 256:
        raise ValueError("loss: name must be a string of 1 to 256 characters")
    if d.get("input_kind") is not None and d["input_kind"] not in _KINDS:
        raise ValueError("loss: input_kind %r is not one of %s" % (d["input_kind"], ", ".join(_KINDS)))
    out = {"name": d["name"]}
    if d.get("input_kind") is not None:
        out["input_kind"] = d["input_kind"]
    if d.get("activation") is not None:
        out["activation"] = str(d["activation"])[:128]
    if "lower_bound" in d:
        out["lower_bound"] = None if d["lower_bound"] is None else float(d["lower_bound"])
    return out


def is_categorical(descriptor):
    return descriptor is not None and normalize(descriptor["name"]) in CATEGORICAL
