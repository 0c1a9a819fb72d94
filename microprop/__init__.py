"""microprop: scalar automatic differentiation, and a small neural-network library on top."""

from . import data, func, losses, nn, optim, train
from .compile import compile as compile  # not in __all__ either, for the same reason
from .derivatives import grad
from .engine import (
    Value,
    detect_anomaly,
    dot,
    is_anomaly_enabled,
    is_grad_enabled,
    log_softmax,
    logsumexp,
    no_grad,
    op,
    softmax,
    take,
)
from .engine import sum as sum  # not in __all__: a star import must not hide the built-in
from .explain import backward_steps, explain
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .serialization import load, save
from .train import fit
from .viz import draw_dot, draw_step, draw_steps  # graphviz is imported only when they are called

__all__ = ["Value", "dot", "no_grad", "is_grad_enabled", "gradcheck", "GradcheckError"]
__all__ += ["nn", "losses", "optim", "data", "train", "fit", "save", "load"]
__all__ += ["explain", "backward_steps", "draw_dot", "draw_step", "draw_steps"]
__all__ += ["detect_anomaly", "is_anomaly_enabled", "logsumexp", "log_softmax", "softmax"]
__all__ += ["op", "grad", "func", "gradgradcheck", "take"]
__version__ = "0.1.0"
