"""What the page's worker asks of Python: one function, ``call(name, arguments_json)``.

The arguments arrive as JSON text and are read as data; the answer goes back as JSON text. A
learner's code runs only through ``run``, as the cell it is; nothing else the page sends is ever
run as code.
"""

from __future__ import annotations

import json
from typing import Any

from cells import Cells
from training_view import Session

_cells = Cells()
_session: Session | None = None


def call(name: str, arguments: str) -> str:
    """Do what ``name`` says with the JSON ``arguments``; {"ok": ...} or {"refused": "why"}."""
    try:
        return json.dumps({"ok": _answer(name, json.loads(arguments))})
    except (TypeError, ValueError) as e:  # bad settings: refused in one line, the page goes on
        return json.dumps({"refused": str(e)})


def _answer(name: str, args: dict[str, Any]) -> Any:
    global _session
    if name == "run":
        return _cells.run(args["code"])
    if name == "start":
        _session = Session(**args)
        return _session.state()
    if _session is None:
        raise ValueError(f"{name}: no network yet; press Train first")
    if name == "train":
        return _session.train(args.get("epochs", 5))
    if name == "sample":
        return _session.sample(args["index"])
    raise ValueError(f"unknown call {name!r}")
