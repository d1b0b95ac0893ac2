"""Events of the trainwatch contract, version 1 (schemas/json in the repository), as JSON bytes.

JSON has no NaN or infinities: the contract writes them as the strings "NaN", "Infinity" and "-Infinity".
"""

import json
import math

SCHEMA_VERSION = 1


def real(value):
    """A contract `real`: a finite float, or one of the strings the contract uses for non-finite values."""
    v = float(value)
    if math.isnan(v):
        return "NaN"
    if math.isinf(v):
        return "Infinity" if v > 0 else "-Infinity"
    return v


def encode(event):
    """The event (a dict whose non-finite numbers are already strings) as UTF-8 JSON bytes."""
    # allow_nan=False: a bare NaN token would mean a field escaped real(); better to fail loudly in tests.
    return json.dumps(event, allow_nan=False, separators=(",", ":")).encode("utf-8")
