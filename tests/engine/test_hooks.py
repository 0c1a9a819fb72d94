"""Hooks: ``v.register_hook(fn)`` sees (and may replace) the gradient flowing into ``v``.

Every scenario runs twice, on Values and on float64 PyTorch tensors, and must record the same
calls and give the same gradients: PyTorch's tensor hooks are the specification.
"""

from __future__ import annotations

import pytest

from microprop import Value, detect_anomaly

torch = pytest.importorskip("torch")


def _leaf(kind, x):
    if kind == "torch":
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)
    return Value(x)


def _number(g):
    return float(g)


def _scenario(kind, build):
    """Run ``build(leaf, log)`` then backward; return the log of hook calls and the leaf grads."""
    log: list = []
    x = _leaf(kind, 2.0)
    out = build(x, log)
    out.backward()
    grads = [_number(x.grad)]
    return log, grads


def _leaf_hook_sees_the_whole_gradient_once(x, log):
    x.register_hook(lambda g: log.append(("x", _number(g))))
    return x * x + x * 3  # two paths into x: 4 + 3


def _returned_number_replaces_what_a_leaf_adds(x, log):
    x.register_hook(lambda g: g * 10)
    return x * x


def _intermediate_hook_changes_what_flows_on(x, log):
    y = x * x
    y.register_hook(lambda g: log.append(("y", _number(g))) or g * 0.5)
    return y * 3  # y receives 3, passes 1.5 on: x.grad = 1.5 * 2x = 6


def _hooks_run_in_order_each_seeing_the_last_result(x, log):
    x.register_hook(lambda g: log.append(("first", _number(g))) or g + 1)
    x.register_hook(lambda g: log.append(("second", _number(g))) or g * 2)
    return x * 5  # 5, then 6, then 12 is added


def _a_removed_hook_is_not_called(x, log):
    handle = x.register_hook(lambda g: log.append(("removed", _number(g))))
    x.register_hook(lambda g: log.append(("kept", _number(g))))
    handle.remove()
    handle.remove()  # twice is harmless
    return x * 5


def _the_root_hook_sees_one(x, log):
    y = x * 4
    y.register_hook(lambda g: log.append(("root", _number(g))))
    return y


SCENARIOS = [
    _leaf_hook_sees_the_whole_gradient_once,
    _returned_number_replaces_what_a_leaf_adds,
    _intermediate_hook_changes_what_flows_on,
    _hooks_run_in_order_each_seeing_the_last_result,
    _a_removed_hook_is_not_called,
    _the_root_hook_sees_one,
]


@pytest.mark.parametrize("build", SCENARIOS, ids=lambda f: f.__name__.strip("_"))
def test_hooks_are_called_as_pytorch_calls_them(build):
    assert _scenario("microprop", build) == _scenario("torch", build)


def test_a_leaf_hook_runs_on_each_backward_and_grad_still_accumulates():
    x = Value(2.0)
    seen = []
    x.register_hook(lambda g: seen.append(g))
    y = x * x
    y.backward()
    y.backward()
    assert (seen, x.grad) == ([4.0, 4.0], 8.0)


def test_numbers_are_as_written_by_hand():
    x = Value(3.0)
    x.register_hook(lambda g: min(g, 1.0))  # clipping
    (x * x).backward()
    assert x.grad == 1.0


# ---- a hook concerns its own graph only --------------------------------------------------------


def _closure_graph(slope=3.0):
    """x * 3 made micrograd's way (a node with a _backward closure of a user's own), whose
    _backward passes back ``slope`` times its gradient."""
    x = Value(2.0)
    out = Value(x.data * 3.0, (x,), "*3")

    def _backward():
        x.grad += slope * out.grad

    out._backward = _backward
    return x, out


def test_a_hook_elsewhere_does_not_stop_a_closure_graphs_backward():
    """Defect: a hook on any Value anywhere made backward() refuse every micrograd-closure
    graph ("a graph with a _backward closure cannot run hooks")."""
    elsewhere = Value(1.0)
    handle = elsewhere.register_hook(lambda g: g)
    x, out = _closure_graph()
    out.backward()
    assert x.grad == 3.0
    handle.remove()


def _overflowing_backward():
    """A graph whose values are finite and whose backward pass overflows: a.grad = b * c."""
    a, b, c = Value(1e-300, label="a"), Value(1e300), Value(1e300)
    return (a * b) * c


def test_a_hook_elsewhere_does_not_switch_off_detect_anomaly():
    """Defect: a hook on any Value anywhere switched off detect_anomaly's checks in every
    backward(), since the hooked way through backward did not check."""
    elsewhere = Value(1.0)
    handle = elsewhere.register_hook(lambda g: g)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="gradient of a .* became inf"):
        _overflowing_backward().backward()
    handle.remove()


def test_detect_anomaly_checks_a_hooked_graph_and_a_closure_graph_too():
    root = _overflowing_backward()
    root.register_hook(lambda g: g)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="gradient of a .* became inf"):
        root.backward()
    leaf = Value(2.0)
    leaf.register_hook(lambda g: g * 1e308)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="its hooks made"):
        (leaf * 10.0).backward()
    x, out = _closure_graph(slope=1e300)
    with detect_anomaly(), pytest.raises(FloatingPointError, match="the _backward of"):
        (out * 1e300).backward()
