"""JSON Schemas generated from the pydantic models; ``schemas/`` is never edited by hand.

``python -m orchestrator.schemas write DIR`` (``make schemas``) writes every schema;
``python -m orchestrator.schemas check DIR`` exits 1 when a file differs from the code.
A test runs the check, so the checked-in schemas cannot drift from the models.
"""

from __future__ import annotations

import importlib
import json
import sys
from pathlib import Path
from typing import Any

# file name -> "module:Model". Each owner of a model adds its line here.
REGISTRY: dict[str, str] = {
    "config.schema.json": "orchestrator.config.models:ModuleConfig",
    "run-report.schema.json": "orchestrator.report.run_model:RunReport",
    "drift-report.schema.json": "orchestrator.report.drift_model:DriftReport",
    "progress-events.schema.json": "orchestrator.console.events:ProgressEvent",
}


def generate() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for name, target in sorted(REGISTRY.items()):
        module_name, _, attr = target.partition(":")
        model = getattr(importlib.import_module(module_name), attr)
        schema: dict[str, Any] = model.model_json_schema(mode="serialization")
        schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
        schema["$id"] = f"https://tgo.invalid/schemas/{name}"
        out[name] = schema
    return out


def render(schema: dict[str, Any]) -> str:
    return json.dumps(schema, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in {"write", "check"}:
        print("usage: python -m orchestrator.schemas write|check DIR", file=sys.stderr)
        return 64
    target = Path(argv[1])
    stale = []
    for name, schema in generate().items():
        path = target / name
        text = render(schema)
        if argv[0] == "write":
            target.mkdir(parents=True, exist_ok=True)
            path.write_text(text)
        elif not path.exists() or path.read_text() != text:
            stale.append(name)
    if stale:
        print(f"stale schemas (run `make schemas`): {', '.join(stale)}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
