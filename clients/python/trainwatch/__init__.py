"""trainwatch for PyTorch: publishes a training run's statistics to Kafka for the trainwatch monitor.

    import trainwatch
    run = trainwatch.init(bootstrap_servers="localhost:9092", job="mnist", loss=F.nll_loss)
    run.watch(model)
    for xb, yb in loader:
        ...; optimizer.step()
        run.log(loss)
    run.finish()

`torch` is imported only when a model is watched or a step logged; `confluent-kafka` when a run starts.
"""

from ._publisher import KafkaPublisher, MemoryPublisher, PublisherStats
from ._run import DEFAULT_MAX_INPUT_ELEMENTS, Run

__all__ = ["init", "Run", "KafkaPublisher", "MemoryPublisher", "PublisherStats"]
__version__ = "0.1.0"


def init(
    bootstrap_servers="localhost:9092",
    job=None,
    run_id=None,
    loss=None,
    client_config=None,
    labels=None,
    num_classes=None,
    input_range=None,
    rules=None,
    model=None,
    topic="trainwatch.events",
    max_input_elements=DEFAULT_MAX_INPUT_ELEMENTS,
    publisher=None,
    checkpoint=None,
    on_pin=None,
    control=True,
    compute_clock="wall",
    host=None,
    device=None,
    attempt=None,
):
    """Starts watching a training run.

    bootstrap_servers: Kafka's bootstrap servers. job: the job the run belongs to (ranks and restarts share it).
    run_id: generated (a random UUID) when None; give each rank its own. loss: the loss function, nn.Module or
    name (e.g. F.nll_loss): it tells the monitor what the loss expects and its lower bound. client_config:
    librdkafka settings applied over the defaults (security.protocol, sasl.*, ssl.*, ...). labels: passed
    through to alerts. num_classes: for classifiers (inferred from the output for categorical losses).
    input_range: (min, max) the inputs should have after normalization. rules: per-run rule overrides, e.g.
    {"loss_plateau": {"enabled": False}}. model: a one-line description (default: from the watched model).
    publisher: any object with publish(run_id, ts_ms, payload), flush(timeout), close(timeout) and stats,
    instead of Kafka (e.g. MemoryPublisher for tests).

    A rank of a distributed job: rank and world_size come from torch.distributed (or torchrun's environment).
    host: the machine (default socket.gethostname(); in a container give the node's name, e.g. from Kubernetes'
    downward API, so that faults of several jobs on one node are linked). device: the accelerator's id (default
    the watched model's GPU UUID). attempt: the job's restart count (default TORCHELASTIC_RESTART_COUNT).
    compute_clock: what compute_ms measures, "wall" (default) or "thread_cpu", the training thread's CPU time:
    for training on the CPU (torch.set_num_threads(1)) on a host with more busy threads than cores, where a
    step's wall time mostly measures the scheduler.

    The closed loop (commands from the monitor on trainwatch.control, read on a background thread when
    publishing to Kafka and `control` is true): `checkpoint(step) -> location` saves a checkpoint and says where
    (called on `checkpoint_now`, before `stop`, and by `run.checkpoint()`; its location is published in a
    `checkpoint` event); `on_pin(location) -> bool` keeps that checkpoint through your rotation; on `stop` the run
    saves a checkpoint, ends (run_ended "killed" with the reason) and `run.should_stop` turns true: break out of
    the training loop.
    """
    if publisher is None:
        publisher = KafkaPublisher(bootstrap_servers, client_config=client_config, topic=topic)
    run = Run(
        publisher,
        run_id=run_id,
        job=job,
        loss=loss,
        labels=labels,
        num_classes=num_classes,
        input_range=input_range,
        rules=rules,
        model=model,
        max_input_elements=max_input_elements,
        checkpoint=checkpoint,
        on_pin=on_pin,
        compute_clock=compute_clock,
        host=host,
        device=device,
        attempt=attempt,
    )
    if control and isinstance(publisher, KafkaPublisher):
        from ._control import ControlSubscriber

        try:
            run._control = ControlSubscriber(bootstrap_servers, run.run_id, client_config=client_config)
        except Exception as e:  # the loop is optional: publishing goes on without it
            import logging

            logging.getLogger("trainwatch").warning("trainwatch: commands from the monitor disabled: %r", e)
    return run
