"""Commands from the monitor to this run (topic trainwatch.control, schemas/json/control.schema.json), read on a
background thread so that training never waits for them.

Every partition is read with isolation.level=read_committed (a command exists only in the monitor's transaction
with its alert), without committing offsets, from the end of each partition as of the subscriber's creation: it is
created before run_started is published and the monitor commands only runs it has seen start, so nothing for this
run is missed and nothing older is replayed. A topic that does not exist yet is waited for, then read from its
beginning. Commands for other runs are skipped, unreadable ones logged and skipped.
"""

import json
import logging
import queue
import threading
import uuid

log = logging.getLogger("trainwatch")

TOPIC = "trainwatch.control"
COMMANDS = ("checkpoint_now", "pin_checkpoint", "stop")


class ControlSubscriber:
    def __init__(self, bootstrap_servers, run_id, client_config=None, topic=TOPIC, start_timeout=5.0):
        from confluent_kafka import Consumer

        config = {
            "bootstrap.servers": bootstrap_servers,
            # librdkafka needs a group id; offsets are never committed, so it is only a name.
            "group.id": "trainwatch-control-" + uuid.uuid4().hex,
            "enable.auto.commit": False,
            "isolation.level": "read_committed",
            "logger": logging.getLogger("trainwatch.librdkafka"),
        }
        for key, value in (client_config or {}).items():
            if key.startswith(("security.", "sasl.", "ssl.")) or key in ("client.id",):
                config[key] = value
        self.run_id = run_id
        self.topic = topic
        self.commands = queue.Queue()
        self._consumer = Consumer(config)
        self._closed = threading.Event()
        self._assigned = self._assign(start_timeout, from_end=True)
        self._thread = threading.Thread(target=self._loop, name="trainwatch-control", daemon=True)
        self._thread.start()

    def _assign(self, timeout, from_end):
        from confluent_kafka import OFFSET_BEGINNING, TopicPartition

        try:
            meta = self._consumer.list_topics(self.topic, timeout=timeout)
        except Exception as e:
            log.debug("trainwatch: control topic %s not readable yet: %r", self.topic, e)
            return False
        topic = meta.topics.get(self.topic)
        if topic is None or topic.error is not None or not topic.partitions:
            return False
        partitions = []
        for p in sorted(topic.partitions):
            offset = OFFSET_BEGINNING
            if from_end:
                try:
                    # read_committed: the high watermark the consumer will see is the last stable offset
                    _, offset = self._consumer.get_watermark_offsets(TopicPartition(self.topic, p), timeout=timeout)
                except Exception:
                    return False
            partitions.append(TopicPartition(self.topic, p, offset))
        self._consumer.assign(partitions)
        return True

    def _loop(self):
        while not self._closed.is_set():
            try:
                if not self._assigned:
                    # The topic appeared after this run started: everything in it is new to this run.
                    self._assigned = self._assign(1.0, from_end=False)
                    if not self._assigned:
                        self._closed.wait(1.0)
                        continue
                msg = self._consumer.poll(0.2)
                if msg is None or msg.error() is not None:
                    continue
                key = msg.key()
                if key is None or key.decode("utf-8", "replace") != self.run_id:
                    continue
                self._accept(msg.value())
            except Exception as e:  # a background thread never dies of a bad record or a broker hiccup
                log.warning("trainwatch: control topic: %r", e)
                self._closed.wait(1.0)
        try:
            self._consumer.close()
        except Exception:
            pass

    def _accept(self, value):
        try:
            command = json.loads(value)
            if command.get("command") not in COMMANDS or command.get("run_id") != self.run_id:
                log.warning("trainwatch: run %s: ignoring a command this client does not know: %s",
                            self.run_id, str(value)[:200])
                return
        except (ValueError, AttributeError):
            log.warning("trainwatch: run %s: unreadable command skipped: %s", self.run_id, str(value)[:200])
            return
        self.commands.put(command)

    def drain(self):
        """The commands received since the last call, in order."""
        out = []
        while True:
            try:
                out.append(self.commands.get_nowait())
            except queue.Empty:
                return out

    def close(self):
        self._closed.set()
        self._thread.join(timeout=2.0)
