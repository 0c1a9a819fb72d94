"""The two switches an op consults: recording the graph, and ``detect_anomaly``'s checks.

Each (and the tracer's recorder below) is per thread and per asyncio task: a context variable,
not a thread-local, so that two tasks interleaving in one thread each keep their own (a new
thread starts at the defaults). The blocks that set them, ``no_grad()``, ``enable_grad()`` and
``detect_anomaly()``, are in ``engine.py``.
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import Any

__all__ = ["is_grad_enabled", "is_anomaly_enabled"]

grad_enabled: ContextVar[bool] = ContextVar("microprop_grad_enabled", default=True)
anomaly_enabled: ContextVar[bool] = ContextVar("microprop_detect_anomaly", default=False)
# While ``compile`` traces a function: its recorder (``compile._Trace``), told of what a trace
# must keep although eager would not record it (a no_grad() result, a comparison's outcome).
tracing: ContextVar[Any] = ContextVar("microprop_tracing", default=None)


def is_grad_enabled() -> bool:
    """Whether ops here (this thread, this task) record the graph (False inside ``no_grad()``)."""
    return grad_enabled.get()


def is_anomaly_enabled() -> bool:
    """Whether this thread (and task) is inside ``detect_anomaly()``."""
    return anomaly_enabled.get()
