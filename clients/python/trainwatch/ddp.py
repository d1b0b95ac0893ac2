"""Real PyTorch data-parallel jobs (torch.distributed, gloo on the CPU, DistributedDataParallel), each rank a
process publishing to Kafka with trainwatch as its rank: the healthy job and the faults of issue 11. Used by the
end-to-end tests (PyTorchFleetEndToEndIT) and by hand:

    python3 -m trainwatch.ddp --bootstrap-server localhost:9092 --scenario straggler [--scenario ...]

Every job trains the same MLP (64-W-W-10, W = --width, 256) on generated 8x8 "pixels" (trainwatch.demo's), --batch
(32) examples per rank and step, each rank on its shard (positions rank, rank + world_size, ... of each epoch's
shuffle, as DistributedSampler deals them), with SGD + momentum. Every job evaluates on all ranks every 50 steps
(the accuracy all-reduced) and rank 0 alone saves a checkpoint there too, as real jobs do. Scenarios (the fault on
rank --fault-rank, from step --fault-step):

  healthy         nothing wrong
  nan             the rank's batch holds a NaN (silent data corruption): its loss is NaN at that step, and the
                  all-reduce carries it to every rank at the next
  hang            the rank hangs in its optimizer step (after the all-reduce of the step, a device hang in the
                  update) for --hang-seconds (or until --release-file exists); the others block in the next
                  all-reduce. Then it ends (run_ended
                  "killed", as an operator's kill would) and the others fail when their collective breaks
  straggler       the rank's device is --slowdown (0.2) slower from the fault step: each forward and backward
                  does that fraction of extra work (a throttled accelerator)
  spike-recovers  every rank trains 4 steps on wrong labels (a bad stretch of data): the loss jumps, then
                  recovers by itself within a few dozen steps
  spike-stays     one update at 300x the learning rate (a schedule glitch) throws the weights far off, and the
                  schedule's tail (lr / 1000) cannot bring them back: the loss jumps and stays up
  amp             dynamic loss scaling as mixed precision does it (scale 2^132, halved on every overflow, doubled
                  after 25 good steps): the first steps overflow and are skipped, then one now and then

Run ids are <job>-r<rank>, the job <job-prefix><scenario>; ranks publish host (this machine), device cpu:<rank>,
attempt 0 and compute_ms on the training thread's CPU clock (4 ranks share this host's cores). Prints one line
per rank when it ends; exit code 0 when every rank ended as its scenario says and delivered its events.
"""

import math
import os
import socket
import sys
import tempfile
import time
import traceback

from trainwatch import _examples

SCENARIOS = ("healthy", "nan", "hang", "straggler", "spike-recovers", "spike-stays", "amp")
EVAL_EVERY = 50


def _free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LossScaler:
    """Dynamic loss scaling as GradScaler, DeepSpeed and Megatron do it: the loss is multiplied by the scale
    before backward, the gradients divided by it after; a step whose gradients are not finite is skipped and the
    scale halved, and the scale doubles after `growth_interval` good steps in a row. On float32 CPU tensors (this
    PyTorch has no CPU GradScaler): a scale near float32's limit overflows the first steps as float16 would."""

    def __init__(self, init_scale=2.0 ** 132, growth_interval=25):
        self.scale = init_scale
        self.growth_interval = growth_interval
        self._good = 0

    def step(self, torch, optimizer, params):
        """Unscales the gradients in place; steps unless one is not finite. Returns (scale used, skipped)."""
        used = self.scale
        finite = True
        for p in params:
            if p.grad is not None:
                p.grad.div_(used)
                if not bool(torch.isfinite(p.grad).all()):
                    finite = False
        if finite:
            optimizer.step()
            self._good += 1
            if self._good >= self.growth_interval:
                self.scale *= 2.0
                self._good = 0
        else:
            self.scale /= 2.0
            self._good = 0
        return used, not finite


def _burn(torch, seconds, work):
    """Extra CPU work on this thread for `seconds` of its CPU time (a slower device does the same work slower)."""
    end = time.thread_time() + seconds
    while time.thread_time() < end:
        work.mul_(0.5).add_(1.0)


def _throttle(torch, module, fraction, active):
    """Makes `module`'s forward and backward take `fraction` longer once active() is true. Registered before
    trainwatch's hooks, so the extra forward work is inside the forward trainwatch times."""
    work = torch.ones(256, 256)
    state = {}

    def pre(mod, args):
        state["t"] = time.thread_time()

    def post(mod, args, out):
        if not active():
            return out
        spent = time.thread_time() - state["t"]
        _burn(torch, fraction * spent, work)
        if out.requires_grad:
            # The backward's share: about twice the forward's work.
            out.register_hook(lambda grad: _burn(torch, 2 * fraction * spent, work))
        return out

    module.register_forward_pre_hook(pre)
    module.register_forward_hook(post)


def _worker(rank, world, port, scenario, args, job, results):
    import torch
    import torch.distributed as dist
    import torch.nn as nn
    import torch.nn.functional as F
    from datetime import timedelta

    import trainwatch
    from trainwatch.demo import pixels

    torch.set_num_threads(1)
    dist.init_process_group(
        "gloo", init_method="tcp://127.0.0.1:%d" % port, rank=rank, world_size=world,
        timeout=timedelta(seconds=args.hang_seconds + 120),
    )
    seed = args.seed
    images, labels = pixels(torch, 4096, 10, seed)
    mean, std = images.mean(dim=0), images.std(dim=0) + 1e-6
    inputs = (images - mean) / std
    held_out = (pixels(torch, 512, 10, seed + 7)[0] - mean) / std, pixels(torch, 512, 10, seed + 7)[1]
    torch.manual_seed(seed)  # every replica starts from the same weights (DDP also broadcasts rank 0's)
    w = args.width
    replica = nn.Sequential(nn.Linear(64, w), nn.ReLU(), nn.Linear(w, w), nn.ReLU(), nn.Linear(w, 10))
    fault = rank == args.fault_rank
    step_box = {"step": 0}
    if scenario == "straggler" and fault:
        _throttle(torch, replica, args.slowdown, lambda: step_box["step"] >= args.fault_step)
    model = nn.parallel.DistributedDataParallel(replica)
    base_lr = 0.02
    opt = torch.optim.SGD(model.parameters(), lr=base_lr, momentum=0.9)
    scaler = LossScaler() if scenario == "amp" else None
    batch = args.batch
    per_rank = len(inputs) // world
    ckpt_dir = tempfile.mkdtemp(prefix="trainwatch-ddp-")

    def save(step):
        path = os.path.join(ckpt_dir, "step-%d.pt" % step)
        torch.save({"model": replica.state_dict(), "optimizer": opt.state_dict(), "step": step}, path)
        return path

    run = trainwatch.init(
        bootstrap_servers=args.bootstrap_server,
        job=job,
        run_id="%s-r%d" % (job, rank),
        loss=nn.CrossEntropyLoss(),
        labels={"scenario": scenario},
        compute_clock="thread_cpu",
        device="cpu:%d" % rank,
        attempt=0,
        checkpoint=save if rank == 0 else None,
        control=False,
    )
    outcome = "completed"
    final = math.nan
    started = time.perf_counter()
    done = 0
    try:
        with run:
            run.watch(model, optimizer=opt)
            for step in range(args.steps):
                step_box["step"] = step
                epoch, at = divmod(step * batch, per_rank)
                order = torch.randperm(len(inputs), generator=torch.Generator().manual_seed(seed + epoch))
                shard = order[rank::world]
                idx = shard[at : at + batch]
                x, y = inputs[idx], labels[idx]
                if scenario == "nan" and fault and step == args.fault_step:
                    x = x.clone()
                    x[3, 17] = float("nan")  # one corrupted value in one example
                if scenario == "spike-recovers" and args.fault_step <= step < args.fault_step + 4:
                    y = y[torch.randperm(len(y), generator=torch.Generator().manual_seed(step))]
                    y = (y + 1 + step % 9) % 10
                if scenario == "spike-stays" and step in (args.fault_step, args.fault_step + 1):
                    for g in opt.param_groups:
                        g["lr"] = base_lr * (300 if step == args.fault_step else 1e-3)
                out = model(x)
                loss = F.cross_entropy(out, y)
                opt.zero_grad()
                if scaler is not None:
                    (loss * scaler.scale).backward()
                    used, skipped = scaler.step(torch, opt, list(model.parameters()))
                else:
                    loss.backward()
                    if scenario == "hang" and fault and step == args.fault_step:
                        # Hangs in the update, after this step's all-reduce: the others report this step and
                        # block in the next one's all-reduce.
                        hung = _hang(args.hang_seconds, args.release_file)
                        outcome = "killed"
                        run.finish(status="killed", reason="hung for %.0f s in optimizer.step" % hung)
                        break
                    opt.step()
                    used = skipped = None
                run.log(loss, loss_scale=used, skipped=skipped, epoch=epoch)
                final = float(loss.detach())
                done += 1
                if (step + 1) % EVAL_EVERY == 0:
                    model.eval()
                    with torch.no_grad():
                        correct = (model(held_out[0]).argmax(1) == held_out[1]).float().sum()
                    dist.all_reduce(correct)
                    model.train()
                    if rank == 0:
                        run.checkpoint(step)
    except RuntimeError as e:  # a peer is gone (the hang's end): the collective breaks
        outcome = "failed: %s" % str(e).splitlines()[0][:120]
    elapsed = time.perf_counter() - started
    stats = run.stats
    expected = _expected_outcome(scenario, fault, outcome)
    line = "%s-r%d: %s, %d steps, final loss %.4g, %.1f ms/step; events published %d, delivered %d, dropped %d, " \
           "failed %d" % (job, rank, outcome, done, final, 1000 * elapsed / max(1, done), stats.published,
                          stats.delivered, stats.dropped, stats.failed)
    results.put((rank, expected and stats.delivered == stats.published, line))
    if scenario == "hang" and fault:
        results.close()
        results.join_thread()
        os._exit(0)  # the others' broken collectives must not wait for this process's teardown
    try:
        dist.destroy_process_group()
    except Exception:
        pass


def _hang(seconds, release_file):
    """Sleeps `seconds`, or until `release_file` exists. Returns how long it hung."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if release_file and os.path.exists(release_file):
            break
        time.sleep(0.2)
    return time.monotonic() - started


def _expected_outcome(scenario, fault, outcome):
    if scenario != "hang":
        return outcome == "completed"
    return outcome == "killed" if fault else outcome.startswith("failed")


def _run_job(scenario, args):
    import multiprocessing

    ctx = multiprocessing.get_context("fork")
    results = ctx.Queue()
    port = _free_port()
    job = args.job_prefix + scenario

    def target(rank):
        try:
            _worker(rank, args.world_size, port, scenario, args, job, results)
        except Exception:
            traceback.print_exc()
            results.put((rank, False, "%s-r%d: crashed" % (job, rank)))

    procs = [ctx.Process(target=target, args=(r,), name="%s-r%d" % (job, r)) for r in range(args.world_size)]
    for p in procs:
        p.start()
    ok = True
    seen = 0
    deadline = time.monotonic() + args.timeout
    while seen < args.world_size:
        try:
            rank, good, line = results.get(timeout=max(1.0, deadline - time.monotonic()))
        except Exception:
            print("%s: ranks still running after %d s" % (job, args.timeout), flush=True)
            ok = False
            break
        print(line, flush=True)
        ok &= good
        seen += 1
    for p in procs:
        p.join(30)
        if p.is_alive():
            p.kill()
            p.join()
            ok = False
    return ok


def main(argv=None):
    parser = _examples.parser(
        "python3 -m trainwatch.ddp", __doc__, SCENARIOS, 200, "training steps per rank (default 200)"
    )
    parser.add_argument("--world-size", type=int, default=4)
    parser.add_argument("--width", type=int, default=256, help="hidden layers' width (256)")
    parser.add_argument("--batch", type=int, default=32, help="examples per rank and step (32)")
    parser.add_argument("--fault-rank", type=int, default=2)
    parser.add_argument("--fault-step", type=int, default=80)
    parser.add_argument("--slowdown", type=float, default=0.2, help="straggler: extra work fraction (0.2)")
    parser.add_argument("--hang-seconds", type=int, default=90, help="hang: how long the rank hangs (90)")
    parser.add_argument("--release-file", help="hang: stop hanging as soon as this file exists")
    parser.add_argument("--job-prefix", default="ddp-", help="job = prefix + scenario")
    parser.add_argument("--timeout", type=int, default=900, help="seconds one job may take (900)")
    args = parser.parse_args(argv)
    if not 0 <= args.fault_rank < args.world_size or args.world_size < 2:
        parser.error("--world-size >= 2 and 0 <= --fault-rank < --world-size")
    try:
        import torch  # noqa: F401
        import torch.distributed as dist
    except ImportError:
        print("trainwatch.ddp: PyTorch is not installed (pip install torch, or apt-get install python3-torch)",
              file=sys.stderr)
        return 2
    if not dist.is_available():
        print("trainwatch.ddp: this PyTorch has no torch.distributed", file=sys.stderr)
        return 2
    return _examples.train_all(args, SCENARIOS, lambda s: _run_job(s, args))


if __name__ == "__main__":
    sys.exit(main())
