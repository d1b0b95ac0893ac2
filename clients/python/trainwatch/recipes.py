"""Healthy PyTorch trainings as people really write them, each published to Kafka with trainwatch: the control
group that must raise nothing, at any severity. Used by the end-to-end tests (PyTorchFleetEndToEndIT) and by hand:

    python3 -m trainwatch.recipes --bootstrap-server localhost:9092 [--scenario adam-warmup-cosine ...]

Scenarios (generated data, nothing downloaded; everything follows from --seed):

  adam-warmup-cosine   Adam, linear warm-up over 10% of the steps from lr 0, then cosine decay to 0
  sgd-step-decay       SGD + momentum 0.9, lr divided by 10 every third of the run (StepLR)
  dropout-eval         dropout 0.3, and an evaluation pass (model.eval(), torch.no_grad()) every 25 steps
  grad-accumulation    4 micro-batches per optimizer step (each loss / 4), one log per optimizer step
  grad-clipping        clip_grad_norm_(1.0) at a learning rate where it bites; logs the pre-clipping norm
  label-smoothing      CrossEntropyLoss(label_smoothing=0.1): the loss never gets near 0
  transformer-lm       a 2-layer causal Transformer language model (AdamW, warm-up), token ids in
  mse-regression       a regression MLP with MSELoss on a noisy non-linear target
  frozen-backbone      fine-tuning: a backbone trained first, then frozen; a new head trains alone
  cnn-batchnorm        a small CNN with BatchNorm on 1x8x8 images, evaluated every 50 steps

Prints one line per run when it ends; exit code 0 when every run's events were delivered.
"""

import math
import sys
import time

from trainwatch import _examples

SCENARIOS = (
    "adam-warmup-cosine",
    "sgd-step-decay",
    "dropout-eval",
    "grad-accumulation",
    "grad-clipping",
    "label-smoothing",
    "transformer-lm",
    "mse-regression",
    "frozen-backbone",
    "cnn-batchnorm",
)


def _images(torch, seed, n=4096):
    from trainwatch.demo import pixels

    images, labels = pixels(torch, n, 10, seed)
    mean, std = images.mean(dim=0), images.std(dim=0) + 1e-6
    perm = torch.randperm(n, generator=torch.Generator().manual_seed(seed + 1))
    return ((images - mean) / std)[perm], labels[perm]


def _batches(x, y, size):
    def at(i):
        j = (i * size) % (len(x) - size + 1)
        return x[j : j + size], y[j : j + size]

    return at


def _mlp(nn, dropout=0.0):
    layers = [nn.Linear(64, 128), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers += [nn.Linear(128, 64), nn.ReLU()]
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(64, 10))
    return nn.Sequential(*layers)


def _declared_loss(scenario, nn, F):
    """The loss each recipe trains with, as it would be given to trainwatch.init."""
    return {
        "dropout-eval": F.cross_entropy,
        "grad-accumulation": F.cross_entropy,
        "transformer-lm": F.cross_entropy,
        "mse-regression": F.mse_loss,
        "label-smoothing": nn.CrossEntropyLoss(label_smoothing=0.1),
    }.get(scenario, nn.CrossEntropyLoss())


def train(scenario, args, trainwatch, torch, nn, F):
    torch.manual_seed(args.seed)
    steps = args.steps
    run = trainwatch.init(
        bootstrap_servers=args.bootstrap_server,
        job=args.job,
        run_id=args.run_prefix + scenario,
        loss=_declared_loss(scenario, nn, F),
        labels={"scenario": scenario},
    )
    x, y = _images(torch, args.seed)
    at = _batches(x, y, 32)
    final = math.nan
    started = time.perf_counter()

    def classify(model, opt, loss_fn, sched=None, every=None, evaluate=None):
        nonlocal final

        def step_loss(step):
            xb, yb = at(step)
            return loss_fn(model(xb), yb)

        def after_step(step):
            if every and (step + 1) % every == 0:
                evaluate()

        run.watch(model, optimizer=opt)
        final, _ = _examples.fit(run, opt, steps, step_loss, sched=sched, after_step=after_step)

    def held_out_accuracy(model):
        def evaluate():
            model.eval()
            with torch.no_grad():
                (model(x[-512:]).argmax(1) == y[-512:]).float().mean()
            model.train()

        return evaluate

    with run:
        if scenario == "adam-warmup-cosine":
            model = _mlp(nn)
            opt = torch.optim.Adam(model.parameters(), lr=3e-3)
            warmup = max(1, steps // 10)
            sched = torch.optim.lr_scheduler.LambdaLR(
                opt,
                lambda s: s / warmup if s < warmup else 0.5 * (1 + math.cos(math.pi * (s - warmup) / (steps - warmup))),
            )
            classify(model, opt, nn.CrossEntropyLoss(), sched)
        elif scenario == "sgd-step-decay":
            model = _mlp(nn)
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, weight_decay=5e-4)
            sched = torch.optim.lr_scheduler.StepLR(opt, step_size=max(1, steps // 3), gamma=0.1)
            classify(model, opt, nn.CrossEntropyLoss(), sched)
        elif scenario == "dropout-eval":
            model = _mlp(nn, dropout=0.3)
            opt = torch.optim.Adam(model.parameters(), lr=1e-3)
            classify(model, opt, F.cross_entropy, every=25, evaluate=held_out_accuracy(model))
        elif scenario == "grad-accumulation":
            model = _mlp(nn)
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
            micro = _batches(x, y, 8)
            run.watch(model, optimizer=opt)
            for step in range(steps):
                opt.zero_grad()
                total = 0.0
                for k in range(4):
                    xb, yb = micro(step * 4 + k)
                    loss = F.cross_entropy(model(xb), yb) / 4
                    loss.backward()
                    total += float(loss.detach())
                opt.step()
                run.log(total)
                final = total
        elif scenario == "grad-clipping":
            model = _mlp(nn)
            opt = torch.optim.SGD(model.parameters(), lr=0.2, momentum=0.9)
            loss_fn = nn.CrossEntropyLoss()
            run.watch(model, optimizer=opt)
            for step in range(steps):
                xb, yb = at(step)
                loss = loss_fn(model(xb), yb)
                opt.zero_grad()
                loss.backward()
                total = torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
                opt.step()
                run.log(loss, grad_norm=total)
                final = float(loss.detach())
        elif scenario == "label-smoothing":
            loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1)
            model = _mlp(nn)
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9, nesterov=True)
            classify(model, opt, loss_fn)
        elif scenario == "transformer-lm":
            final = _transformer_lm(run, args, trainwatch, torch, nn, F)
        elif scenario == "mse-regression":
            g = torch.Generator().manual_seed(args.seed)
            xr = torch.randn(4096, 16, generator=g)
            w = torch.randn(16, generator=g)
            yr = torch.sin(xr @ w / 4) + 0.1 * (xr[:, 0] * xr[:, 1]) + 0.05 * torch.randn(4096, generator=g)
            model = nn.Sequential(nn.Linear(16, 64), nn.Tanh(), nn.Linear(64, 64), nn.Tanh(), nn.Linear(64, 1))
            opt = torch.optim.Adam(model.parameters(), lr=2e-3)
            reg = _batches(xr, yr, 32)

            def regression_loss(step):
                xb, yb = reg(step)
                return F.mse_loss(model(xb).squeeze(1), yb)

            run.watch(model, optimizer=opt)
            final, _ = _examples.fit(run, opt, steps, regression_loss)
        elif scenario == "frozen-backbone":
            backbone = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 64), nn.ReLU())
            # "Pre-trained" on the first 5 classes (not watched), then frozen.
            pre_head = nn.Linear(64, 10)
            pre = torch.optim.Adam(list(backbone.parameters()) + list(pre_head.parameters()), lr=2e-3)
            keep = y < 5
            pre_at = _batches(x[keep], y[keep], 64)
            for step in range(150):
                xb, yb = pre_at(step)
                loss = F.cross_entropy(pre_head(backbone(xb)), yb)
                pre.zero_grad()
                loss.backward()
                pre.step()
            for p in backbone.parameters():
                p.requires_grad_(False)
            model = nn.Sequential(backbone, nn.Linear(64, 10))
            opt = torch.optim.Adam([p for p in model.parameters() if p.requires_grad], lr=5e-3)
            classify(model, opt, nn.CrossEntropyLoss())
        elif scenario == "cnn-batchnorm":
            model = nn.Sequential(
                nn.Conv2d(1, 16, 3, padding=1), nn.BatchNorm2d(16), nn.ReLU(),
                nn.Conv2d(16, 32, 3, padding=1), nn.BatchNorm2d(32), nn.ReLU(),
                nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(32, 10),
            )
            opt = torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)
            x = x.reshape(-1, 1, 8, 8)
            at = _batches(x, y, 32)
            classify(model, opt, nn.CrossEntropyLoss(), every=50, evaluate=held_out_accuracy(model))
        else:
            raise ValueError(scenario)
    return _examples.report(run.run_id, steps, final, time.perf_counter() - started, run.stats)


def _transformer_lm(run, args, trainwatch, torch, nn, F):
    from trainwatch.demo import markov_tokens

    vocab, length, batch = 200, 17, 16
    data = markov_tokens(torch, 1024, length, vocab, args.seed)

    class TinyLM(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(vocab, 32)
            self.position = nn.Embedding(length - 1, 32)
            layer = nn.TransformerEncoderLayer(32, 2, dim_feedforward=64, dropout=0.1, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, 2)
            self.norm = nn.LayerNorm(32)
            self.out = nn.Linear(32, vocab)
            self.register_buffer("causal", torch.triu(torch.full((length - 1, length - 1), float("-inf")), 1))

        def forward(self, ids):
            t = ids.shape[1]
            h = self.embed(ids) + self.position(torch.arange(t))
            return self.out(self.norm(self.encoder(h, mask=self.causal[:t, :t])))

    model = TinyLM()
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, weight_decay=0.01)
    warmup = max(1, args.steps // 10)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: min(1.0, (s + 1) / warmup))

    def step_loss(step):
        rows = data[(step * batch) % len(data) :][:batch]
        return F.cross_entropy(model(rows[:, :-1]).reshape(-1, vocab), rows[:, 1:].reshape(-1))

    run.watch(model, optimizer=opt)
    final, _ = _examples.fit(run, opt, args.steps, step_loss, sched=sched)
    return final


def main(argv=None):
    parser = _examples.parser(
        "python3 -m trainwatch.recipes", __doc__, SCENARIOS, 300, "optimizer steps per run (default 300)"
    )
    parser.add_argument("--job", default="pytorch-recipes")
    parser.add_argument("--run-prefix", default="recipe-", help="run id = prefix + scenario")
    args = parser.parse_args(argv)
    modules = _examples.import_torch("trainwatch.recipes")
    if modules is None:
        return 2
    torch, nn, F = modules
    import trainwatch

    torch.set_num_threads(1)
    return _examples.train_all(args, SCENARIOS, lambda s: train(s, args, trainwatch, torch, nn, F))


if __name__ == "__main__":
    sys.exit(main())
