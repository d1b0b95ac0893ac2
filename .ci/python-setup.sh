#!/usr/bin/env bash
# Installs what the Python client's tests need (clients/python: PyTorch, confluent-kafka, pytest, jsonschema,
# numpy) from Debian's packages, for /usr/bin/python3. Never fails: without them the Python tests skip, saying why.
set -uo pipefail
PACKAGES="python3-torch python3-confluent-kafka python3-pytest python3-jsonschema python3-numpy"
if /usr/bin/python3 -c "import torch, confluent_kafka, pytest, jsonschema, numpy" 2>/dev/null; then
  echo "python-setup: $PACKAGES already installed"
  exit 0
fi
if ! command -v apt-get >/dev/null || [[ "$(id -u)" != 0 ]]; then
  echo "python-setup: cannot install $PACKAGES here (needs apt-get as root); the Python tests will skip"
  exit 0
fi
if (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $PACKAGES) \
    >/tmp/trainwatch-python-setup.log 2>&1; then
  echo "python-setup: installed $PACKAGES"
else
  echo "python-setup: apt-get failed (the Python tests will skip); last lines of /tmp/trainwatch-python-setup.log:"
  tail -n 5 /tmp/trainwatch-python-setup.log
fi
exit 0
