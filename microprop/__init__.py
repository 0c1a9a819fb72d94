"""microprop: scalar automatic differentiation, and a small neural-network library on top."""

from . import data, func, losses, nn, optim, train
from .compile import compile as compile  # not in __all__ either, for the same reason
from .custom_op import op
from .derivatives import grad
from .engine import Value, detect_anomaly, enable_grad, is_anomaly_enabled, is_grad_enabled, no_grad
from .explain import backward_steps, explain
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from .nary import dot, log_softmax, logsumexp, softmax, take
from .nary import sum as sum  # not in __all__: a star import must not hide the built-in
from .serialization import load, save
from .train import fit
from .viz import draw_dot, draw_step, draw_steps  # graphviz is imported only when they are called

__all__ = ["Value", "dot", "no_grad", "enable_grad", "is_grad_enabled", "gradcheck"]
__all__ += ["GradcheckError"]
__all__ += ["nn", "losses", "optim", "data", "train", "fit", "save", "load"]
__all__ += ["explain", "backward_steps", "draw_dot", "draw_step", "draw_steps"]
__all__ += ["detect_anomaly", "is_anomaly_enabled", "logsumexp", "log_softmax", "softmax"]
__all__ += ["op", "grad", "func", "gradgradcheck", "take"]
__version__ = "0.2.0"
