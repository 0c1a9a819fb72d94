"""Neurons, layers and multi-layer perceptrons built from ``Value``s.

A neuron is the article's ``a = f(z)``, ``z = sum_k w_k a_k + b``: one ``dot`` node for ``z`` and
one node for ``f``. Every parameter is a leaf ``Value`` whose ``.label`` is its dotted name.

The article's 4-2-2-1 network is ``article_network()``, an ``MLP(4, [2, 2, 1])`` with a linear
output neuron and no output bias. Its symbols map to attributes like this (indices in the article
start at 1, Python's at 0; the superscript on W and b is the layer they come *from*, quirk Q2, and
``W_jk`` goes from neuron k of that layer to neuron j of the next, quirk Q5):

    W^(l)_jk  ->  model.layers[l-1].neurons[j-1].w[k-1]   named "layers.{l-1}.neurons.{j-1}.w.{k-1}"
    b^(l)_j   ->  model.layers[l-1].neurons[j-1].b        named "layers.{l-1}.neurons.{j-1}.b"
    W^(3)_1k  ->  model.layers[2].neurons[0].w[k-1]       (s has no bias: that .b is None)

So the worked example's ``w^(2)_22`` is ``model.layers[1].neurons[1].w[1]``, named
``layers.1.neurons.1.w.1``.

Initialisation, two ways, chosen by how the model is called:

- micrograd's call forms, ``Neuron(nin)``, ``Layer(nin, nout)``, ``MLP(nin, nouts)``, with at most
  ``nonlin=``: exactly micrograd 0.1.0's draws. Each weight is ``random.uniform(-1, 1)`` from the
  global ``random`` module, neuron by neuron and layer by layer (``w.0``, ``w.1``, ... of
  ``neurons.0``, then ``neurons.1``, ...), and every bias starts at 0.0 (nothing drawn). So
  ``random.seed(1337)`` then micrograd's ``demo.ipynb`` prints micrograd's own numbers.
- microprop's forms, any of ``activation``, ``bias``, ``seed`` (and for ``MLP``
  ``output_activation``, ``output_bias``; ``article_network`` always): every weight and bias is
  drawn uniformly from ``[-1/sqrt(nin), 1/sqrt(nin)]``, ``nin`` being the neuron's number of
  inputs (the bounds of ``torch.nn.Linear``'s default), in the order of ``named_parameters()``.
  ``seed`` is an int, a ``random.Random`` (shared, so it advances) or None for the global
  ``random`` module.

``nonlin`` is micrograd's switch: True is ReLU, False linear; given with ``activation`` it wins.
``Neuron.nonlin`` and ``Layer.nonlin`` say whether the activation is anything but linear.

NaN and infinity: calling a model with an input that is NaN or +-inf (a number, or a Value
holding one) raises ``ValueError`` naming the input's index, because such an input can only give
a silently useless output. Parameters and the ops themselves follow the engine, which propagates
NaN and inf per IEEE 754; ``microprop.train.fit`` stops when the loss stops being finite.

Copies: ``copy.deepcopy(model)`` and ``pickle`` give an independent model with equal parameters.
``copy.copy(model)`` is refused, because a shallow copy would share the parameters, so training
the copy would train the original too.
"""

from __future__ import annotations

import math
import numbers
import random
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from . import interop
from ._checks import choice
from ._checks import element as _element
from ._checks import few as _few
from ._checks import flag as _flag
from ._checks import integer as _size
from ._checks import rng as _rng
from .engine import Value
from .nary import dot

__all__ = ["Module", "Neuron", "Layer", "MLP", "article_network", "ACTIVATION_NAMES"]


@dataclass(frozen=True)
class Activation:
    """An activation ``f`` by name: what applies it here, and what PyTorch calls it."""

    name: str
    apply: Callable[[Value], Value] | None  # a Value method; None: the identity, no extra node
    torch: str | None  # the torch.nn module for to_torch(); None: nothing to add


# The one list of activations: the models, the command line's choices, loading a saved model and
# to_torch() all read it, so adding an activation is one row here (plus its tests).
ACTIVATION_TABLE: dict[str, Activation] = {
    a.name: a
    for a in (
        Activation("relu", Value.relu, "ReLU"),
        Activation("tanh", Value.tanh, "Tanh"),
        Activation("sigmoid", Value.sigmoid, "Sigmoid"),
        Activation("linear", None, None),
    )
}
ACTIVATION_NAMES = tuple(ACTIVATION_TABLE)  # the activation functions by name, in table order

Seed = int | random.Random | None


class _Unset:
    """The default of microprop's own keywords: not given means micrograd's initialisation."""

    def __repr__(self) -> str:
        return "<not given>"


_UNSET: Any = _Unset()


def _micrograd_form(*given: object) -> bool:
    """True when none of microprop's own keywords was given: micrograd's call form."""
    return all(g is _UNSET for g in given)


def _nonlin(nonlin: object, activation: str | None, what: str) -> str | None:
    """The activation after micrograd's ``nonlin=`` switch (True: ReLU, False: linear; it wins)."""
    if nonlin is None:
        return activation
    return "relu" if _flag(nonlin, what) else "linear"


class Module:
    """Anything with parameters: gives them names, gradients to zero, and a state to save."""

    # The constructor arguments that config() gives, in the order a saved file lists them.
    _config_keys: tuple[str, ...] = ()

    def __call__(self, x: Iterable[Value | float] | Value | float) -> Value | list[Value]:
        """The model's output for one input row: a Value for one output, else a list."""
        raise NotImplementedError

    # How many outputs a model has is a number in a list (MLP(2, [16, 16, 1])), which a type
    # checker cannot read, so model(x) is typed Value | list[Value]. These two say which it is.
    def one(self, x: Iterable[Value | float] | Value | float) -> Value:
        """``model(x)`` for a model with one output, typed as a ``Value``: ``(m.one(x) - y) ** 2``.

        Raises ``ValueError`` for a model with several outputs (``outputs(x)`` gives their list).
        """
        out = self(x)
        if isinstance(out, list):
            raise ValueError(f"{type(self).__name__}.one: the model has {len(out)} outputs; "
                             "model.outputs(x) gives them as a list")
        return out

    def outputs(self, x: Iterable[Value | float] | Value | float) -> list[Value]:
        """``model(x)`` as a list of Values, one per output, even for a model with one output."""
        out = self(x)
        return out if isinstance(out, list) else [out]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``(name, Value)`` pairs in a fixed order, named like ``layers.0.neurons.1.b``."""
        return []

    def parameters(self) -> list[Value]:
        """The parameters in the order of ``named_parameters()``, without building the names."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Set every parameter's ``.grad`` to 0.0 (``backward()`` accumulates into leaves)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """Parameter name -> value, as plain floats (a snapshot, not linked to the model)."""
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from ``state``, which must have exactly this model's names.

        Everything is checked before anything is written, so a bad state leaves the model as it
        was. Values must be finite real numbers.
        """
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict: expected a dict, got {type(state).__name__}")
        named = self.named_parameters()
        names = [name for name, _ in named]
        known = set(names)
        missing = [n for n in names if n not in state]
        unexpected = [n for n in state if n not in known]
        if missing or unexpected:
            parts = []
            if missing:
                parts.append(f"missing {_few(missing)}")
            if unexpected:
                parts.append(f"unexpected {_few(unexpected)}")
            raise ValueError(
                f"load_state_dict: the state does not fit this {type(self).__name__} "
                f"({len(names)} parameters): {'; '.join(parts)}"
            )
        values = [
            _element(state[name], f"load_state_dict: parameter {name}", "expected a finite number")
            for name in names
        ]
        for (_, p), x in zip(named, values, strict=True):
            p.data = x

    def __copy__(self) -> Module:
        raise TypeError(
            f"copy.copy({type(self).__name__}) would share the parameters with the original, so "
            "training the copy would train the original too; use copy.deepcopy(model) for an "
            "independent model"
        )

    def to_torch(self) -> Any:
        """An equivalent ``torch.nn.Sequential`` in float64, holding copies of the parameters.

        Its output for a batch ``(n, nin)`` tensor is ``(n, nout)``; it matches this model to
        about 1e-12. Needs PyTorch (the ``torch`` extra). See ``microprop.interop``.
        """
        return interop.to_torch(self)

    def _dense_layers(self) -> list[tuple[int, Activation, list[Neuron]]]:
        """``(nin, activation, neurons)`` for each layer, in order: the model as dense layers."""
        raise NotImplementedError(f"{type(self).__name__} has no PyTorch equivalent")

    def config(self) -> dict[str, Any]:
        """The architecture as plain data: ``{"type": ..., constructor argument: value, ...}``.

        ``Module.from_config(model.config())`` builds a model of the same shape, with freshly
        drawn parameters; ``save`` writes this dict as the file's architecture.
        """
        raise NotImplementedError(f"{type(self).__name__} has no config")

    @staticmethod
    def from_config(config: Mapping[str, Any], *, seed: Seed = None) -> Module:
        """A new model of the architecture ``config`` describes (as ``config()`` gives it)."""
        if not isinstance(config, Mapping):
            raise TypeError(
                f"Module.from_config(config): expected a dict, got {type(config).__name__}"
            )
        what = "Module.from_config(config)"
        kind: Any = MODULE_TYPES[choice(config.get("type"), what, MODULE_TYPES, "module type")]
        made: Module = kind(**{k: v for k, v in config.items() if k != "type"}, seed=seed)
        return made

    @classmethod
    def _parameter_count(cls, config: Mapping[str, Any]) -> int | None:
        """How many parameters ``config`` describes, or None when its sizes are malformed.

        Counted from the numbers alone, so a corrupted size (say nin = 10**9) costs nothing.
        """
        sizes, bias = cls._layer_sizes(config)
        ins = [config["nin"], *sizes] if isinstance(sizes, list) else []
        if not ins or not all(type(n) is int and n >= 1 for n in ins) or type(bias) is not bool:
            return None
        last = len(ins) - 2  # only the last layer may go without biases
        count: int = sum(
            (ins[i] + (bias is True if i == last else 1)) * ins[i + 1] for i in range(last + 1)
        )
        return count

    @classmethod
    def _layer_sizes(cls, config: Mapping[str, Any]) -> tuple[object, object]:
        """The layer sizes ``config`` gives, and whether the last layer has biases (unchecked)."""
        raise NotImplementedError(f"{cls.__name__} has no config")

    def _label_parameters(self) -> None:
        # Labels are the names, so a graph drawing shows "layers.1.neurons.1.w.1", not a blank.
        for name, p in self.named_parameters():
            p.label = name


class Neuron(Module):
    """One neuron, ``f(w . x + b)``: ``w`` is a list of ``nin`` Values, ``b`` a Value or None.

    ``Neuron(nin)`` or ``Neuron(nin, nonlin=...)`` is micrograd's: weights ``random.uniform(-1, 1)``
    from the global ``random``, bias 0. With ``activation``, ``bias`` or ``seed`` given, weights
    and bias are uniform in ``[-1/sqrt(nin), 1/sqrt(nin)]`` (see the module docstring).
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = _UNSET,
        *,
        bias: bool = _UNSET,
        seed: Seed = _UNSET,
        nonlin: bool | None = None,
    ) -> None:
        micrograd = _micrograd_form(activation, bias, seed)
        activation = _nonlin(nonlin, "relu" if activation is _UNSET else activation,
                             "Neuron(nonlin)")
        self.nin = _size(nin, "Neuron(nin)")
        self._activation, self._f = _activation(activation, "Neuron(activation)")
        if micrograd:  # micrograd 0.1.0: w ~ U(-1, 1) from the global random, b = 0
            self.w = [Value(random.uniform(-1, 1)) for _ in range(self.nin)]
            self.b: Value | None = Value(0.0)
        else:
            rng = _rng(None if seed is _UNSET else seed, "Neuron(seed)")
            bound = 1.0 / math.sqrt(self.nin)
            self.w = [Value(rng.uniform(-bound, bound)) for _ in range(self.nin)]
            has_bias = _flag(True if bias is _UNSET else bias, "bias")
            self.b = Value(rng.uniform(-bound, bound)) if has_bias else None
        self._label_parameters()

    @property
    def activation(self) -> str:
        """The activation's name: "relu", "tanh", "sigmoid" or "linear"."""
        return self._activation

    @property
    def nonlin(self) -> bool:
        """micrograd's flag: True unless the activation is linear."""
        return self._activation != "linear"

    def __call__(self, x: Iterable[Value | float] | Value | float) -> Value:
        return self._forward(_inputs(x, self.nin, "Neuron"))

    def _forward(self, xs: list[Any]) -> Value:
        # The hot path: inputs are already checked, so just one dot node and one f node.
        z = dot(self.w, xs, 0.0 if self.b is None else self.b)
        f = self._f
        return z if f is None else f(z)

    def z_and_a(self, x: Iterable[Value | float] | Value | float) -> tuple[Value, Value]:
        """The article's two values of this neuron: ``z = w · x + b`` and ``a = f(z)``.

        The same nodes ``neuron(x)`` makes (``a`` is ``z`` itself for a linear neuron), so that
        a forward pass can be named as the article names it (see ``microprop.article``).
        """
        z = dot(self.w, _inputs(x, self.nin, "Neuron.z_and_a"), 0.0 if self.b is None else self.b)
        return z, z if self._f is None else self._f(z)

    def parameters(self) -> list[Value]:
        """The weights, then the bias (if any): ``[*w, b]``."""
        # The hot path of zero_grad() and every optimizer step: no names built.
        return [*self.w] if self.b is None else [*self.w, self.b]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """``("w.0", w[0])``, ``("w.1", w[1])``, ..., then ``("b", b)`` when there is a bias."""
        named = [(f"w.{k}", w) for k, w in enumerate(self.w)]
        if self.b is not None:
            named.append(("b", self.b))
        return named

    _config_keys = ("nin", "activation", "bias")

    def config(self) -> dict[str, Any]:
        """``{"type": "Neuron", "nin": ..., "activation": ..., "bias": ...}``."""
        return {
            "type": "Neuron",
            "nin": self.nin,
            "activation": self._activation,
            "bias": self.b is not None,
        }

    @classmethod
    def _layer_sizes(cls, config: Mapping[str, Any]) -> tuple[object, object]:
        return [1], config["bias"]

    def _dense_layers(self) -> list[tuple[int, Activation, list[Neuron]]]:
        return [(self.nin, ACTIVATION_TABLE[self._activation], [self])]

    def __repr__(self) -> str:
        bias = "" if self.b is not None else ", bias=False"
        return f"Neuron({self.nin}, {self._activation!r}{bias})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs; ``layer(x)`` gives their outputs.

    ``Layer(nin, nout)`` (and ``nonlin=``) draws as micrograd does, neuron by neuron; with
    ``activation``, ``bias`` or ``seed`` given, as microprop does (see the module docstring).
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = _UNSET,
        *,
        bias: bool = _UNSET,
        seed: Seed = _UNSET,
        nonlin: bool | None = None,
    ) -> None:
        micrograd = _micrograd_form(activation, bias, seed)
        activation = _nonlin(nonlin, "relu" if activation is _UNSET else activation,
                             "Layer(nonlin)")
        self.nin = _size(nin, "Layer(nin)")
        self.nout = _size(nout, "Layer(nout)")
        self._activation, _ = _activation(activation, "Layer(activation)")
        if micrograd:
            nonlin = self._activation != "linear"
            self.neurons = [Neuron(self.nin, nonlin=nonlin) for _ in range(self.nout)]
        else:
            rng = _rng(None if seed is _UNSET else seed, "Layer(seed)")
            bias = _flag(True if bias is _UNSET else bias, "bias")
            self.neurons = [
                Neuron(self.nin, self._activation, bias=bias, seed=rng) for _ in range(self.nout)
            ]
        self._label_parameters()

    @property
    def activation(self) -> str:
        """Its neurons' activation by name: "relu", "tanh", "sigmoid" or "linear"."""
        return self._activation

    @property
    def nonlin(self) -> bool:
        """micrograd's flag, as on its neurons: True unless the activation is linear."""
        return self._activation != "linear"

    def __call__(self, x: Iterable[Value | float] | Value | float) -> Value | list[Value]:
        """The neurons' outputs: a list, or a single Value when the layer has one neuron."""
        xs = _inputs(x, self.nin, "Layer")
        out = [n._forward(xs) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        """Each neuron's weights and bias, neuron by neuron."""
        return _parameters_of(self.neurons)

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Each neuron's, prefixed ``neurons.{j}.``: ``neurons.0.w.0``, ..., ``neurons.0.b``, ..."""
        return [
            (f"neurons.{j}.{name}", p)
            for j, n in enumerate(self.neurons)
            for name, p in n.named_parameters()
        ]

    _config_keys = ("nin", "nout", "activation", "bias")

    def config(self) -> dict[str, Any]:
        """``{"type": "Layer", "nin": ..., "nout": ..., "activation": ..., "bias": ...}``."""
        return {
            "type": "Layer",
            "nin": self.nin,
            "nout": self.nout,
            "activation": self._activation,
            "bias": self.neurons[0].b is not None,
        }

    @classmethod
    def _layer_sizes(cls, config: Mapping[str, Any]) -> tuple[object, object]:
        return [config["nout"]], config["bias"]

    def _dense_layers(self) -> list[tuple[int, Activation, list[Neuron]]]:
        return [(self.nin, ACTIVATION_TABLE[self._activation], self.neurons)]

    def __repr__(self) -> str:
        bias = "" if self.neurons[0].b is not None else ", bias=False"
        return f"Layer({self.nin}, {self.nout}, {self._activation!r}{bias})"


class MLP(Module):
    """Layers in sequence: ``MLP(nin, [n1, ..., nL])`` maps ``nin`` inputs to ``nL`` outputs.

    As in micrograd, hidden layers use ReLU and the last layer is linear; ``model(x)`` returns a
    Value when the last layer has one neuron, else a list. ``activation`` sets the hidden layers',
    ``output_activation`` the last layer's, and ``output_bias=False`` gives the output neurons no
    bias (``.b`` is None), as in the article.

    ``MLP(nin, nouts)`` alone draws its parameters exactly as micrograd 0.1.0 does (weights
    ``random.uniform(-1, 1)`` layer by layer, biases 0), so ``random.seed(1337)`` reproduces
    micrograd's demo; any of ``activation``, ``output_activation``, ``output_bias`` or ``seed``
    gives microprop's draws instead (see the module docstring).
    """

    def __init__(
        self,
        nin: int,
        nouts: Iterable[int],
        *,
        activation: str | None = _UNSET,
        output_activation: str | None = _UNSET,
        output_bias: bool = _UNSET,
        seed: Seed = _UNSET,
    ) -> None:
        micrograd = _micrograd_form(activation, output_activation, output_bias, seed)
        activation = "relu" if activation is _UNSET else activation
        output_activation = "linear" if output_activation is _UNSET else output_activation
        output_bias = True if output_bias is _UNSET else output_bias
        self.nin = _size(nin, "MLP(nin)")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Iterable):
            raise TypeError(
                f"MLP(nouts): expected a list of layer sizes such as [16, 16, 1], "
                f"got {type(nouts).__name__}"
            )
        sizes = [_size(n, f"MLP(nouts[{i}])") for i, n in enumerate(nouts)]
        if not sizes:
            raise ValueError("MLP(nouts): expected at least one layer size, got an empty list")
        self.nouts = sizes
        hidden, _ = _activation(activation, "MLP(activation)")
        output, _ = _activation(output_activation, "MLP(output_activation)")
        output_bias = _flag(output_bias, "output_bias")
        ins = [self.nin, *sizes[:-1]]
        last = len(sizes) - 1
        if micrograd:  # micrograd 0.1.0's draws: ReLU hidden layers, a linear last layer
            self.layers = [Layer(ins[i], sizes[i], nonlin=i != last) for i in range(len(sizes))]
        else:
            rng = _rng(None if seed is _UNSET else seed, "MLP(seed)")
            self.layers = [
                Layer(
                    ins[i],
                    sizes[i],
                    output if i == last else hidden,
                    bias=output_bias if i == last else True,
                    seed=rng,
                )
                for i in range(len(sizes))
            ]
        self._activation = hidden
        self._output_activation = output
        self._output_bias = output_bias
        self._label_parameters()

    @property
    def activation(self) -> str:
        """The hidden layers' activation by name ("relu" unless given)."""
        return self._activation

    @property
    def output_activation(self) -> str:
        """The last layer's activation by name ("linear" unless given)."""
        return self._output_activation

    @property
    def output_bias(self) -> bool:
        """Whether the output neurons have biases (False in the article's network)."""
        return self._output_bias

    def __call__(self, x: Iterable[Value | float] | Value | float) -> Value | list[Value]:
        """The network's output: a Value when the last layer has one neuron, else a list."""
        a = _inputs(x, self.nin, "MLP")
        for layer in self.layers:
            a = [n._forward(a) for n in layer.neurons]
        return a[0] if len(a) == 1 else a

    def parameters(self) -> list[Value]:
        """Every weight and bias, layer by layer and neuron by neuron."""
        return _parameters_of([n for layer in self.layers for n in layer.neurons])

    def named_parameters(self) -> list[tuple[str, Value]]:
        """Each layer's, prefixed ``layers.{i}.``; the article's w22: ``layers.1.neurons.1.w.1``."""
        return [
            (f"layers.{i}.{name}", p)
            for i, layer in enumerate(self.layers)
            for name, p in layer.named_parameters()
        ]

    _config_keys = ("nin", "nouts", "activation", "output_activation", "output_bias")

    def config(self) -> dict[str, Any]:
        """``{"type": "MLP", "nin": ..., "nouts": [...], "activation": ..., ...}``, as saved."""
        return {
            "type": "MLP",
            "nin": self.nin,
            "nouts": list(self.nouts),
            "activation": self._activation,
            "output_activation": self._output_activation,
            "output_bias": self._output_bias,
        }

    @classmethod
    def _layer_sizes(cls, config: Mapping[str, Any]) -> tuple[object, object]:
        return config["nouts"], config["output_bias"]

    def _dense_layers(self) -> list[tuple[int, Activation, list[Neuron]]]:
        return [layer._dense_layers()[0] for layer in self.layers]

    def __repr__(self) -> str:
        extra = ""
        if self._output_activation != "linear":
            extra += f", output_activation={self._output_activation!r}"
        if not self._output_bias:
            extra += ", output_bias=False"
        return f"MLP({self.nin}, {self.nouts}, activation={self._activation!r}{extra})"


def article_network(activation: str = "tanh", *, seed: Seed = None) -> MLP:
    """The article's network: 4 inputs, hidden layers of 2 and 2 with ``f``, output ``s`` linear.

    ``s = W^(3) a^(3)`` has no bias, so ``output_bias=False``. The article leaves ``f`` open; tanh
    is the default because with only two neurons per layer a ReLU that switches off for every
    input loses half its layer for good, while tanh is smooth (``f'(z)`` in the worked example is
    defined everywhere) and centred on zero. See the module docstring for the index mapping.
    """
    _activation(activation, "article_network(activation)")  # named as the caller wrote it
    return MLP(4, [2, 2, 1], activation=activation, output_bias=False, seed=seed)


# The module types a config can name: save writes them, load and Module.from_config rebuild them.
MODULE_TYPES: dict[str, type[Module]] = {"Neuron": Neuron, "Layer": Layer, "MLP": MLP}


# ---- argument checks (construction time only; the forward pass stays lean) ---------------------


def _parameters_of(neurons: list[Neuron]) -> list[Value]:
    """The neurons' weights and biases in order: one list, built without one per neuron (the
    hot path of zero_grad() in a training step)."""
    out: list[Value] = []
    for n in neurons:
        out += n.w
        if n.b is not None:
            out.append(n.b)
    return out


def _inputs(x: object, nin: int, who: str) -> list[Any]:
    """``x`` as a list of ``nin`` floats or Values, checked once per call of the whole model."""
    if type(x) is not list and type(x) is not tuple:
        if isinstance(x, (Value, numbers.Real)) and not isinstance(x, bool):
            x = [x]  # a single number for a one-input model
        elif isinstance(x, (str, bytes, Mapping)) or not isinstance(x, Iterable):
            raise TypeError(
                f"{who}: expected a list of {nin} numbers or Values, got {type(x).__name__}"
            )
        else:
            x = list(x)
    if len(x) != nin:
        # A whole data set (or a 2-D array) where one row belongs: say so, not just the count.
        rows = len(x) >= 1 and isinstance(x[0], Iterable)
        hint = "; call the model on one row at a time" if rows and nin > 1 else ""
        raise ValueError(
            f"{who}: expected {nin} inputs, got {len(x)}{hint}"
        )
    out = []
    for i, v in enumerate(x):
        if type(v) is float:
            f = v
        elif type(v) is Value:
            f = v.data
        elif isinstance(v, numbers.Real):  # int, bool, NumPy scalars
            try:
                f = v = float(v)
            except OverflowError:
                raise ValueError(f"{who}: input {i} is too large for a float") from None
        else:
            raise TypeError(
                f"{who}: inputs must be real numbers or Values, got {type(v).__name__} {v!r:.40}"
            )
        if not math.isfinite(f):
            raise ValueError(
                f"{who}: input {i} is {f!r}; inputs must be finite numbers (a NaN or infinite "
                "input can only give a useless output)"
            )
        out.append(v)
    return out


def _activation(name: object, what: str) -> tuple[str, Callable[[Value], Value] | None]:
    name = choice("linear" if name is None else name, what, ACTIVATION_NAMES, "activation", "tanh")
    return name, ACTIVATION_TABLE[name].apply
