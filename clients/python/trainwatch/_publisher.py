"""Delivery of events to Kafka through librdkafka's own queue: `publish` never blocks and never raises."""

import logging
import threading

log = logging.getLogger("trainwatch")

TOPIC = "trainwatch.events"

# librdkafka settings; the caller's client_config is applied over them (security.protocol, sasl.*, ssl.*, ...).
DEFAULTS = {
    "acks": "all",
    "enable.idempotence": True,
    "compression.type": "lz4",
    "linger.ms": 5,
    # The queue that training writes into: bounded, in messages and bytes. When it is full (a broker outage
    # long enough to fill it), new events are dropped and counted.
    "queue.buffering.max.messages": 8192,
    "queue.buffering.max.kbytes": 8192,
    # How long an event may wait for a broker before it counts as failed (the DL4J publisher's 30 s).
    "message.timeout.ms": 30000,
}


class PublisherStats:
    """Counters: published (offered), delivered, dropped (never queued), failed (queued, not delivered)."""

    def __init__(self):
        self.published = 0
        self.delivered = 0
        self.dropped = 0
        self.failed = 0

    @property
    def pending(self):
        return self.published - self.delivered - self.dropped - self.failed

    def as_dict(self):
        return {
            "published": self.published,
            "delivered": self.delivered,
            "dropped": self.dropped,
            "failed": self.failed,
            "pending": self.pending,
        }

    def __repr__(self):
        return "PublisherStats(%s)" % ", ".join("%s=%d" % kv for kv in self.as_dict().items())


class KafkaPublisher:
    """Produces each event to `trainwatch.events`, keyed by run id, timestamped with the event's ts_ms."""

    def __init__(self, bootstrap_servers, client_config=None, topic=TOPIC, log_interval=1000):
        try:
            from confluent_kafka import Producer
        except ImportError as e:  # pragma: no cover - depends on the environment
            raise ImportError(
                "trainwatch needs confluent-kafka (pip install confluent-kafka, or apt-get install "
                "python3-confluent-kafka)"
            ) from e
        config = dict(DEFAULTS)
        config.update(client_config or {})
        config["bootstrap.servers"] = bootstrap_servers
        # librdkafka's own logs go to Python logging (never to stderr of the training process).
        config.setdefault("logger", logging.getLogger("trainwatch.librdkafka"))
        self.topic = topic
        self.stats = PublisherStats()
        self._log_interval = log_interval
        self._losses_logged = 0
        self._lock = threading.Lock()
        self._closed = False
        self._producer = Producer(config)

    def publish(self, run_id, ts_ms, payload):
        """Offers one event (bytes) to librdkafka's queue; drops and counts it when the queue is full."""
        self.stats.published += 1
        if self._closed:
            self._lost("dropped", "publisher closed")
            return
        try:
            self._producer.produce(
                self.topic, value=payload, key=run_id.encode("utf-8"), timestamp=ts_ms, on_delivery=self._delivered
            )
        except BufferError:
            self._lost("dropped", "librdkafka's queue is full (broker unreachable?)")
        except Exception as e:  # KafkaException and anything else: never into the training loop
            self._lost("dropped", repr(e))
        # Serves delivery callbacks of earlier events; 0: never waits.
        self._producer.poll(0)

    def _delivered(self, err, msg):
        if err is None:
            with self._lock:
                self.stats.delivered += 1
        else:
            self._lost("failed", str(err))

    def _lost(self, kind, why):
        with self._lock:
            setattr(self.stats, kind, getattr(self.stats, kind) + 1)
            n = self.stats.dropped + self.stats.failed
        if n == 1 or (n - 1) % self._log_interval == 0:
            log.warning("trainwatch: event %s (%s); %s", kind, why, self.stats)

    def flush(self, timeout):
        """Waits up to `timeout` seconds until every queued event is delivered or failed; returns how many are
        still pending."""
        return self._producer.flush(timeout)

    def close(self, timeout=5.0):
        """Delivers what it can within `timeout` seconds; what is left counts as failed."""
        if self._closed:
            return
        self._closed = True
        left = self._producer.flush(timeout)
        if left:
            with self._lock:
                self.stats.failed += left
            log.warning("trainwatch: %d events not delivered at close; %s", left, self.stats)
        # Callbacks of events that still complete after this are ignored: their loss is counted above.
        self._producer = _Closed(self._producer)


class _Closed:
    def __init__(self, producer):
        self._producer = producer

    def produce(self, *args, **kwargs):
        raise BufferError("closed")

    def poll(self, timeout):
        return 0

    def flush(self, timeout):
        return 0


class MemoryPublisher:
    """Keeps events (decoded dicts) in a list: for tests and harnesses."""

    def __init__(self):
        import json

        self._json = json
        self.events = []
        self.stats = PublisherStats()

    def publish(self, run_id, ts_ms, payload):
        self.stats.published += 1
        self.stats.delivered += 1
        self.events.append(self._json.loads(payload))

    def flush(self, timeout):
        return 0

    def close(self, timeout=5.0):
        pass
