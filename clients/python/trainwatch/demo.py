"""Real PyTorch trainings on generated data, published to Kafka with trainwatch: the healthy controls and the
bugs trainwatch was built for. Used by `./trainwatch demo --pytorch` and the end-to-end tests.

    python3 -m trainwatch.demo --bootstrap-server localhost:9092 --scenario softmax-into-nll [--scenario ...]

Scenarios (nothing is downloaded; everything follows from --seed):

  healthy-cross-entropy  MLP on normalized 8x8 "pixels", raw logits into nn.CrossEntropyLoss
  healthy-log-softmax    the same MLP ending in nn.LogSoftmax, into F.nll_loss
  healthy-gaussian-nll   a regression with nn.GaussianNLLLoss: its loss goes negative, legitimately
  healthy-lm             a next-token model over token ids (vocabulary 2000), F.cross_entropy
  softmax-into-nll       the MLP ending in nn.Softmax, into F.nll_loss (the seed's bug)
  logits-into-nll        raw logits into F.nll_loss, no log_softmax: the loss runs to minus infinity
  unnormalized-input     pixels in 0..255 (float) fed without scaling
  unnormalized-uint8     pixels as a uint8 tensor, scaled nowhere (the model casts them to float)
  diverge                learning rate 1e4: the loss goes to NaN within a few steps
  diverge-until-stopped  the same, training on until the monitor sends `stop` (a closed-loop policy), at most
                         20,000 steps

Prints one line per run when it ends (steps, final loss, ms per step, the publisher's counters); exit code 0
when every run's events were delivered, 1 otherwise.
"""

import sys
import time

from trainwatch import _examples

SCENARIOS = (
    "healthy-cross-entropy",
    "healthy-log-softmax",
    "healthy-gaussian-nll",
    "healthy-lm",
    "softmax-into-nll",
    "logits-into-nll",
    "unnormalized-input",
    "unnormalized-uint8",
    "diverge",
    "diverge-until-stopped",
)


def pixels(torch, n, classes, seed):
    """n grey-scale 8x8 images in 0..255: one random stroke pattern per class, each example a shifted,
    brightness-jittered, noisy copy (as the DL4J trainer's generated data)."""
    g = torch.Generator().manual_seed(seed)
    prototypes = (torch.rand(classes, 8, 8, generator=g) > 0.7).float()
    labels = torch.arange(n) % classes
    images = prototypes[labels]
    shifts = torch.randint(-1, 2, (n, 2), generator=g)
    for i in range(n):
        images[i] = torch.roll(images[i], shifts=(int(shifts[i, 0]), int(shifts[i, 1])), dims=(0, 1))
    brightness = 150 + 100 * torch.rand(n, 1, 1, generator=g)
    noisy = images * brightness + 25 * torch.rand(n, 8, 8, generator=g)
    return noisy.clamp(0, 255).reshape(n, 64), labels


def markov_tokens(torch, n_seq, length, vocab, seed):
    """Token sequences from a Markov chain: each token is followed by one of its 4 favourite successors 90% of
    the time, by any token otherwise. A model that learns the chain gets well below ln(vocabulary)."""
    g = torch.Generator().manual_seed(seed)
    favourites = torch.randint(0, vocab, (vocab, 4), generator=g)
    seqs = torch.empty(n_seq, length, dtype=torch.long)
    seqs[:, 0] = torch.randint(0, vocab, (n_seq,), generator=g)
    for t in range(1, length):
        prev = seqs[:, t - 1]
        pick = favourites[prev, torch.randint(0, 4, (n_seq,), generator=g)]
        random = torch.randint(0, vocab, (n_seq,), generator=g)
        seqs[:, t] = torch.where(torch.rand(n_seq, generator=g) < 0.9, pick, random)
    return seqs


def build(scenario, seed, torch, nn, F):
    """(model, loss for init, loss function(out, y), optimizer, batches(step) -> (x, y))."""
    torch.manual_seed(seed)
    if scenario == "healthy-lm":
        vocab, length, batch = 2000, 17, 16
        data = markov_tokens(torch, 512, length, vocab, seed)
        model = nn.Sequential(nn.Embedding(vocab, 32), nn.Linear(32, vocab))
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)

        def batches(step):
            rows = data[(step * batch) % len(data) :][:batch]
            return rows[:, :-1], rows[:, 1:]

        def loss_fn(out, y):
            return F.cross_entropy(out.reshape(-1, vocab), y.reshape(-1))

        return model, F.cross_entropy, loss_fn, opt, batches
    if scenario == "healthy-gaussian-nll":
        g = torch.Generator().manual_seed(seed)
        x = torch.randn(2048, 8, generator=g)
        w = torch.randn(8, generator=g)
        y = x @ w + 0.05 * torch.randn(2048, generator=g)
        model = nn.Sequential(nn.Linear(8, 32), nn.ReLU(), nn.Linear(32, 2))
        gnll = nn.GaussianNLLLoss()
        opt = torch.optim.Adam(model.parameters(), lr=1e-2)

        def loss_fn(out, target):
            return gnll(out[:, 0], target, F.softplus(out[:, 1]) + 1e-4)

        def batches(step):
            i = (step * 32) % 2048
            return x[i : i + 32], y[i : i + 32]

        return model, gnll, loss_fn, opt, batches

    images, labels = pixels(torch, 2048, 10, seed)
    mean, std = images.mean(dim=0), images.std(dim=0) + 1e-6
    perm = torch.randperm(2048, generator=torch.Generator().manual_seed(seed + 1))
    images, labels = images[perm], labels[perm]
    if scenario == "unnormalized-uint8":
        inputs = images.round().to(torch.uint8)
    elif scenario == "unnormalized-input":
        inputs = images
    else:
        inputs = (images - mean) / std
    last = {"healthy-log-softmax": [nn.LogSoftmax(dim=1)], "softmax-into-nll": [nn.Softmax(dim=1)]}.get(scenario, [])
    layers = [nn.Linear(64, 64), nn.ReLU(), nn.Linear(64, 32), nn.ReLU(), nn.Linear(32, 10), *last]
    if scenario == "unnormalized-uint8":

        class ToFloat(nn.Module):
            """Takes uint8 images and casts them, scaling nowhere: the unnormalized-input bug."""

            def forward(self, x):
                return x.float()

        layers.insert(0, ToFloat())
    model = nn.Sequential(*layers)
    if scenario in ("healthy-cross-entropy", "unnormalized-input", "unnormalized-uint8") or scenario.startswith(
        "diverge"
    ):
        loss = nn.CrossEntropyLoss()
    else:
        loss = F.nll_loss
    lr = 1e4 if scenario.startswith("diverge") else 0.02
    opt = torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9, nesterov=True)

    def batches(step):
        i = (step * 32) % 2048
        return inputs[i : i + 32], labels[i : i + 32]

    return model, loss, loss, opt, batches


def train(scenario, args, trainwatch, torch, nn, F):
    model, loss_decl, loss_fn, opt, batches = build(scenario, args.seed, torch, nn, F)
    run_id = args.run_prefix + scenario
    run = trainwatch.init(
        bootstrap_servers=args.bootstrap_server,
        job=args.job,
        run_id=run_id,
        loss=loss_decl,
        labels={"scenario": scenario},
        client_config=dict(kv.split("=", 1) for kv in args.client_property),
    )
    start = time.perf_counter()
    steps = 20000 if scenario == "diverge-until-stopped" else args.steps

    def step_loss(step):
        x, y = batches(step)
        return loss_fn(model(x), y)

    with run:
        run.watch(model, optimizer=opt)
        final, done = _examples.fit(run, opt, steps, step_loss, stop_when_asked=True)
    return _examples.report(run_id, done, final, time.perf_counter() - start, run.stats, run.stop_reason)


def main(argv=None):
    parser = _examples.parser(
        "python3 -m trainwatch.demo", __doc__, SCENARIOS, 200, "training steps per run (default 200)"
    )
    parser.add_argument("--job", default="pytorch-demo")
    parser.add_argument("--run-prefix", default="pytorch-", help="run id = prefix + scenario")
    parser.add_argument("--client-property", action="append", default=[], metavar="KEY=VALUE",
                        help="librdkafka setting (security.protocol, sasl.*, ssl.*), repeatable")
    args = parser.parse_args(argv)
    modules = _examples.import_torch("trainwatch.demo")
    if modules is None:
        return 2
    torch, nn, F = modules
    import trainwatch

    torch.set_num_threads(1)
    return _examples.train_all(args, SCENARIOS, lambda s: train(s, args, trainwatch, torch, nn, F))


if __name__ == "__main__":
    sys.exit(main())
