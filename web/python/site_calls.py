"""What the page's worker asks of Python: one function, ``call(name, arguments_json)``.

The arguments arrive as JSON text and are read as data; the answer goes back as JSON text. A
learner's code runs only through ``run``, as the cell it is; nothing else the page sends is ever
run as code.
"""

from __future__ import annotations

import inspect
import json
from typing import Any

from cells import Cells
from training_view import Session

# Each call the page makes, and the arguments it must give.
CALLS = {"run": ("code",), "start": (), "train": (), "sample": ("index",)}
# What "start" may set: Session's own parameters.
SETTINGS = tuple(inspect.signature(Session).parameters)

_cells = Cells()
_session: Session | None = None


def call(name: str, arguments: str) -> str:
    """Do what ``name`` says with the JSON ``arguments``; {"ok": ...} or {"refused": "why"}."""
    try:
        # No NaN or Infinity: they are not JSON, and the page's JSON.parse refuses them.
        return json.dumps({"ok": _answer(name, json.loads(arguments))}, allow_nan=False)
    except (TypeError, ValueError) as e:  # bad settings: refused in one line, the page goes on
        return json.dumps({"refused": str(e)})


def _answer(name: str, args: Any) -> Any:
    global _session
    if name not in CALLS:
        raise ValueError(f"unknown call {name!r}; the calls are {', '.join(CALLS)}")
    if not isinstance(args, dict):
        raise ValueError(f"{name}: the arguments must be a JSON object, got {args!r:.60}")
    missing = [key for key in CALLS[name] if key not in args]
    if missing:
        raise ValueError(f"{name}: the arguments have no {missing[0]!r}")
    if name == "run":
        return _cells.run(args["code"])
    if name == "start":
        unknown = [key for key in args if key not in SETTINGS]
        if unknown:
            raise ValueError(f"start: {unknown[0]!r} is not a setting; the settings are "
                             f"{', '.join(SETTINGS)}")
        _session = Session(**args)
        return _session.state()
    if _session is None:
        raise ValueError(f"{name}: no network yet; press Train first")
    if name == "train":
        return _session.train(args.get("epochs", 5))
    return _session.sample(args["index"])
