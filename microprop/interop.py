"""The way out to other libraries: a microprop model as an equivalent PyTorch module.

A model is read as a list of dense layers, which it describes itself (``model._dense_layers()``:
each layer's input count, its row of nn's activation table, and its neurons' ``w`` and ``b``).
So this module imports nothing of microprop but its checks: ``nn`` imports it, for
``Module.to_torch()``, and the arrow points one way. PyTorch itself is imported only when an
export is asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from ._checks import install_hint

__all__ = ["to_torch"]


class _DenseModel(Protocol):
    def _dense_layers(self) -> Sequence[tuple[int, Any, Sequence[Any]]]: ...


def to_torch(model: _DenseModel) -> Any:
    """An equivalent ``torch.nn.Sequential`` in float64, holding copies of the parameters.

    Its output for a batch ``(n, nin)`` tensor is ``(n, nout)``; it matches the model to about
    1e-12. Needs PyTorch (the ``torch`` extra).
    """
    layers = model._dense_layers()  # first: a model with no equivalent says so, torch or not
    try:
        import torch
    except ImportError:
        raise ImportError(f"to_torch() needs PyTorch: {install_hint('torch')}") from None
    modules: list[Any] = []
    with torch.no_grad():
        for nin, activation, neurons in layers:
            modules.append(_linear(torch, nin, neurons))
            if activation.torch is not None:  # None: the identity, nothing to add
                modules.append(getattr(torch.nn, activation.torch)())
    return torch.nn.Sequential(*modules)


def _linear(torch: Any, nin: int, neurons: Sequence[Any]) -> Any:
    """One ``torch.nn.Linear``: row j of its weight is neuron j's ``w``."""
    # A layer built by microprop has biases on all neurons or none; one set by hand to None
    # among others gets a bias of 0, which computes the same.
    has_bias = any(n.b is not None for n in neurons)
    linear = torch.nn.Linear(nin, len(neurons), bias=has_bias, dtype=torch.float64)
    weights = [[w.data for w in n.w] for n in neurons]
    linear.weight.copy_(torch.tensor(weights, dtype=torch.float64))
    if has_bias:
        biases = [0.0 if n.b is None else n.b.data for n in neurons]
        linear.bias.copy_(torch.tensor(biases, dtype=torch.float64))
    return linear
