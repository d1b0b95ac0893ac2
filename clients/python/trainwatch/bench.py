"""The client's overhead per training step: paired rounds of the same CPU training with and without trainwatch.

    python3 -m trainwatch.bench [--rounds 30] [--steps 20] [--bootstrap-server HOST:PORT]

Two identical copies of an MLP (784-512-256-10, ReLU, batch 128, SGD) train on the same random batches; each
round runs `--steps` steps of the plain copy, then of the watched copy (publishing to memory: the statistics and
the event, without the transport), then, with --bootstrap-server, of a copy watched by a run publishing to Kafka.
Prints the median step time of each and the median of the per-round ratios (paired rounds cancel the drift of a
machine whose load changes), the time log() itself takes, and the training thread's CPU time per step (time.thread_time:
with one torch thread the step's compute runs on it, and time spent waiting for a busy core does not count, so this
ratio holds on a loaded machine where wall times do not).
"""

import argparse
import copy
import statistics
import sys
import time


def main(argv=None):
    parser = argparse.ArgumentParser(prog="python3 -m trainwatch.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--batch", type=int, default=128)
    parser.add_argument("--threads", type=int, default=1, help="torch.set_num_threads (default 1)")
    parser.add_argument("--bootstrap-server", help="also measure publishing to this Kafka")
    args = parser.parse_args(argv)

    import torch
    import torch.nn as nn
    import torch.nn.functional as F

    import trainwatch

    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    base = nn.Sequential(nn.Linear(784, 512), nn.ReLU(), nn.Linear(512, 256), nn.ReLU(), nn.Linear(256, 10))
    x = torch.randn(args.batch, 784)
    y = torch.randint(0, 10, (args.batch,))

    variants = {"plain": (copy.deepcopy(base), None)}
    memory = trainwatch.init(run_id="bench-memory", loss=F.cross_entropy, publisher=trainwatch.MemoryPublisher())
    variants["memory"] = (copy.deepcopy(base), memory)
    if args.bootstrap_server:
        kafka = trainwatch.init(bootstrap_servers=args.bootstrap_server, run_id="bench-kafka", loss=F.cross_entropy)
        variants["kafka"] = (copy.deepcopy(base), kafka)
    log_times = {name: [] for name in variants}
    opts = {}
    for name, (model, run) in variants.items():
        opts[name] = torch.optim.SGD(model.parameters(), lr=0.01)
        if run is not None:
            run.watch(model, optimizer=opts[name])

    cpu = {name: [] for name in variants}

    def steps(name, n):
        model, run = variants[name]
        opt = opts[name]
        cpu_start = time.thread_time()
        start = time.perf_counter()
        for _ in range(n):
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad()
            loss.backward()
            opt.step()
            if run is not None:
                t = time.perf_counter()
                run.log(loss)
                log_times[name].append(time.perf_counter() - t)
                if len(run.publisher.events if hasattr(run.publisher, "events") else ()) > 1000:
                    run.publisher.events.clear()
        wall = (time.perf_counter() - start) / n
        cpu[name].append((time.thread_time() - cpu_start) / n)
        return wall

    for name in variants:  # warm-up
        steps(name, args.steps)
    for times in list(log_times.values()) + list(cpu.values()):
        times.clear()
    per_step = {name: [] for name in variants}
    for _ in range(args.rounds):
        for name in variants:
            per_step[name].append(steps(name, args.steps))

    plain = statistics.median(per_step["plain"])
    print("trainwatch client overhead: MLP 784-512-256-10, batch %d, %d thread(s), %d rounds of %d steps"
          % (args.batch, args.threads, args.rounds, args.steps))
    print("%-8s %12s %14s %20s %22s" % ("variant", "ms/step", "vs plain", "log() ms (p50/p90)",
                                         "training thread CPU"))
    print("%-8s %12.3f %14s %20s %16.3f ms" % ("plain", plain * 1000, "", "", statistics.median(cpu["plain"]) * 1000))
    for name in variants:
        if name == "plain":
            continue
        ratios = [w / p for w, p in zip(per_step[name], per_step["plain"])]
        lt = sorted(log_times[name])
        cpu_ratios = [w / p for w, p in zip(cpu[name], cpu["plain"])]
        print("%-8s %12.3f %+13.1f%% %11.3f / %.3f %12.3f ms (%+.1f%%)" % (
            name, statistics.median(per_step[name]) * 1000, (statistics.median(ratios) - 1) * 100,
            lt[len(lt) // 2] * 1000, lt[int(len(lt) * 0.9)] * 1000, statistics.median(cpu[name]) * 1000,
            (statistics.median(cpu_ratios) - 1) * 100))
    for name, (model, run) in variants.items():
        if run is not None:
            run.finish()
            if name == "kafka":
                print("kafka publisher: %s" % run.stats)
    return 0


if __name__ == "__main__":
    sys.exit(main())
