"""Shared by the tests: the contract's JSON Schema (schemas/json of this repository) and small real trainings."""

import json
import os
import pathlib

import pytest

torch = pytest.importorskip("torch", reason="PyTorch is not installed (apt-get install python3-torch)")
jsonschema = pytest.importorskip("jsonschema", reason="jsonschema is not installed (apt-get install python3-jsonschema)")

SCHEMAS = pathlib.Path(os.environ.get("TRAINWATCH_SCHEMAS", pathlib.Path(__file__).resolve().parents[3] / "schemas" / "json"))


def _load():
    docs = {}
    for path in SCHEMAS.glob("*.schema.json"):
        doc = json.loads(path.read_text())
        docs[path.name] = doc
    return docs


SCHEMA_DOCS = _load()


def _validator():
    event = SCHEMA_DOCS["event.schema.json"]
    try:
        from referencing import Registry, Resource

        registry = Registry().with_resources(
            (doc["$id"], Resource.from_contents(doc)) for doc in SCHEMA_DOCS.values()
        )
        return jsonschema.Draft202012Validator(event, registry=registry)
    except ImportError:
        store = {doc["$id"]: doc for doc in SCHEMA_DOCS.values()}
        resolver = jsonschema.RefResolver(base_uri=event["$id"], referrer=event, store=store)
        return jsonschema.Draft202012Validator(event, resolver=resolver)


VALIDATOR = _validator()


def _defined_fields():
    """Per event type, the fields the contract defines (nested objects as dotted paths), for 'writers send only
    what this contract defines'."""
    common = SCHEMA_DOCS["common.schema.json"]["$defs"]
    stats = set(common["stats"]["properties"])
    out = {}
    for name in ("run_started", "batch", "run_ended", "checkpoint"):
        schema = SCHEMA_DOCS[name + ".schema.json"]
        fields = {}
        for key, prop in schema["properties"].items():
            nested = prop.get("properties")
            if prop.get("$ref", "").endswith("/stats"):
                nested = stats
            fields[key] = set(nested) if nested else None
        out[name] = fields
    return out


DEFINED = _defined_fields()


def assert_contract(event):
    """The event validates against event.schema.json and carries no field the contract does not define."""
    errors = sorted(VALIDATOR.iter_errors(event), key=lambda e: list(e.path))
    assert not errors, "%s\n%s" % (json.dumps(event), "\n".join(e.message for e in errors))
    fields = DEFINED[event["type"]]
    for key, value in event.items():
        assert key in fields, "%s: %s is not in the contract" % (event["type"], key)
        if fields[key] is not None and isinstance(value, dict) and key not in ("labels", "rules"):
            unknown = set(value) - fields[key]
            assert not unknown, "%s.%s: %s not in the contract" % (event["type"], key, unknown)


@pytest.fixture
def memory():
    import trainwatch

    return trainwatch.MemoryPublisher()
