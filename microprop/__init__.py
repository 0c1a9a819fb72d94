"""microprop: scalar automatic differentiation, and a small neural-network library on top."""

from . import data, func, losses, nn, optim, train
from . import explain as _explain_module  # the module, before its function takes the name
from . import viz as _viz
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
from .viz import draw_dot  # graphviz itself is imported only when draw_dot is called

# explain never imports viz (viz imports it), so the drawing of a backward step is handed over here.
_explain_module._draw_step = _viz._draw_step
del _explain_module, _viz

__all__ = ["Value", "dot", "no_grad", "is_grad_enabled", "gradcheck", "GradcheckError"]
__all__ += ["nn", "losses", "optim", "data", "train", "fit", "save", "load"]
__all__ += ["explain", "backward_steps", "draw_dot"]
__all__ += ["detect_anomaly", "is_anomaly_enabled", "logsumexp", "log_softmax", "softmax"]
__all__ += ["op", "grad", "func", "gradgradcheck", "take"]
__version__ = "0.1.0"
