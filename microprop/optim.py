"""Optimizers: the article's update ``w := w - lr * dC/dw``, and two ways to make it faster.

``SGD`` (with optional momentum) and ``Adam`` follow PyTorch's formulas, so the same settings give
the same steps. Each reads ``p.grad`` and writes ``p.data``; ``LinearDecay`` changes ``lr``.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

from . import _checks
from .engine import Value

__all__ = ["Optimizer", "SGD", "Adam", "LinearDecay"]


class Optimizer:
    """Holds the parameters to update and the learning rate ``lr`` (which you may change)."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        who = type(self).__name__
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(
                f"{who}(params): expected a list of Values such as model.parameters(), "
                f"got {type(params).__name__}"
            )
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{who}(params): the parameter list is empty")
        seen: set[Value] = set()
        for p in self.params:
            if type(p) is not Value:
                raise TypeError(f"{who}(params): expected Values, got {type(p).__name__}")
            if p in seen:  # would be updated twice per step
                raise ValueError(f"{who}(params): a parameter appears twice ({p!r})")
            seen.add(p)
        self.lr = _checks.finite(lr, f"{who}(lr)", 0.0, low_ok=False)

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0, ready for the next ``backward()``."""
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        """Update each parameter's ``.data`` once from its ``.grad`` (call after ``backward()``)."""
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent, ``p -= lr * v`` with ``v = momentum * v + grad`` (PyTorch's form).

    With ``momentum=0`` (the default) this is exactly the article's ``w := w - lr * dC/dw``.
    """

    def __init__(self, params: Iterable[Value], lr: float = 0.1, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        self.momentum = _checks.finite(momentum, "SGD(momentum)", 0.0, 1.0)
        self._velocity: list[float] | None = None

    def step(self) -> None:
        """One update: ``p.data -= lr * v`` for each parameter, ``v`` the momentum-weighted grad."""
        lr, mu = self.lr, self.momentum
        if mu == 0.0:
            for p in self.params:
                p.data -= lr * p.grad
            return
        if self._velocity is None:  # PyTorch starts the velocity at the first gradient
            self._velocity = [p.grad for p in self.params]
        else:
            pairs = zip(self._velocity, self.params, strict=True)
            self._velocity = [mu * v + p.grad for v, p in pairs]
        for p, v in zip(self.params, self._velocity, strict=True):
            p.data -= lr * v


class Adam(Optimizer):
    """Adam (Kingma and Ba, 2015), PyTorch's formulation with bias-corrected moment estimates.

    ``m = b1 m + (1 - b1) g``, ``v = b2 v + (1 - b2) g^2``, then
    ``p -= lr * (m / (1 - b1^t)) / (sqrt(v / (1 - b2^t)) + eps)`` at step ``t``.
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 0.001,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"Adam(betas): expected a pair such as (0.9, 0.999), got {betas!r:.40}")
        self.betas = (
            _checks.finite(betas[0], "Adam(betas[0])", 0.0, 1.0),
            _checks.finite(betas[1], "Adam(betas[1])", 0.0, 1.0),
        )
        self.eps = _checks.finite(eps, "Adam(eps)", 0.0, low_ok=False)
        self.t = 0
        n = len(self.params)
        self._m = [0.0] * n
        self._v = [0.0] * n

    def step(self) -> None:
        """One Adam update of each parameter from its ``.grad`` (the formulas above): step t + 1."""
        b1, b2 = self.betas
        self.t += 1
        c1 = 1.0 - b1**self.t  # bias corrections: m and v start at 0
        c2 = 1.0 - b2**self.t
        lr, eps, m, v = self.lr, self.eps, self._m, self._v
        for i, p in enumerate(self.params):
            g = p.grad
            m[i] = b1 * m[i] + (1.0 - b1) * g
            v[i] = b2 * v[i] + (1.0 - b2) * g * g
            p.data -= lr * (m[i] / c1) / (math.sqrt(v[i] / c2) + eps)


class LinearDecay:
    """Lowers ``optimizer.lr`` in a straight line to ``end_factor`` times its start over ``steps``.

    Call ``step()`` once per epoch; after ``steps`` calls the rate stays at its end value.
    micrograd's demo schedule, ``lr = 1.0 - 0.9 * k / 100``, is
    ``LinearDecay(SGD(params, lr=1.0), end_factor=0.1, steps=100)``.
    """

    def __init__(self, optimizer: Optimizer, end_factor: float = 0.1, steps: int = 100) -> None:
        if not isinstance(optimizer, Optimizer):
            raise TypeError(
                f"LinearDecay(optimizer): expected an SGD or Adam, got {type(optimizer).__name__}"
            )
        self.optimizer = optimizer
        # At most 1: a decay never raises the rate (LinearDecay(opt, 100) meaning steps=100 would
        # otherwise multiply it by 100).
        self.end_factor = _checks.finite(
            end_factor, "LinearDecay(end_factor)", 0.0, 1.0, high_ok=True
        )
        self.steps: int = _checks.integer(steps, "LinearDecay(steps)")
        self.start_lr: float = optimizer.lr
        self.count: int = 0

    def step(self) -> None:
        """Count one epoch and set ``optimizer.lr`` to the rate for it."""
        self.count += 1
        done = min(self.count, self.steps) / self.steps
        self.optimizer.lr = self.start_lr * (1.0 + (self.end_factor - 1.0) * done)
