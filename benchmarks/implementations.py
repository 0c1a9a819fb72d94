"""The columns of the benchmark table: each implementation's models and training steps for every
problem it runs, and the table of implementations, in column order.

Adding an implementation is its cells (one per problem: a builder of Steps for a trained problem,
or a function of the problem's size that times itself) and one entry in IMPLEMENTATIONS. Each
package is imported inside the functions, so a worker loads only the one it measures.
"""

from __future__ import annotations

import sys
import threading
from collections.abc import Callable
from functools import partial
from operator import attrgetter, methodcaller
from typing import Any, NamedTuple

from benchmarks import floor
from benchmarks.problems import (
    ALPHA,
    ARTICLE_LR,
    CHAIN_A,
    CHAIN_C,
    IRIS_LR,
    PROBLEMS,
    Problem,
    flat,
    learning_rate,
)
from benchmarks.timing import Steps, clock, time_chain, train

DATA = attrgetter("data")  # a Value's number (microprop and micrograd)
ITEM = methodcaller("item")  # a 0-d tensor's number


def recursion_for(n: int) -> int:
    """A recursion limit deep enough for micrograd's backward() on a chain of n iterations."""
    return 4 * n + 1000


# ---- the hand-written floor -----------------------------------------------------------------


def floor_demo(data: Any) -> Steps:
    _, layers, X, Y = data

    def step(k: int) -> float:
        return floor.hinge_step(layers, X, Y, learning_rate(k), ALPHA)

    return Steps(step, float)


def floor_article(data: Any) -> Steps:
    _, layers, X, Y = data

    def step(sample: tuple) -> float:
        x, y = sample
        return floor.squared_error_step(layers, x, y, ARTICLE_LR)

    return Steps(step, float)


def floor_iris(data: Any) -> Steps:
    _, layers, X, Y = data

    def step(k: int) -> float:
        return floor.cross_entropy_step(layers, X, Y, IRIS_LR)

    return Steps(step, float)


def floor_chain(n: int) -> dict:
    start = clock()
    x, grad = floor.chain(n, CHAIN_A, CHAIN_C)
    return {"seconds": clock() - start, "value": x, "grad": grad}


# ---- microprop --------------------------------------------------------------------------------


def microprop_model(sizes: list[int], layers: list[floor.Layer], elementwise: bool) -> tuple:
    """(forward, parameters, zero_grad) for an MLP holding the given weights.

    The normal model is ``microprop.nn.MLP`` (one dot node per neuron); without nn, or for the
    elementwise variant (one node per multiply and per add, micrograd's graph), the same network
    is built here from the engine alone.
    """
    import microprop
    from microprop import engine

    output_bias = layers[-1][1] is not None
    values = flat(layers)
    if not elementwise:
        try:
            from microprop.nn import MLP

            model = MLP(sizes[0], sizes[1:], output_bias=output_bias)
            params = model.parameters()
            if len(params) == len(values):
                for p, v in zip(params, values):
                    p.data = v
                return model, params, model.zero_grad
        except ImportError:
            pass
    net = [
        (
            [[engine.Value(w) for w in row] for row in W],
            None if b is None else [engine.Value(v) for v in b],
        )
        for W, b in layers
    ]
    params = flat(net)
    last = len(net) - 1

    def forward(x: list[float]) -> Any:
        a: list[Any] = x
        for i, (W, b) in enumerate(net):
            if elementwise:  # sum(w * x) with Python's sum: a chain of nodes, as in micrograd
                z = [
                    sum((w * ak for w, ak in zip(row, a)), b[j] if b else 0.0)
                    for j, row in enumerate(W)
                ]
            else:
                z = [microprop.dot(row, a, b[j] if b else 0.0) for j, row in enumerate(W)]
            a = z if i == last else [v.relu() for v in z]
        return a[0] if len(a) == 1 else a  # one output, or one per class as MLP gives them

    def zero_grad() -> None:
        for p in params:
            p.grad = 0.0

    return forward, params, zero_grad


def model_kind(forward: Any) -> str:
    return (
        f"{type(forward).__module__}.{type(forward).__name__}"
        if hasattr(forward, "parameters")
        else "built here from microprop.dot"
    )


def microprop_demo(data: Any, elementwise: bool = False) -> Steps:
    import microprop

    sizes, layers, X, Y = data
    forward, params, zero_grad = microprop_model(sizes, layers, elementwise)
    add_up = sum if elementwise else microprop.sum

    def step(k: int) -> Any:
        scores = [forward(x) for x in X]
        losses = [(1 + -y * s).relu() for y, s in zip(Y, scores)]
        data_loss = add_up(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * add_up([p * p for p in params])
        loss = data_loss + reg_loss
        zero_grad()
        loss.backward()
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        return loss

    return Steps(step, DATA, {"model": model_kind(forward)})


def microprop_article(data: Any, elementwise: bool = False) -> Steps:
    sizes, layers, X, Y = data
    forward, params, zero_grad = microprop_model(sizes, layers, elementwise)

    def step(sample: tuple) -> Any:
        x, y = sample
        loss = (forward(x) - y) ** 2
        zero_grad()
        loss.backward()
        for p in params:
            p.data -= ARTICLE_LR * p.grad
        return loss

    return Steps(step, DATA, {"model": model_kind(forward)})


def microprop_iris(data: Any, elementwise: bool = False) -> Steps:
    """A full-batch epoch as fit runs it: forward, losses.cross_entropy, backward, SGD."""
    from microprop.losses import cross_entropy

    sizes, layers, X, Y = data
    forward, params, zero_grad = microprop_model(sizes, layers, elementwise)

    def step(k: int) -> Any:
        loss = cross_entropy([forward(x) for x in X], Y)
        zero_grad()
        loss.backward()
        for p in params:
            p.data -= IRIS_LR * p.grad
        return loss

    return Steps(step, DATA, {"model": model_kind(forward)})


# ---- microprop, compiled: per-sample traces run by one backend (a column each) -----------------


def compiled_batch(params: list, term: Callable, X: list, Y: list, backend: str,
                   classes: bool = False) -> tuple:
    """A full batch as ``fit(compile=True)`` runs it (microprop/train.py, ``_CompiledLoss``): one
    sample's share of the loss, ``term(x, label) * share`` with ``share`` = 1 / batch size a leaf,
    the rows checked and flattened once by ``compiled.rows``, and each step every row's gradients
    added into ``.grad`` by ``compiled.accumulate(rows, picks)``. A label is a constant of a trace
    of its own (the hinge loss branches on it), or with ``classes``, an argument of the one
    trace, read through ``take`` (cross-entropy's class). Returns the Compiled and that step's
    gradients()."""
    import microprop

    share = microprop.Value(1.0)
    labels = [None] if classes else sorted(set(Y))

    def share_of_loss(x: list[Any], k: Any) -> Any:
        return term(x, k if classes else labels[k]) * share

    compiled = microprop.compile(share_of_loss, params, backend=backend,
                                 indices=(1,) if classes else ())
    number = {label: k for k, label in enumerate(labels)}
    group, place = [0] * len(X), [0] * len(X)  # each sample's trace, and its row there
    members: list[list[int]] = [[] for _ in labels]
    for i, y in enumerate(Y):
        k = 0 if classes else number[y]
        group[i], place[i] = k, len(members[k])
        members[k].append(i)
    rows = [compiled.rows([(X[i], Y[i] if classes else number[Y[i]]) for i in m])
            for m in members]
    batch = range(len(X))

    def gradients() -> float:
        """Every parameter's .grad set to the batch's gradient; the batch's loss."""
        for p in params:
            p.grad = 0.0
        share.data = 1.0 / len(batch)
        picks: list[list[int]] = [[] for _ in rows]
        for i in batch:  # one label's rows together, as fit picks them
            picks[group[i]].append(place[i])
        return sum(compiled.accumulate(r, chosen) for r, chosen in zip(rows, picks) if chosen)

    return compiled, gradients


def compiled_demo(data: Any, backend: str) -> Steps:
    """micrograd's demo step through fit(compile=True): the hinge term per sample, compiled per
    label; the L2 term as fit adds it (losses.l2_penalty's value and backward, in floats)."""

    from microprop.train import _l2_backward as l2_backward

    sizes, layers, X, Y = data
    forward, params, _ = microprop_model(sizes, layers, False)
    compiled, gradients = compiled_batch(
        params, lambda x, y: (1 + -y * forward(x)).relu(), X, Y, backend)

    def step(k: int) -> float:
        data_loss = gradients()
        reg_loss = l2_backward(params, ALPHA)  # fit's: l2_penalty and its backward(), in floats
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        return data_loss + reg_loss

    return Steps(step, float, {"model": model_kind(forward), "backend": compiled.backend})


def compiled_article(data: Any, backend: str) -> Steps:
    """Per-sample SGD: one trace of ``(f(x) - y) ** 2``, x and y its arguments, called per
    sample. Traced here, on the first sample, before the clock starts (as the demo's and the
    Iris traces are): the call returns numbers and moves nothing."""
    import microprop

    sizes, layers, X, Y = data
    forward, params, _ = microprop_model(sizes, layers, False)
    compiled = microprop.compile(lambda x, y: (forward(x) - y) ** 2, params, backend=backend)
    compiled(X[0], Y[0])

    def step(sample: tuple) -> float:
        value, grads = compiled(*sample)
        for p, g in zip(params, grads):
            p.data -= ARTICLE_LR * g
        return value

    return Steps(step, float, {"model": model_kind(forward), "backend": compiled.backend})


def compiled_iris(data: Any, backend: str) -> Steps:
    """The full-batch Iris epoch through fit(compile=True): the cross-entropy term per flower,
    one trace for the three species (the class an argument, read through take)."""
    from microprop.losses import cross_entropy

    sizes, layers, X, Y = data
    forward, params, _ = microprop_model(sizes, layers, False)
    compiled, gradients = compiled_batch(
        params, lambda x, y: cross_entropy(forward(x), y), X, Y, backend, classes=True)

    def step(k: int) -> float:
        loss = gradients()
        for p in params:
            p.data -= IRIS_LR * p.grad
        return loss

    return Steps(step, float, {"model": model_kind(forward), "backend": compiled.backend})


def compiled_cells(backend: str) -> dict[str, Callable]:
    """The compiled column of one backend: a cell per problem it runs."""
    return {
        "demo": partial(compiled_demo, backend=backend),
        "article": partial(compiled_article, backend=backend),
        "iris": partial(compiled_iris, backend=backend),
    }


def microprop_chain(n: int) -> dict:
    from microprop.engine import Value

    x0, x, build, seconds = time_chain(Value, n)
    return {"seconds": seconds, "build": build, "value": x.data, "grad": x0.grad}


def microprop_engine() -> tuple[Any, Callable]:
    """microprop's Value, and a builder of the demo's forward pass, for the memory table."""
    from microprop.engine import Value

    return Value, lambda sizes, layers: microprop_model(sizes, layers, elementwise=False)[0]


# ---- micrograd, run as its demo runs it -------------------------------------------------------


def micrograd_model(sizes: list[int], layers: list[floor.Layer]) -> tuple:
    from micrograd.nn import MLP

    model = MLP(sizes[0], sizes[1:])
    params = model.parameters()
    trained = list(params)
    if layers[-1][1] is None:  # micrograd's output neuron always has a bias: pin it at 0
        output_bias = model.layers[-1].neurons[0].b
        output_bias.data = 0.0
        trained = [p for p in params if p is not output_bias]
    for p, v in zip(trained, flat(layers), strict=True):
        p.data = v
    return model, params, trained


def micrograd_demo(data: Any) -> Steps:
    from micrograd.engine import Value

    sizes, layers, X, Y = data
    model, params, _ = micrograd_model(sizes, layers)

    def step(k: int) -> Any:
        inputs = [list(map(Value, row)) for row in X]
        scores = list(map(model, inputs))
        losses = [(1 + -y * s).relu() for y, s in zip(Y, scores)]
        data_loss = sum(losses) * (1.0 / len(losses))
        reg_loss = ALPHA * sum(p * p for p in params)
        loss = data_loss + reg_loss
        model.zero_grad()
        loss.backward()
        lr = learning_rate(k)
        for p in params:
            p.data -= lr * p.grad
        return loss

    return Steps(step, DATA)


def micrograd_article(data: Any) -> Steps:
    sizes, layers, X, Y = data
    model, _, trained = micrograd_model(sizes, layers)

    def step(sample: tuple) -> Any:
        x, y = sample
        loss = (model(x) - y) ** 2
        model.zero_grad()
        loss.backward()
        for p in trained:
            p.data -= ARTICLE_LR * p.grad
        return loss

    return Steps(step, DATA)


def micrograd_chain(n: int) -> dict:
    """micrograd's backward() recurses once per node: raise the limit and give it a big stack."""
    from micrograd.engine import Value

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, recursion_for(n)))
    stack = threading.stack_size(1024 * 1024 * 1024)
    result: dict = {}

    def run() -> None:
        x0, x, build, seconds = time_chain(Value, n)
        result.update(seconds=seconds, build=build, value=x.data, grad=x0.grad)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    sys.setrecursionlimit(limit)
    threading.stack_size(stack)
    if not result:
        raise RuntimeError("micrograd's chain did not finish")
    return result


def micrograd_engine() -> tuple[Any, Callable]:
    """micrograd's Value, and a builder of the demo's forward pass, for the memory table."""
    from micrograd.engine import Value

    return Value, lambda sizes, layers: micrograd_model(sizes, layers)[0]


# ---- PyTorch: scalar tensors (one per number, like micrograd) and batched tensors -------------


def torch_setup() -> Any:
    import torch

    torch.set_num_threads(1)  # a fair fight with single-threaded Python; tiny tensors anyway
    return torch


def torch_scalar_params(torch: Any, layers: list[floor.Layer]) -> tuple[list, list]:
    net = [
        (
            [[torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in row] for row in W],
            None
            if b is None
            else [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in b],
        )
        for W, b in layers
    ]
    return net, flat(net)


def torch_scalar_forward(net: list, x: list[float]) -> Any:
    a: list[Any] = x
    last = len(net) - 1
    for i, (W, b) in enumerate(net):
        z = [sum((w * ak for w, ak in zip(row, a)), b[j] if b else 0.0) for j, row in enumerate(W)]
        a = z if i == last else [v.relu() for v in z]
    return a[0]


def torch_scalars_demo(data: Any) -> Steps:
    torch = torch_setup()
    _, layers, X, Y = data
    net, params = torch_scalar_params(torch, layers)

    def step(k: int) -> Any:
        scores = [torch_scalar_forward(net, x) for x in X]
        losses = [(1 + -y * s).relu() for y, s in zip(Y, scores)]
        loss = sum(losses) * (1.0 / len(losses)) + ALPHA * sum(p * p for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        lr = learning_rate(k)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss

    return Steps(step, ITEM)


def torch_scalars_article(data: Any) -> Steps:
    torch = torch_setup()
    _, layers, X, Y = data
    net, params = torch_scalar_params(torch, layers)

    def step(sample: tuple) -> Any:
        x, y = sample
        loss = (torch_scalar_forward(net, x) - y) ** 2
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= ARTICLE_LR * p.grad
        return loss

    return Steps(step, ITEM)


def torch_scalars_chain(n: int) -> dict:
    torch = torch_setup()

    def leaf(v: float) -> Any:
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    x0, x, build, seconds = time_chain(leaf, n)
    return {"seconds": seconds, "build": build, "value": x.item(), "grad": x0.grad.item()}


def torch_batched_params(torch: Any, layers: list[floor.Layer]) -> list[tuple[Any, Any]]:
    def leaf(v: Any) -> Any:
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    return [(leaf(W), None if b is None else leaf(b)) for W, b in layers]


def torch_batched_outputs(net: list[tuple[Any, Any]], x: Any) -> Any:
    """Every output of the network, a column each: relu between layers, the last one linear."""
    for i, (W, b) in enumerate(net):
        x = x @ W.T if b is None else x @ W.T + b
        if i < len(net) - 1:
            x = x.relu()
    return x


def torch_batched_forward(net: list[tuple[Any, Any]], x: Any) -> Any:
    return torch_batched_outputs(net, x)[..., 0]


def torch_batched_iris(data: Any) -> Steps:
    torch = torch_setup()
    _, layers, X, Y = data
    net = torch_batched_params(torch, layers)
    params = [p for pair in net for p in pair if p is not None]
    Xt = torch.tensor(X, dtype=torch.float64)
    Yt = torch.tensor(Y)

    def step(k: int) -> Any:
        loss = torch.nn.functional.cross_entropy(torch_batched_outputs(net, Xt), Yt)
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= IRIS_LR * p.grad
        return loss

    return Steps(step, ITEM)


def torch_batched_demo(data: Any) -> Steps:
    torch = torch_setup()
    _, layers, X, Y = data
    net = torch_batched_params(torch, layers)
    params = [p for pair in net for p in pair if p is not None]
    Xt = torch.tensor(X, dtype=torch.float64)
    Yt = torch.tensor(Y, dtype=torch.float64)

    def step(k: int) -> Any:
        scores = torch_batched_forward(net, Xt)
        loss = (1 - Yt * scores).relu().mean() + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        lr = learning_rate(k)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
        return loss

    return Steps(step, ITEM)


def torch_batched_article(data: Any) -> Steps:
    """Per-sample SGD leaves nothing to batch: one small tensor per layer and sample."""
    torch = torch_setup()
    sizes, layers, X, Y = data
    net = torch_batched_params(torch, layers)
    params = [p for pair in net for p in pair if p is not None]
    rows = [torch.tensor(x, dtype=torch.float64) for x in X]

    def step(sample: tuple) -> Any:
        x, y = sample
        loss = (torch_batched_forward(net, x) - y) ** 2
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= ARTICLE_LR * p.grad
        return loss

    return Steps(step, ITEM, data=(sizes, layers, rows, Y))


# ---- the table of implementations -------------------------------------------------------------


class Implementation(NamedTuple):
    """One column of the table: how it runs each problem it knows, and what it needs to run."""

    name: str
    cells: dict[str, Callable]  # problem name -> that problem's cell (see the module docstring)
    package: str | None = None  # must be importable, or the column is left out
    gc: bool = True  # False: its worker switches Python's cyclic garbage collector off first
    recursive: bool = False  # its backward() recurses once per node (stack and recursion limit)
    engine: Callable[[], tuple[Any, Callable]] | None = None  # Value and model, for memory
    note: str = ""  # its sentence under the table


MICROPROP = {
    "demo": microprop_demo,
    "article": microprop_article,
    "chain": microprop_chain,
    "iris": microprop_iris,
}
NO_GC = "microprop, gc off"
COMPILED_PYTHON, COMPILED_TAPE, COMPILED_NUMPY = (
    "compiled, python", "compiled, tape", "compiled, numpy")
COMPILED = (COMPILED_PYTHON, COMPILED_TAPE, COMPILED_NUMPY)  # a column per backend
IMPLEMENTATIONS = (
    Implementation(
        "floor",
        {"demo": floor_demo, "article": floor_article, "chain": floor_chain, "iris": floor_iris},
        note="floor: the same network trained by hand-written Python (benchmarks/floor.py), "
        "no graph.",
    ),
    Implementation("microprop", MICROPROP, engine=microprop_engine),
    # Safe for microprop alone: its graphs hold no reference cycles, so reference counting
    # frees everything and the cyclic collector only ever scans live nodes for nothing.
    Implementation(
        NO_GC,
        MICROPROP,
        gc=False,
        note="gc off: microprop with Python's cyclic garbage collector switched off, which is "
        "safe for microprop alone (its graphs hold no reference cycles) and shows the "
        "collector's share of its time.",
    ),
    Implementation(
        COMPILED_PYTHON,
        compiled_cells("python"),
        note="compiled: microprop.compile, a column per backend: python runs generated "
        "straight-line Python, tape a C interpreter over flat instructions (the default where "
        "it is built), numpy the whole batch at once, each layer a matrix product. The demo and "
        "Iris train as fit(compile=True) does: one sample's share of the loss traced once per "
        "hinge label, once for all three species (the class an argument, read through take), "
        "the rows flattened once, each step compiled.accumulate(rows, picks) over the batch "
        "(the demo's L2 term in floats, as fit adds it); the article calls its per-sample trace "
        "once a sample. Every trace is made before the clock starts "
        "(benchmarks/compile_cost.py times tracing).",
    ),
    Implementation(COMPILED_TAPE, compiled_cells("tape"), package="microprop._tape"),
    Implementation(COMPILED_NUMPY, compiled_cells("numpy"), package="numpy"),
    Implementation(
        "microprop, elementwise",
        {
            "demo": partial(microprop_demo, elementwise=True),
            "article": partial(microprop_article, elementwise=True),
            "iris": partial(microprop_iris, elementwise=True),
        },
        note="elementwise: micrograd's graph, one node per multiply and per add, on microprop's "
        "engine.",
    ),
    Implementation(
        "micrograd",
        {"demo": micrograd_demo, "article": micrograd_article, "chain": micrograd_chain},
        package="micrograd",
        recursive=True,
        engine=micrograd_engine,
    ),
    Implementation(
        "torch, scalars",
        {
            "demo": torch_scalars_demo,
            "article": torch_scalars_article,
            "chain": torch_scalars_chain,
        },
        package="torch",
        note="torch: float64, one thread.",
    ),
    Implementation(
        "torch, batched",
        {"demo": torch_batched_demo, "article": torch_batched_article, "iris": torch_batched_iris},
        package="torch",
    ),
)
IMPLEMENTATION = {i.name: i for i in IMPLEMENTATIONS}


def runner(problem: Problem, implementation: Implementation) -> Callable[[Any], dict]:
    """One implementation's run of one problem, as a function of ``problem.argument(sizes)``."""
    cell = implementation.cells[problem.name]
    return cell if problem.training is None else partial(train, problem.training, cell)


# Every run in this process, by problem and implementation. The gc-off column is left out: it
# is microprop's cells with the collector switched off, which only a worker process may do.
WORKERS: dict[str, dict[str, Callable]] = {
    p.name: {i.name: runner(p, i) for i in IMPLEMENTATIONS if i.gc and p.name in i.cells}
    for p in PROBLEMS
}
