"""Bad input to nn: building models and calling them:
each row a call, the error it raises and words its message says.

The rows and their shared machinery follow tests/bad_input.py; one test runs them all.
"""

from __future__ import annotations

import copy
from decimal import Decimal

import pytest
from bad_input import NOT_NUMBERS, call_id, check, inf, nan, np, short, table

from microprop import Value
from microprop.nn import MLP, Layer, Module, Neuron, article_network

ROWS, row = table()

# ---- nn: construction ----------------------------------------------------------------------------

SIZE_ARGUMENTS = {
    "Neuron(nin=?)": lambda n: Neuron(n),
    "Layer(nin=?, nout=2)": lambda n: Layer(n, 2),
    "Layer(nin=2, nout=?)": lambda n: Layer(2, n),
    "MLP(nin=?, nouts=[2, 1])": lambda n: MLP(n, [2, 1]),
    "MLP(nin=2, nouts=[3, ?, 1])": lambda n: MLP(2, [3, n, 1]),
}
SIZE_NAMES = ["Neuron(nin)", "Layer(nin)", "Layer(nout)", "MLP(nin)", "MLP(nouts[1])"]
BAD_SIZES: dict = {**NOT_NUMBERS, "float": 2.0, "bool": True, "nan": nan, "inf": inf}
if np is not None:
    BAD_SIZES["ndarray"] = np.array([3])
for (template, make), what in zip(SIZE_ARGUMENTS.items(), SIZE_NAMES, strict=True):
    for bad in BAD_SIZES.values():
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            what, "expected a positive int", f"got {type(bad).__name__}")
    for bad in (0, -1, -(10**30)):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), ValueError,
            what, "expected a positive int", f"got {bad}")
if np is not None:
    row("Neuron(nin=np.int64(0))", lambda: Neuron(np.int64(0)), ValueError, "positive int")

for bad in (3, None, "21", 2.5):
    row(f"MLP(nouts={short(bad)})", lambda bad=bad: MLP(2, bad), TypeError,
        "MLP(nouts)", "expected a list of layer sizes")
for bad in ([], (), {}):
    row(f"MLP(nouts={bad!r}) empty", lambda bad=bad: MLP(2, bad), ValueError,
        "MLP(nouts)", "at least one layer size")

ACTIVATION_ARGUMENTS = {
    "Neuron(activation=?)": (lambda a: Neuron(2, a), "Neuron(activation)"),
    "Layer(activation=?)": (lambda a: Layer(2, 2, a), "Layer(activation)"),
    "MLP(activation=?)": (lambda a: MLP(2, [1], activation=a), "MLP(activation)"),
    "MLP(output_activation=?)": (
        lambda a: MLP(2, [1], output_activation=a), "MLP(output_activation)"),
    "article_network(activation=?)": (
        lambda a: article_network(a), "article_network(activation)"),
}
for template, (make, what) in ACTIVATION_ARGUMENTS.items():
    for bad in ("gelu", "Tanh", ""):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), ValueError,
            what, f"unknown activation {bad!r}", "'relu', 'tanh', 'sigmoid', 'linear'")
    for bad in (1, ["tanh"], True):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            what, "expected a name such as 'tanh'", type(bad).__name__)

FLAG_ARGUMENTS = {
    "Neuron(bias=?)": (lambda b: Neuron(2, bias=b), "bias: expected True or False"),
    "Layer(bias=?)": (lambda b: Layer(2, 2, bias=b), "bias: expected True or False"),
    "MLP(output_bias=?)": (
        lambda b: MLP(2, [1], output_bias=b), "output_bias: expected True or False"),
}
for template, (make, words) in FLAG_ARGUMENTS.items():
    for bad in (0, 1, "yes", None):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            words, type(bad).__name__)

# micrograd's nonlin= switch: True or False (None, its default, means "not given").
NONLIN_ARGUMENTS = {
    "Neuron(nonlin=?)": (lambda b: Neuron(2, nonlin=b), "Neuron(nonlin)"),
    "Layer(nonlin=?)": (lambda b: Layer(2, 2, nonlin=b), "Layer(nonlin)"),
    "Neuron(tanh, nonlin=?)": (lambda b: Neuron(2, "tanh", nonlin=b), "Neuron(nonlin)"),
}
for template, (make, what) in NONLIN_ARGUMENTS.items():
    for bad in (0, 1, 1.0, "False", [True]):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            what, "expected True or False", type(bad).__name__)
row("Neuron(2, nonlin='no') (whole message)", lambda: Neuron(2, nonlin="no"), TypeError,
    "Neuron(nonlin): expected True or False, got str 'no'")
row("MLP(2, [1], nonlin=True) (micrograd's MLP has none: the last layer is linear)",
    lambda: MLP(2, [1], nonlin=True), TypeError, "unexpected keyword", "nonlin")
row("neuron.nonlin = False (it follows the activation)",
    lambda: setattr(Neuron(2), "nonlin", False), AttributeError, "nonlin")

SEED_ARGUMENTS = {
    "Neuron(seed=?)": (lambda s: Neuron(2, seed=s), "Neuron(seed)"),
    "Layer(seed=?)": (lambda s: Layer(2, 2, seed=s), "Layer(seed)"),
    "MLP(seed=?)": (lambda s: MLP(2, [1], seed=s), "MLP(seed)"),
    "article_network(seed=?)": (lambda s: article_network(seed=s), "MLP(seed)"),
}
for template, (make, what) in SEED_ARGUMENTS.items():
    for bad in (1.5, "0", True, [0], nan):
        row(call_id(template, bad), lambda make=make, bad=bad: make(bad), TypeError,
            what, "expected an int, a random.Random or None", type(bad).__name__)
row("Neuron(unknown=1)", lambda: Neuron(2, unknown=1), TypeError, "unexpected keyword")
row("MLP(2, [1], bias=False) (it is output_bias)", lambda: MLP(2, [1], bias=False), TypeError,
    "bias")

# ---- nn: calls -----------------------------------------------------------------------------------

MODELS = {
    "Neuron": Neuron(3, seed=0),
    "Layer": Layer(3, 2, seed=0),
    "MLP": MLP(3, [2, 1], seed=0),
}
for who, model in MODELS.items():
    for bad in ("abc", None, {"a": 1, "b": 2, "c": 3}, 1j, b"abc"):
        row(f"{who}(x={short(bad)})", lambda m=model, bad=bad: m(bad), TypeError,
            who, "expected a list of 3 numbers or Values", type(bad).__name__)
    for bad, n in [([1.0, 2.0], 2), ([1.0, 2.0, 3.0, 4.0], 4), ([], 0), ((), 0), (5.0, 1)]:
        row(f"{who}(x={short(bad)}) wrong length", lambda m=model, bad=bad: m(bad),
            ValueError, who, f"expected 3 inputs, got {n}")
    for bad in ("2", None, 1j, [2.0], Decimal("2")):
        x = [1.0, bad, 3.0]
        row(f"{who}(x={short(x)})", lambda m=model, x=x: m(x), TypeError,
            who, "inputs must be real numbers or Values", type(bad).__name__)
    for bad, shown in [(nan, nan), (inf, inf), (-inf, -inf), (Value(nan), nan),
                       (Value(inf), inf)]:
        x = [1.0, 2.0, bad]
        row(f"{who}(x={short(x)})", lambda m=model, x=x: m(x), ValueError,
            who, f"input 2 is {shown!r}", "must be finite")
    row(f"{who}(x=[10**400, 0, 0])", lambda m=model: m([10**400, 0, 0]), ValueError,
        who, "input 0 is too large")
    row(f"{who}(X) a whole data set", lambda m=model: m([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]),
        ValueError, who, "expected 3 inputs, got 2", "one row at a time")
    if np is not None:
        row(f"{who}(np.ones((2, 3)))", lambda m=model: m(np.ones((2, 3))), ValueError,
            "expected 3 inputs, got 2", "one row at a time")
        row(f"{who}(np.array([1, nan, 3]))", lambda m=model: m(np.array([1.0, nan, 3.0])),
            ValueError, "input 1 is nan")
row("Neuron(1)(nan) a single number", lambda: Neuron(1, seed=0)(nan), ValueError,
    "input 0 is nan")
row("Neuron(1)('1') a str for one input", lambda: Neuron(1, seed=0)("1"), TypeError,
    "got str")

STATE = MLP(2, [1], seed=0).state_dict()  # {"layers.0.neurons.0.w.0": ..., w.1, b}
for what, state, error, words in [
    ("a list", list(STATE.values()), TypeError, ("load_state_dict", "expected a dict")),
    ("a missing name", {"layers.0.neurons.0.w.0": 1.0, "layers.0.neurons.0.b": 0.0},
     ValueError, ("missing 'layers.0.neurons.0.w.1'",)),
    ("an unexpected name", {**STATE, "extra": 1.0}, ValueError, ("unexpected 'extra'",)),
    ("a str value", {**STATE, "layers.0.neurons.0.b": "0.5"}, TypeError,
     ("parameter layers.0.neurons.0.b is a str, expected a number",)),
    ("a None value", {**STATE, "layers.0.neurons.0.b": None}, TypeError,
     ("is a NoneType, expected a number",)),
    ("a bool value", {**STATE, "layers.0.neurons.0.b": True}, TypeError,
     ("is a bool, expected a number",)),
    ("a complex value", {**STATE, "layers.0.neurons.0.b": 1j}, TypeError,
     ("is a complex, expected a number",)),
    ("a Value", {**STATE, "layers.0.neurons.0.b": Value(0.5)}, TypeError,
     ("is a Value, expected a number",)),
    ("a NaN", {**STATE, "layers.0.neurons.0.b": nan}, ValueError,
     ("parameter layers.0.neurons.0.b is nan; expected a finite number",)),
    ("an inf", {**STATE, "layers.0.neurons.0.b": -inf}, ValueError,
     ("is -inf; expected a finite number",)),
    ("a huge int", {**STATE, "layers.0.neurons.0.b": 10**400}, ValueError,
     ("is too large for a float; expected a finite number",)),
]:
    row(f"load_state_dict({what})", lambda state=state: MLP(2, [1], seed=0).load_state_dict(state),
        error, *words)

row("copy.copy(model)", lambda: copy.copy(MLP(2, [1], seed=0)), TypeError,
    "would share the parameters", "copy.deepcopy")
for name, model in [
    ("article_network(seed=1)", lambda: article_network(seed=1)),
    ("MLP(3, [4, 4, 1], relu, sigmoid)",
     lambda: MLP(3, [4, 4, 1], activation="relu", output_activation="sigmoid", seed=2)),
    ("Layer(3, 2, tanh, bias=False)", lambda: Layer(3, 2, "tanh", bias=False, seed=3)),
    ("Neuron(4, linear)", lambda: Neuron(4, "linear", seed=4)),
]:
    row(f"copy.copy({name})", lambda model=model: copy.copy(model()), TypeError,
        "would share the parameters", "copy.deepcopy")


def to_torch_of_a_bare_module() -> object:
    pytest.importorskip("torch")
    return Module().to_torch()


row("Module().to_torch()", to_torch_of_a_bare_module, NotImplementedError,
    "no PyTorch equivalent")
row("Module()(x)", lambda: Module()([1.0]), NotImplementedError)


# ---- whole messages, read as written ------------------------------------------------------------

KNOWN = "expected one of 'relu', 'tanh', 'sigmoid', 'linear'"
SEED = "expected an int, a random.Random or None"

row("Neuron(2, seed=0).load_state_dict([]) (whole message)",
    lambda: Neuron(2, seed=0).load_state_dict([]), TypeError,
    "load_state_dict: expected a dict, got list")
row("Neuron(2, seed=0).load_state_dict({}) (whole message)",
    lambda: Neuron(2, seed=0).load_state_dict({}), ValueError,
    "load_state_dict: the state does not fit this Neuron (3 parameters): "
    "missing 'w.0', 'w.1', 'b'")
row("Neuron(3, seed=0).load_state_dict({'w': 1.0}) (whole message)",
    lambda: Neuron(3, seed=0).load_state_dict({"w": 1.0}), ValueError,
    "load_state_dict: the state does not fit this Neuron (4 parameters): "
    "missing 'w.0', 'w.1', 'w.2' and 1 more; unexpected 'w'")
row("Neuron(2, seed=0).load_state_dict(w.1 nan) (whole message)",
    lambda: Neuron(2, seed=0).load_state_dict({"w.0": 1.0, "w.1": nan, "b": 0.0}), ValueError,
    "load_state_dict: parameter w.1 is nan; expected a finite number")
row("Neuron(2, seed=0).load_state_dict(b '0.5') (whole message)",
    lambda: Neuron(2, seed=0).load_state_dict({"w.0": 1.0, "w.1": 2.0, "b": "0.5"}), TypeError,
    "load_state_dict: parameter b is a str, expected a number")
row("MLP(2, [2, 1], seed=0).load_state_dict({}) (whole message)",
    lambda: MLP(2, [2, 1], seed=0).load_state_dict({}), ValueError,
    "load_state_dict: the state does not fit this MLP (9 parameters): missing "
    "'layers.0.neurons.0.w.0', 'layers.0.neurons.0.w.1', 'layers.0.neurons.0.b' and 6 more")
row("copy.copy(Layer(2, 2, seed=0)) (whole message)",
    lambda: copy.copy(Layer(2, 2, seed=0)), TypeError,
    "copy.copy(Layer) would share the parameters with the original, so training the copy "
    "would train the original too; use copy.deepcopy(model) for an independent model")
row("Module().to_torch() (whole message)", lambda: Module().to_torch(), NotImplementedError,
    "Module has no PyTorch equivalent")
row("MLP(2, 5) (whole message)", lambda: MLP(2, 5), TypeError,
    "MLP(nouts): expected a list of layer sizes such as [16, 16, 1], got int")
row("MLP(2, []) (whole message)", lambda: MLP(2, []), ValueError,
    "MLP(nouts): expected at least one layer size, got an empty list")
row("Neuron(2, 'gelu') (whole message)", lambda: Neuron(2, "gelu"), ValueError,
    f"Neuron(activation): unknown activation 'gelu'; {KNOWN}")
row("Neuron(2, seed='x') (whole message)", lambda: Neuron(2, seed="x"), TypeError,
    f"Neuron(seed): {SEED}, got str")
row("Layer(0, 2) (whole message)", lambda: Layer(0, 2), ValueError,
    "Layer(nin): expected a positive int, got 0")
row("Layer(2, 2, 5) (whole message)", lambda: Layer(2, 2, 5), TypeError,
    "Layer(activation): expected a name such as 'tanh', got int")
row("Layer(2, 2, seed=1.5) (whole message)", lambda: Layer(2, 2, seed=1.5), TypeError,
    f"Layer(seed): {SEED}, got float")
row("MLP(2, [1], activation='gelu') (whole message)",
    lambda: MLP(2, [1], activation="gelu"), ValueError,
    f"MLP(activation): unknown activation 'gelu'; {KNOWN}")
row("MLP(2, [1], output_activation='gelu') (whole message)",
    lambda: MLP(2, [1], output_activation="gelu"), ValueError,
    f"MLP(output_activation): unknown activation 'gelu'; {KNOWN}")
row("MLP(2, [1], seed='s') (whole message)", lambda: MLP(2, [1], seed="s"), TypeError,
    f"MLP(seed): {SEED}, got str")
row("article_network('gelu') (whole message)", lambda: article_network("gelu"), ValueError,
    f"article_network(activation): unknown activation 'gelu'; {KNOWN}")
row("Neuron(2, seed=0)([[1.0, 2.0]]) (whole message)",
    lambda: Neuron(2, seed=0)([[1.0, 2.0]]), ValueError,
    "Neuron: expected 2 inputs, got 1; call the model on one row at a time")
row("Neuron(1, seed=0)([[1.0], [2.0]]) (whole message)",
    lambda: Neuron(1, seed=0)([[1.0], [2.0]]), ValueError,
    "Neuron: expected 1 inputs, got 2")  # one input per row: nothing to hint
row("Neuron(2, seed=0)([1.0, 2.0, 3.0]) (whole message)",
    lambda: Neuron(2, seed=0)([1.0, 2.0, 3.0]), ValueError,
    "Neuron: expected 2 inputs, got 3")
row("Layer(2, 2, seed=0)([1.0, nan]) (whole message)",
    lambda: Layer(2, 2, seed=0)([1.0, nan]), ValueError,
    "Layer: input 1 is nan; inputs must be finite numbers (a NaN or infinite input can "
    "only give a useless output)")


# ---- the words test_nn.py checked inline ---------------------------------------------------------

for x in ([1.0, 2.0], [1.0, 2.0, 3.0, 4.0, 5.0], []):
    row(f"article_network()(x={short(x)})", lambda x=x: article_network(seed=0)(x), ValueError,
        f"expected 4 inputs, got {len(x)}")
    row(f"Neuron(4)(x={short(x)})", lambda x=x: Neuron(4)(x), ValueError,
        f"Neuron: expected 4 inputs, got {len(x)}")
    row(f"Layer(4, 2)(x={short(x)})", lambda x=x: Layer(4, 2)(x), ValueError,
        f"Layer: expected 4 inputs, got {len(x)}")
for x, words in [
    ("abcd", "expected a list of 4 numbers or Values, got str"),
    (None, "got NoneType"),
    ({"a": 1, "b": 2, "c": 3, "d": 4}, "got dict"),
    ([1.0, 2.0, "3", 4.0], "inputs must be real numbers or Values, got str"),
    ([1.0, 2.0, None, 4.0], "got NoneType"),
    ([1.0, 2.0, 3j, 4.0], "got complex"),
    ([[1.0], [2.0], [3.0], [4.0]], "got list"),
]:
    row(f"article_network()(x={short(x)})", lambda x=x: article_network(seed=0)(x), TypeError,
        words)
for name, make, error, words in [
    ("Neuron(0)", lambda: Neuron(0), ValueError, "Neuron(nin): expected a positive int, got 0"),
    ("Layer(2, -1)", lambda: Layer(2, -1), ValueError,
     "Layer(nout): expected a positive int, got -1"),
    ("MLP(2.0, [1])", lambda: MLP(2.0, [1]), TypeError,
     "MLP(nin): expected a positive int, got float"),
    ("MLP(True, [1])", lambda: MLP(True, [1]), TypeError, "got bool"),
    ("MLP('3', [1])", lambda: MLP("3", [1]), TypeError, "got str"),
    ("MLP(2, [])", lambda: MLP(2, []), ValueError, "at least one layer size"),
    ("MLP(2, 3)", lambda: MLP(2, 3), TypeError, "expected a list of layer sizes"),
    ("MLP(2, [2, 0, 1])", lambda: MLP(2, [2, 0, 1]), ValueError,
     "MLP(nouts[1]): expected a positive int"),
    ("MLP(2, [1], activation='gelu')", lambda: MLP(2, [1], activation="gelu"), ValueError,
     "unknown activation 'gelu'"),
    ("MLP(2, [1], output_activation=1)", lambda: MLP(2, [1], output_activation=1), TypeError,
     "expected a name"),
    ("MLP(2, [1], output_bias=0)", lambda: MLP(2, [1], output_bias=0), TypeError,
     "output_bias: expected True or False"),
    ("Neuron(2, seed=1.5)", lambda: Neuron(2, seed=1.5), TypeError,
     "expected an int, a random.Random or None"),
    ("Neuron(2, seed=True)", lambda: Neuron(2, seed=True), TypeError, "got bool"),
    ("Neuron(2, 'swish')", lambda: Neuron(2, "swish"), ValueError,
     "'relu', 'tanh', 'sigmoid', 'linear'"),
]:
    row(name, make, error, words)
row("Module.from_config([1])", lambda: Module.from_config([1]), TypeError,
    "Module.from_config(config): expected a dict")
row("Module.from_config({'type': 'CNN'})", lambda: Module.from_config({"type": "CNN"}), ValueError,
    "unknown module type 'CNN'; expected one of 'Neuron'")


@pytest.mark.parametrize("case", ROWS)
def test_bad_input_raises_an_error_naming_what_was_wrong(case, tmp_path, monkeypatch):
    check(case, tmp_path, monkeypatch)

# ---- whole messages of a model's input count and of rebuilding from a config -------------------

for id, call, error, message in [
    ("MLP on a whole data set (whole message)", lambda: MLP(2, [2, 1])([[1, 2], [3, 4], [5, 6]]),
     ValueError, "MLP: expected 2 inputs, got 3; call the model on one row at a time"),
    ("MLP on too many numbers (whole message)", lambda: MLP(2, [1])([1.0, 2.0, 3.0]),
     ValueError, "MLP: expected 2 inputs, got 3"),
    ("Neuron(1) on two rows (whole message)", lambda: Neuron(1)([[1.0], [2.0]]),
     ValueError, "Neuron: expected 1 inputs, got 2"),
    ("Module.from_config(3) (whole message)", lambda: Module.from_config(3),
     TypeError, "Module.from_config(config): expected a dict, got int"),
    ("Module.from_config type 5 (whole message)", lambda: Module.from_config({"type": 5}),
     TypeError, "Module.from_config(config): expected a name such as 'Neuron', got int"),
    ("Module.from_config type CNN (whole message)", lambda: Module.from_config({"type": "CNN"}),
     ValueError, "Module.from_config(config): unknown module type 'CNN'; "
     "expected one of 'Neuron', 'Layer', 'MLP'"),
]:
    row(id, call, error, message)
