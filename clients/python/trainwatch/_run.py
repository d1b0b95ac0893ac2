"""A watched training run: run_started, one batch event per step, run_ended."""

import atexit
import logging
import os
import socket
import sys
import threading
import time
import uuid
import weakref

from . import _encode, _loss
from ._encode import real

log = logging.getLogger("trainwatch")

# Input elements summarized per step at most (whole rows, a window that moves every step), as the DL4J listener.
DEFAULT_MAX_INPUT_ELEMENTS = 16384
# Steps whose statistics may still be on their way from an accelerator before log() waits for the oldest.
_MAX_PENDING = 8

# What compute_ms measures: "wall" (host wall time) or "thread_cpu" (the training thread's CPU time).
COMPUTE_CLOCKS = ("wall", "thread_cpu")

_live_runs = weakref.WeakSet()
_hooks_installed = False
_uncaught = None  # (type, value) of an exception that reached the top level


def _install_process_hooks():
    """Once per process: remember an uncaught exception, and end every live run at interpreter exit."""
    global _hooks_installed
    if _hooks_installed:
        return
    _hooks_installed = True
    previous = sys.excepthook

    def excepthook(kind, value, tb):
        global _uncaught
        _uncaught = (kind, value)
        previous(kind, value, tb)

    sys.excepthook = excepthook
    atexit.register(_end_all_at_exit)


def _end_all_at_exit():
    for run in list(_live_runs):
        if _uncaught is None:
            run.finish()
        else:
            kind, value = _uncaught
            status = "killed" if issubclass(kind, KeyboardInterrupt) else "failed"
            run.finish(status=status, reason="%s: %s" % (kind.__name__, value))


class Run:
    """One training run (one rank of a job). Made by `trainwatch.init`."""

    def __init__(
        self,
        publisher,
        run_id=None,
        job=None,
        loss=None,
        labels=None,
        num_classes=None,
        input_range=None,
        rules=None,
        model=None,
        max_input_elements=DEFAULT_MAX_INPUT_ELEMENTS,
        clock=time.time,
        close_timeout=5.0,
        checkpoint=None,
        on_pin=None,
        compute_clock="wall",
        host=None,
        device=None,
        attempt=None,
    ):
        if compute_clock not in COMPUTE_CLOCKS:
            raise ValueError("compute_clock %r: one of %s" % (compute_clock, ", ".join(COMPUTE_CLOCKS)))
        if attempt is not None and (not isinstance(attempt, int) or attempt < 0):
            raise ValueError("attempt %r: a whole number >= 0" % (attempt,))
        self.run_id = run_id or uuid.uuid4().hex
        if not 1 <= len(self.run_id) <= 256:
            raise ValueError("run_id %r: must have 1 to 256 characters" % self.run_id)
        self.job = job
        self.labels = {str(k): str(v) for k, v in (labels or {}).items()}
        self.num_classes = num_classes
        self.input_range = input_range
        self.rules = rules
        self.loss_descriptor = _loss.describe(loss)
        self.model_description = model
        self.max_input_elements = max_input_elements
        self.publisher = publisher
        self._clock = clock
        # compute_ms's clock: wall time, or the training thread's CPU time (CPU training on a shared host).
        self._compute_timer = time.thread_time if compute_clock == "thread_cpu" else time.perf_counter
        self._host = host
        self._device_id = device
        self._attempt = attempt
        self._close_timeout = close_timeout
        self._model = None
        self._scaler = None
        self._optimizer = None
        self._handles = []
        self._params = []
        self._first_layer_params = []
        self._first_layer_found = False
        self._input = None
        self._output = None
        self._forward_start = None
        self._compute_start = None
        self._forward_ms = None
        self._data_ms = None
        self._last_log_end = None
        self._last_log_start = None
        self._started = False
        self._finished = False
        self._step = 0
        self._pending = []
        self._previous_scale = None
        self._init_scale = None
        self._errors = 0
        self._world_size = None
        self._checkpoint = checkpoint
        self._on_pin = on_pin
        self._control = None
        self.should_stop = False
        self.stop_reason = None
        self.pinned = []
        self._lock = threading.Lock()
        self.status = None
        _live_runs.add(self)
        _install_process_hooks()

    # ---------------------------------------------------------------- the surface

    def watch(self, model, scaler=None, optimizer=None):
        """Hooks the model: its input and output at every forward pass, its gradients at `log`. With a
        `torch.cuda.amp.GradScaler`, the scale used by each step and whether the step was skipped; with the
        optimizer, the learning rate. Returns the model."""
        self._unhook()
        self._model = model
        self._scaler = scaler if scaler is not None and _scaler_enabled(scaler) else None
        if self._scaler is not None:
            self._init_scale = float(getattr(scaler, "_init_scale", 0.0) or 0.0) or None
        self._optimizer = optimizer
        self._params = [p for p in model.parameters() if p.requires_grad]
        self._first_layer_params = []
        self._first_layer_found = False
        timed = _replica(model)
        self._handles.append(timed.register_forward_pre_hook(self._before_forward))
        self._handles.append(timed.register_forward_hook(self._after_forward))
        # The first trainable layer is the first module with trainable parameters of its own to run forward:
        # one pre-hook per such module, removed after the first forward pass.
        self._layer_handles = []
        for module in model.modules():
            own = [p for p in module.parameters(recurse=False) if p.requires_grad]
            if own:
                self._layer_handles.append(module.register_forward_pre_hook(self._layer_hook(own)))
        if self.model_description is None:
            self.model_description = _describe(model)
        return model

    def log(self, loss, inputs=None, outputs=None, grad_norm=None, lr=None, epoch=None, loss_scale=None,
            skipped=None):
        """One batch event for this step. Call it once per optimizer step, after `optimizer.step()` (or
        `scaler.step(optimizer)` and `scaler.update()`) and before the next `zero_grad()`.

        `inputs` / `outputs` replace what the model's hooks saw (for a model called with keyword arguments,
        or a loss computed on something else than the model's output). `grad_norm`: the total norm returned
        by `clip_grad_norm_` when gradients are clipped in place, so that the event carries the gradient
        before clipping. `loss_scale` / `skipped`: a dynamic loss scaler other than a GradScaler given to `watch`
        (DeepSpeed's, Apex's, your own): the scale this step used and whether the optimizer step was skipped
        because the scaled gradients were not finite. Never raises and never waits for Kafka."""
        started = time.perf_counter()
        self._log_compute_now = self._compute_timer()
        try:
            self._log(loss, inputs, outputs, grad_norm, lr, epoch, started, loss_scale, skipped)
        except Exception as e:  # never into the training loop
            self._errors += 1
            if self._errors == 1 or self._errors % 1000 == 0:
                log.warning("trainwatch: run %s: step %d not published: %r", self.run_id, self._step, e)
            self._step += 1
        finally:
            self._input = None
            self._output = None
            self._forward_start = None
            self._compute_start = None
            self._last_log_start = started
            self._last_log_end = time.perf_counter()

    def finish(self, status="completed", reason=None):
        """Publishes run_ended (once) and closes the publisher, delivering what it can within a few seconds."""
        with self._lock:
            if self._finished:
                return
            self._finished = True
        try:
            self._drain(wait=True)
            if not self._started:
                self._publish_started(None, None)
            event = {
                "schema_version": 1,
                "type": "run_ended",
                "run_id": self.run_id,
                "ts_ms": self._now(),
                "status": status,
            }
            if reason:
                event["reason"] = str(reason)[:4096]
            self._publish(event)
            self.status = status
        except Exception as e:
            log.warning("trainwatch: run %s: run_ended not published: %r", self.run_id, e)
        finally:
            self._unhook()
            _live_runs.discard(self)
            if self._control is not None:
                self._control.close()
            try:
                self.publisher.close(self._close_timeout)
            except Exception as e:
                log.warning("trainwatch: run %s: closing the publisher: %r", self.run_id, e)

    @property
    def stats(self):
        """The publisher's counters: published, delivered, dropped, failed, pending."""
        return self.publisher.stats

    def __enter__(self):
        return self

    def __exit__(self, kind, value, tb):
        if kind is None:
            self.finish()
        elif issubclass(kind, KeyboardInterrupt):
            self.finish(status="killed", reason="KeyboardInterrupt")
        else:
            self.finish(status="failed", reason="%s: %s" % (kind.__name__, value))
        return False

    # ---------------------------------------------------------------- hooks

    def _before_forward(self, module, args):
        if not _grad_enabled():
            return  # an evaluation pass inside the step is not the training batch
        now = time.perf_counter()
        if self._forward_start is None:
            self._forward_start = now
            self._compute_start = self._compute_timer()
            if self._last_log_end is not None:
                self._data_ms = (now - self._last_log_end) * 1000.0
        self._input = _first_tensor(args)

    def _after_forward(self, module, args, output):
        if not _grad_enabled():
            return
        if self._compute_start is not None:
            self._forward_ms = (self._compute_timer() - self._compute_start) * 1000.0
        self._output = _first_tensor(output)

    def _layer_hook(self, params):
        def hook(module, args):
            if not self._first_layer_found and _grad_enabled():
                self._first_layer_found = True
                self._first_layer_params = params
                for h in self._layer_handles:
                    h.remove()
                self._layer_handles = []

        return hook

    def _unhook(self):
        for h in self._handles + getattr(self, "_layer_handles", []):
            h.remove()
        self._handles = []
        self._layer_handles = []

    # ---------------------------------------------------------------- the step

    def _log(self, loss, inputs, outputs, grad_norm, lr, epoch, started, loss_scale=None, skipped=None):
        import torch

        from . import _stats

        if self._finished:
            return
        x = inputs if inputs is not None else self._input
        y = outputs if outputs is not None else self._output
        if not self._started:
            self._publish_started(x, y)
        s = _stats.StepStats()
        s.loss(loss)
        if x is not None and torch.is_tensor(x):
            window = _stats.input_window(x, self.max_input_elements, self._step)
            s.input(window)
            in_count = window.numel()
        else:
            in_count = 0
        classes = None
        out_count = 0
        if y is not None and torch.is_tensor(y):
            classes = s.output(y, self.num_classes, self._classifier)
            out_count = y.numel()
        if self._params:
            s.gradients(self._params, self._first_layer_params)
        if self._scaler is not None:
            scale = getattr(self._scaler, "_scale", None)
            if torch.is_tensor(scale):
                s.scale(scale)
        present, vector = s.gather()
        meta = {
            "ts_ms": self._now(),
            "step": self._step,
            "epoch": epoch,
            "batch_size": int(x.shape[0]) if x is not None and torch.is_tensor(x) and x.dim() > 0 else None,
            "in_count": in_count,
            "out_count": out_count,
            "classes": classes,
            "grad_norm": None if grad_norm is None else float(grad_norm),
            "lr": self._lr() if lr is None else float(lr),
            "step_ms": None if self._last_log_start is None else (started - self._last_log_start) * 1000.0,
            "data_ms": self._data_ms,
            "compute_ms": self._compute_ms(),
            "loss_scale": None if loss_scale is None else float(loss_scale),
            "skipped": None if skipped is None else bool(skipped),
            "x": x if vector is not None and _has_nan_risk(x) else None,
            "y": y if vector is not None and _has_nan_risk(y) else None,
        }
        self._data_ms = None
        self._forward_ms = None
        self._step += 1
        self._pending.append(_Pending(present, vector, meta))
        self._drain(wait=len(self._pending) > _MAX_PENDING)
        if self._control is not None:
            for command in self._control.drain():
                self._apply(command, meta["step"])

    def _drain(self, wait):
        """Publishes the steps whose statistics have reached the host, in order."""
        while self._pending:
            head = self._pending[0]
            if not head.ready() and not wait:
                return
            self._pending.pop(0)
            try:
                self._publish_batch(head)
            except Exception as e:
                self._errors += 1
                if self._errors == 1 or self._errors % 1000 == 0:
                    log.warning("trainwatch: run %s: a step not published: %r", self.run_id, e)
            wait = wait and len(self._pending) > _MAX_PENDING

    def _publish_batch(self, pending):
        from . import _stats

        meta = pending.meta
        v = _stats.unpack(pending.present, pending.values())
        event = {
            "schema_version": 1,
            "type": "batch",
            "run_id": self.run_id,
            "ts_ms": meta["ts_ms"],
            "step": meta["step"],
        }
        if meta["epoch"] is not None:
            event["epoch"] = int(meta["epoch"])
        if meta["batch_size"]:
            event["batch_size"] = meta["batch_size"]
        event["loss"] = real(v["loss"])
        event["input"] = self._stats_event(v["input"], meta["in_count"], meta.get("x"))
        out = self._stats_event(v["output"], meta["out_count"], meta.get("y"))
        if "row_sum_mean" in v:
            out["row_sum_mean"] = real(v["row_sum_mean"])
            out["row_sum_std"] = real(v["row_sum_std"])
        event["output"] = out
        if "top_class_fraction" in v and _finite(v["top_class_fraction"]) and _finite(v["entropy"]):
            if (v["output"] or {}).get("nonfinite", 0) == 0:
                event["predictions"] = {
                    "top_class_fraction": min(1.0, max(0.0, v["top_class_fraction"])),
                    "entropy": v["entropy"],
                }
        total = v["grad_norm"]
        first = v["first_layer_grad_norm"]
        if meta["grad_norm"] is not None:
            # Gradients clipped in place: the caller's pre-clipping norm, and the first layer's on its scale.
            if first is not None and total is not None and _finite(total) and total > 0:
                first = first * meta["grad_norm"] / total
            total = meta["grad_norm"]
        if total is not None:
            event["grad_norm"] = real(total)
        if first is not None:
            event["first_layer_grad_norm"] = real(abs(first)) if first == first else "NaN"
        if meta["lr"] is not None:
            event["lr"] = real(meta["lr"])
        for key in ("step_ms", "data_ms", "compute_ms"):
            if meta[key] is not None and _finite(meta[key]):
                event[key] = max(0.0, meta[key])
        scale = v["scale"]
        if meta.get("loss_scale") is not None or meta.get("skipped") is not None:
            # The caller's own loss scaler.
            if meta["loss_scale"] is not None and _finite(meta["loss_scale"]) and meta["loss_scale"] > 0:
                event["loss_scale"] = meta["loss_scale"]
            if meta["skipped"] is not None:
                event["skipped"] = meta["skipped"]
        elif scale is not None and _finite(scale) and scale > 0:
            used = self._previous_scale if self._previous_scale is not None else self._init_scale
            if used is None:
                used = scale
            event["loss_scale"] = used
            # GradScaler lowers its scale only when a step's scaled gradients were not finite: it skipped it.
            event["skipped"] = scale < used
            self._previous_scale = scale
        self._publish(event)

    def _stats_event(self, st, count, tensor):
        if st is None or count == 0:
            return {"min": 0.0, "max": 0.0, "mean": 0.0, "std": 0.0, "nonfinite": 0, "count": 0}
        mn, mx = st["min"], st["max"]
        if (mn != mn or mx != mx) and tensor is not None:
            from . import _stats

            mn, mx = _stats.nan_skipping_minmax(tensor)
        return {
            "min": real(mn),
            "max": real(mx),
            "mean": real(st["mean"]),
            "std": real(st["std"]),
            "nonfinite": st["nonfinite"],
            "count": int(count),
        }

    # ---------------------------------------------------------------- the closed loop

    def checkpoint(self, step=None):
        """Calls the checkpoint callback given to `init` and publishes the `checkpoint` event with the location it
        returns (the monitor names the last good checkpoint in its alerts). Returns the location, or None."""
        step = self._step - 1 if step is None else step
        if self._checkpoint is None or step < 0:
            return None
        location = self._checkpoint(step)
        if location:
            self._publish_checkpoint(step, str(location), pinned=False)
        return location

    def _publish_checkpoint(self, step, location, pinned):
        event = {
            "schema_version": 1,
            "type": "checkpoint",
            "run_id": self.run_id,
            "ts_ms": self._now(),
            "step": int(step),
            "location": location[:2048],
        }
        if pinned:
            event["pinned"] = True
        self._publish(event)

    def _apply(self, command, step):
        """A command from the monitor, at the step boundary (the step just logged)."""
        kind = command["command"]
        try:
            if kind == "checkpoint_now":
                location = self.checkpoint(step)
                log.warning("trainwatch: run %s: checkpoint at step %d asked by %s: %s",
                            self.run_id, step, command.get("alert_id"), location or "no checkpoint callback")
            elif kind == "pin_checkpoint":
                target = command.get("checkpoint") or {}
                location = target.get("location")
                self.pinned.append(location)
                kept = bool(self._on_pin(location)) if self._on_pin is not None else False
                if kept:
                    self._publish_checkpoint(int(target.get("step", 0)), str(location), pinned=True)
                log.warning("trainwatch: run %s: %s checkpoint %s, the last good one before %s", self.run_id,
                            "pinned" if kept else "asked to pin (no on_pin callback)", location,
                            command.get("alert_id"))
            elif kind == "stop":
                self.checkpoint(step)
                reason = "stopped by trainwatch at step %d: %s (alert %s, command %s)" % (
                    step, command.get("reason", ""), command.get("alert_id"), command.get("command_id"))
                self.stop_reason = reason
                self.should_stop = True
                log.warning("trainwatch: run %s: %s", self.run_id, reason)
                self.finish(status="killed", reason=reason)
        except Exception as e:  # a failing callback never breaks training
            log.warning("trainwatch: run %s: command %s failed: %r", self.run_id, kind, e)

    # ---------------------------------------------------------------- run_started

    def _publish_started(self, x, y):
        import importlib

        self._started = True
        event = {
            "schema_version": 1,
            "type": "run_started",
            "run_id": self.run_id,
            "ts_ms": self._now(),
            "framework": "pytorch",
        }
        if self.job:
            event["job"] = str(self.job)[:256]
        host = self._host or socket.gethostname()
        if host:
            event["host"] = host[:256]
        torch = importlib.import_module("torch") if "torch" in sys.modules else None
        rank, world_size = _distributed(torch)
        if rank is not None:
            event["rank"] = rank
        if world_size is not None:
            event["world_size"] = world_size
            self._world_size = world_size
        device = self._device_id or _device(torch, self._model)
        if device:
            event["device"] = device[:256]
        attempt = os.environ.get("TORCHELASTIC_RESTART_COUNT")
        if self._attempt is not None:
            event["attempt"] = self._attempt
        elif attempt is not None and attempt.isdigit():
            event["attempt"] = int(attempt)
        if self.model_description:
            event["model"] = str(self.model_description)[:1024]
        if self.labels:
            event["labels"] = self.labels
        classes = self.num_classes
        if classes is None and self._classifier and y is not None and torch is not None and torch.is_tensor(y):
            from . import _stats

            dim = _stats.class_dim(y, None)
            if dim is not None and y.shape[dim] >= 2:
                classes = int(y.shape[dim])
                self.num_classes = classes
        if classes is not None:
            event["num_classes"] = int(classes)
        if self.input_range is not None:
            lo, hi = self.input_range
            event["input_range"] = {"min": float(lo), "max": float(hi)}
        if x is not None and torch is not None and torch.is_tensor(x):
            event["input_encoding"] = _input_encoding(torch, x)
        if self.loss_descriptor is not None:
            descriptor = dict(self.loss_descriptor)
            activation = _activation(y)
            if activation and "activation" not in descriptor:
                descriptor["activation"] = activation
            event["loss"] = descriptor
        if self.rules:
            event["rules"] = self.rules
        self._publish(event)

    @property
    def _classifier(self):
        return self.num_classes is not None or _loss.is_categorical(self.loss_descriptor)

    # ---------------------------------------------------------------- helpers

    def _publish(self, event):
        self.publisher.publish(self.run_id, event["ts_ms"], _encode.encode(event))

    def _now(self):
        return int(self._clock() * 1000)

    def _compute_ms(self):
        """Alone: forward, backward and the optimizer step (the forward's start to this log call). One rank of
        several: the forward alone, since backward waits in the gradient all-reduce for the slowest rank and
        would hide which one is slow (docs/trainer.md, fleet fields). On the compute clock: host wall time, or
        the training thread's CPU time (`compute_clock="thread_cpu"`)."""
        if self._compute_start is None:
            return None
        if self._world_size is not None and self._world_size > 1:
            return self._forward_ms
        return (self._log_compute_now - self._compute_start) * 1000.0

    def _lr(self):
        if self._optimizer is None:
            return None
        try:
            return float(self._optimizer.param_groups[0]["lr"])
        except (AttributeError, IndexError, KeyError, TypeError, ValueError):
            return None


class _Pending:
    """A step's gathered statistics on their way to the host: one copy, without waiting for an accelerator."""

    def __init__(self, present, vector, meta):
        self.present = present
        self.meta = meta
        self._event = None
        self._values = None
        if vector is None:
            self._values = []
        elif vector.device.type == "cuda":
            import torch

            host = torch.empty(vector.shape, dtype=vector.dtype, pin_memory=True)
            host.copy_(vector, non_blocking=True)
            self._event = torch.cuda.Event()
            self._event.record()
            self._host = host
        else:
            self._values = vector.tolist()

    def ready(self):
        return self._values is not None or self._event.query()

    def values(self):
        if self._values is None:
            self._event.synchronize()
            self._values = self._host.tolist()
        return self._values


def _replica(model):
    """The module whose forward is the step's compute: the replica inside DistributedDataParallel (its forward
    starts with DDP's own synchronization, a broadcast of buffers from rank 0 that waits for rank 0 and would
    make every other rank look slow when rank 0 is), the model itself otherwise."""
    try:
        from torch.nn.parallel import DistributedDataParallel
    except ImportError:  # pragma: no cover - a torch without distributed
        return model
    if isinstance(model, DistributedDataParallel):
        return model.module
    return model


def _finite(v):
    return v == v and v not in (float("inf"), float("-inf"))


def _grad_enabled():
    import torch

    return torch.is_grad_enabled()


def _has_nan_risk(t):
    """Keep a reference to a floating CPU tensor until its statistics are published (in the same log call): it
    is read again only when its min or max came out NaN (a NaN element), to give the minimum and maximum of the
    other elements. A GPU tensor is not kept: its statistics may wait a step or more for the copy, and keeping a
    language model's logits alive that long costs memory; its min and max are then NaN when it holds a NaN."""
    try:
        return t is not None and t.is_floating_point() and t.device.type == "cpu"
    except AttributeError:
        return False


def _first_tensor(value):
    """The tensor of a forward's arguments or output: itself, the first tensor of a tuple or list, a dict's
    `logits` (Hugging Face style) or first tensor."""
    import torch

    if torch.is_tensor(value):
        return value
    if isinstance(value, dict) or hasattr(value, "keys"):
        try:
            if "logits" in value and torch.is_tensor(value["logits"]):
                return value["logits"]
            values = list(value.values())
        except Exception:
            return None
        return _first_tensor(values)
    if isinstance(value, (tuple, list)):
        for v in value:
            t = _first_tensor(v)
            if t is not None:
                return t
    return None


def _input_encoding(torch, x):
    """token_ids for integer inputs other than uint8 (ids into a vocabulary or an embedding table); features
    otherwise, uint8 images included."""
    if x.is_floating_point() or x.is_complex() or x.dtype in (torch.uint8, torch.bool):
        return "features"
    return "token_ids"


_ACTIVATIONS = {
    "SoftmaxBackward0": "softmax",
    "SoftmaxBackward": "softmax",
    "LogSoftmaxBackward0": "log_softmax",
    "LogSoftmaxBackward": "log_softmax",
    "SigmoidBackward0": "sigmoid",
    "SigmoidBackward": "sigmoid",
    "TanhBackward0": "tanh",
    "TanhBackward": "tanh",
}


def _activation(y):
    """The output's last operation when it is an activation (softmax, log_softmax, sigmoid, tanh)."""
    fn = getattr(y, "grad_fn", None)
    return None if fn is None else _ACTIVATIONS.get(type(fn).__name__)


def _distributed(torch):
    """(rank, world_size) from torch.distributed when it is initialized, else from the launcher's environment
    (torchrun sets RANK and WORLD_SIZE); (None, None) for a run alone."""
    try:
        if torch is not None and torch.distributed.is_available() and torch.distributed.is_initialized():
            return torch.distributed.get_rank(), torch.distributed.get_world_size()
    except Exception:
        pass
    rank, world = os.environ.get("RANK"), os.environ.get("WORLD_SIZE")
    if rank is not None and world is not None and rank.isdigit() and world.isdigit() and int(rank) < int(world):
        return int(rank), int(world)
    return None, None


def _device(torch, model):
    """The accelerator the model's parameters are on: the GPU's UUID when PyTorch knows it, else cuda:N."""
    if torch is None or model is None:
        return None
    try:
        p = next(model.parameters())
    except (StopIteration, AttributeError):
        return None
    if p.device.type == "cuda":
        index = p.device.index if p.device.index is not None else torch.cuda.current_device()
        try:
            uuid_ = getattr(torch.cuda.get_device_properties(index), "uuid", None)
            if uuid_ is not None:
                text = str(uuid_)
                return text if text.startswith("GPU-") else "GPU-" + text
        except Exception:
            pass
        return "cuda:%d" % index
    if p.device.type in ("cpu", "meta"):
        return None
    return str(p.device)


def _describe(model):
    """A one-line description: the class and the leaf modules, e.g. `Sequential Linear(784-256) ReLU ...`."""
    parts = []
    for m in model.modules():
        if next(m.children(), None) is not None:
            continue
        name = type(m).__name__
        if hasattr(m, "in_features") and hasattr(m, "out_features"):
            name += "(%d-%d)" % (m.in_features, m.out_features)
        elif hasattr(m, "num_embeddings") and hasattr(m, "embedding_dim"):
            name += "(%d-%d)" % (m.num_embeddings, m.embedding_dim)
        parts.append(name)
    text = type(model).__name__ + (" " + " ".join(parts) if parts else "")
    return text if len(text) <= 1024 else text[:1021] + "..."


def _scaler_enabled(scaler):
    try:
        return bool(scaler.is_enabled())
    except AttributeError:
        return True
