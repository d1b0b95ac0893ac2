#!/usr/bin/env bash
# Runs the Python client's tests (pytest). Maven runs this in the clients/python module's test phase, so
# `./mvnw -B verify` runs them; a failure fails the build. Without Python, PyTorch, pytest, jsonschema or
# confluent-kafka the tests are skipped with the reason printed (CI installs them: .ci/run).
# The interpreter: $TRAINWATCH_PYTHON, else Debian's /usr/bin/python3 (where apt-get installs python3-torch),
# else python3 on the PATH.
set -euo pipefail
cd "$(dirname "$0")"
PY="${TRAINWATCH_PYTHON:-}"
if [[ -z "$PY" ]]; then
  if [[ -x /usr/bin/python3 ]]; then PY=/usr/bin/python3; else PY="$(command -v python3 || true)"; fi
fi
if [[ -z "$PY" ]]; then
  echo "trainwatch python client: tests SKIPPED: no python3 found (set TRAINWATCH_PYTHON)"
  exit 0
fi
missing="$("$PY" - <<'PYEOF'
import importlib.util
need = {"torch": "python3-torch", "pytest": "python3-pytest", "jsonschema": "python3-jsonschema",
        "confluent_kafka": "python3-confluent-kafka", "numpy": "python3-numpy"}
print(" ".join(pkg for mod, pkg in need.items() if importlib.util.find_spec(mod) is None))
PYEOF
)"
if [[ -n "$missing" ]]; then
  echo "trainwatch python client: tests SKIPPED: $PY lacks $missing (apt-get install $missing)"
  exit 0
fi
exec "$PY" -m pytest -p no:cacheprovider -q -rs tests "$@"
