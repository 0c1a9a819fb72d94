"""Benchmarks: microprop against micrograd, PyTorch and a hand-written floor, side by side.

    python benchmarks/run.py                      # full mode: about ten minutes
    python benchmarks/run.py --quick              # seconds: small sizes, one repetition (CI)
    python -m benchmarks --output results.md      # also write the report to a file

Each measurement runs in a fresh worker process (this file with ``--worker``), so every
implementation has an interpreter, imports and garbage collector of its own, as in a user's
script; the parent interleaves the implementations repetition by repetition and reports medians
of CPU time. Every implementation starts from the same weights and data, and the run fails if
their final losses differ by more than 1e-9 (relative). Nothing is installed: micrograd and
PyTorch are used when importable and skipped otherwise.
"""

from __future__ import annotations

import argparse
import gc
import json
import math
import os
import platform
import random
import statistics
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # benchmark this checkout, even when microprop is not installed

from benchmarks import floor  # noqa: E402

FULL = {
    "repeat": 5,  # interleaved repetitions of the demo and article cases
    "chain_repeat": 3,  # and of the chain, whose slow implementations take half a minute each
    "demo_points": 100,
    "demo_sizes": [16, 16, 1],
    "demo_steps": 10,  # timed per repetition, after one untimed warm-up step
    "article_samples": 1000,
    "chain": 1_000_000,
    "memory_chain": 5_000,
}
QUICK = {
    "repeat": 1,
    "chain_repeat": 1,
    "demo_points": 20,
    "demo_sizes": [8, 8, 1],
    "demo_steps": 2,
    "article_samples": 50,
    "chain": 5_000,
    "memory_chain": 1_000,
}
ALPHA = 1e-4  # micrograd's demo: L2 penalty
ARTICLE_LR = 0.05
CHAIN_A, CHAIN_C = 1.0001, 0.0001
TOLERANCE = 1e-9  # relative difference allowed between final losses


# ---- the shared problem: data and initial weights, from fixed seeds --------------------------


def moons(n: int, noise: float = 0.1, seed: int = 1) -> tuple[list[list[float]], list[float]]:
    """Two interleaving half circles (the shape of sklearn's make_moons), labels -1 and +1."""
    rng = random.Random(seed)
    outer = n // 2
    X, Y = [], []
    for i in range(n):
        if i < outer:
            t = math.pi * i / max(outer - 1, 1)
            x, y, label = math.cos(t), math.sin(t), -1.0
        else:
            t = math.pi * (i - outer) / max(n - outer - 1, 1)
            x, y, label = 1.0 - math.cos(t), 0.5 - math.sin(t), 1.0
        X.append([x + rng.gauss(0.0, noise), y + rng.gauss(0.0, noise)])
        Y.append(label)
    return X, Y


def article_data(n: int, seed: int = 2) -> tuple[list[list[float]], list[float]]:
    rng = random.Random(seed)
    X = [[rng.uniform(-1.0, 1.0) for _ in range(4)] for _ in range(n)]
    Y = [x[0] * x[1] - 0.5 * x[2] + 0.25 * x[3] for x in X]
    return X, Y


def initial_layers(sizes: list[int], output_bias: bool = True, seed: int = 3) -> list[floor.Layer]:
    """Weights and biases uniform in +-1/sqrt(inputs), as torch.nn.Linear draws them."""
    rng = random.Random(seed)
    layers: list[floor.Layer] = []
    for i in range(1, len(sizes)):
        bound = 1.0 / math.sqrt(sizes[i - 1])
        W = [[rng.uniform(-bound, bound) for _ in range(sizes[i - 1])] for _ in range(sizes[i])]
        has_bias = output_bias or i < len(sizes) - 1
        b = [rng.uniform(-bound, bound) for _ in range(sizes[i])] if has_bias else None
        layers.append((W, b))
    return layers


def flat(layers: list) -> list:
    """Parameters in the order micrograd's and microprop's parameters() list them: each neuron's
    weights, then its bias."""
    out = []
    for W, b in layers:
        for j, row in enumerate(W):
            out.extend(row)
            if b is not None:
                out.append(b[j])
    return out


def demo_problem(cfg: dict) -> tuple[list[int], list[floor.Layer], Any, Any]:
    sizes = [2, *cfg["demo_sizes"]]
    X, Y = moons(cfg["demo_points"])
    return sizes, initial_layers(sizes), X, Y


def article_problem(cfg: dict) -> tuple[list[int], list[floor.Layer], Any, Any]:
    sizes = [4, 2, 2, 1]
    X, Y = article_data(cfg["article_samples"])
    return sizes, initial_layers(sizes, output_bias=False), X, Y


def learning_rate(k: int) -> float:
    return 1.0 - 0.9 * k / 100  # micrograd's demo schedule


def demo_steps(cfg: dict) -> range:
    """Step numbers of a demo run: step 0 warms the interpreter up and is not timed."""
    return range(cfg["demo_steps"] + 1)


clock = time.process_time  # CPU time: other programs on a shared machine disturb it less


# ---- the hand-written floor -----------------------------------------------------------------


def floor_demo(cfg: dict) -> dict:
    _, layers, X, Y = demo_problem(cfg)
    for k in demo_steps(cfg):
        if k == 1:
            start = clock()  # step 0 was the warm-up
        loss = floor.hinge_step(layers, X, Y, learning_rate(k), ALPHA)
    return {"seconds": clock() - start, "loss": loss}


def floor_article(cfg: dict) -> dict:
    _, layers, X, Y = article_problem(cfg)
    start = clock()
    total = 0.0
    for x, y in zip(X, Y):
        total += floor.squared_error_step(layers, x, y, ARTICLE_LR)
    return {"seconds": clock() - start, "loss": total}


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
                z = [engine.dot(row, a, b[j] if b else 0.0) for j, row in enumerate(W)]
            a = z if i == last else [v.relu() for v in z]
        return a[0]

    def zero_grad() -> None:
        for p in params:
            p.grad = 0.0

    return forward, params, zero_grad


def microprop_demo(cfg: dict, elementwise: bool = False) -> dict:
    from microprop import engine

    sizes, layers, X, Y = demo_problem(cfg)
    forward, params, zero_grad = microprop_model(sizes, layers, elementwise)
    add_up = sum if elementwise else engine.sum
    for k in demo_steps(cfg):
        if k == 1:
            start = clock()  # step 0 was the warm-up
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
    return {"seconds": clock() - start, "loss": loss.data, "model": model_kind(forward)}


def model_kind(forward: Any) -> str:
    return (
        f"{type(forward).__module__}.{type(forward).__name__}"
        if hasattr(forward, "parameters")
        else "built here from engine.dot"
    )


def microprop_article(cfg: dict, elementwise: bool = False) -> dict:
    sizes, layers, X, Y = article_problem(cfg)
    forward, params, zero_grad = microprop_model(sizes, layers, elementwise)
    start = clock()
    total = 0.0
    for x, y in zip(X, Y):
        loss = (forward(x) - y) ** 2
        zero_grad()
        loss.backward()
        for p in params:
            p.data -= ARTICLE_LR * p.grad
        total += loss.data
    return {"seconds": clock() - start, "loss": total, "model": model_kind(forward)}


def microprop_chain(n: int) -> dict:
    from microprop.engine import Value

    x0 = Value(1.0)
    x = x0
    start = clock()
    for _ in range(n):
        x = x * CHAIN_A + CHAIN_C
    built = clock()
    x.backward()
    return {"seconds": clock() - start, "build": built - start, "value": x.data, "grad": x0.grad}


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


def micrograd_demo(cfg: dict) -> dict:
    from micrograd.engine import Value

    sizes, layers, X, Y = demo_problem(cfg)
    model, params, _ = micrograd_model(sizes, layers)
    for k in demo_steps(cfg):
        if k == 1:
            start = clock()  # step 0 was the warm-up
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
    return {"seconds": clock() - start, "loss": loss.data}


def micrograd_article(cfg: dict) -> dict:
    sizes, layers, X, Y = article_problem(cfg)
    model, _, trained = micrograd_model(sizes, layers)
    start = clock()
    total = 0.0
    for x, y in zip(X, Y):
        loss = (model(x) - y) ** 2
        model.zero_grad()
        loss.backward()
        for p in trained:
            p.data -= ARTICLE_LR * p.grad
        total += loss.data
    return {"seconds": clock() - start, "loss": total}


def micrograd_chain(n: int) -> dict:
    """micrograd's backward() recurses once per node: raise the limit and give it a big stack."""
    from micrograd.engine import Value

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(max(limit, 4 * n + 1000))
    stack = threading.stack_size(1024 * 1024 * 1024)
    result: dict = {}

    def run() -> None:
        x0 = Value(1.0)
        x = x0
        start = clock()
        for _ in range(n):
            x = x * CHAIN_A + CHAIN_C
        built = clock()
        x.backward()
        result.update(seconds=clock() - start, build=built - start, value=x.data, grad=x0.grad)

    worker = threading.Thread(target=run)
    worker.start()
    worker.join()
    sys.setrecursionlimit(limit)
    threading.stack_size(stack)
    if not result:
        raise RuntimeError("micrograd's chain did not finish")
    return result


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


def torch_scalars_demo(cfg: dict) -> dict:
    torch = torch_setup()
    _, layers, X, Y = demo_problem(cfg)
    net, params = torch_scalar_params(torch, layers)
    for k in demo_steps(cfg):
        if k == 1:
            start = clock()  # step 0 was the warm-up
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
    return {"seconds": clock() - start, "loss": loss.item()}


def torch_scalars_article(cfg: dict) -> dict:
    torch = torch_setup()
    _, layers, X, Y = article_problem(cfg)
    net, params = torch_scalar_params(torch, layers)
    start = clock()
    total = 0.0
    for x, y in zip(X, Y):
        loss = (torch_scalar_forward(net, x) - y) ** 2
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= ARTICLE_LR * p.grad
        total += loss.item()
    return {"seconds": clock() - start, "loss": total}


def torch_scalars_chain(n: int) -> dict:
    torch = torch_setup()
    x0 = torch.tensor(1.0, dtype=torch.float64, requires_grad=True)
    x = x0
    start = clock()
    for _ in range(n):
        x = x * CHAIN_A + CHAIN_C
    built = clock()
    x.backward()
    return {
        "seconds": clock() - start,
        "build": built - start,
        "value": x.item(),
        "grad": x0.grad.item(),
    }


def torch_batched_params(torch: Any, layers: list[floor.Layer]) -> list[tuple[Any, Any]]:
    def leaf(v: Any) -> Any:
        return torch.tensor(v, dtype=torch.float64, requires_grad=True)

    return [(leaf(W), None if b is None else leaf(b)) for W, b in layers]


def torch_batched_forward(net: list[tuple[Any, Any]], x: Any) -> Any:
    for i, (W, b) in enumerate(net):
        x = x @ W.T if b is None else x @ W.T + b
        if i < len(net) - 1:
            x = x.relu()
    return x[..., 0]


def torch_batched_demo(cfg: dict) -> dict:
    torch = torch_setup()
    _, layers, X, Y = demo_problem(cfg)
    net = torch_batched_params(torch, layers)
    params = [p for pair in net for p in pair if p is not None]
    Xt = torch.tensor(X, dtype=torch.float64)
    Yt = torch.tensor(Y, dtype=torch.float64)
    for k in demo_steps(cfg):
        if k == 1:
            start = clock()  # step 0 was the warm-up
        scores = torch_batched_forward(net, Xt)
        loss = (1 - Yt * scores).relu().mean() + ALPHA * sum((p * p).sum() for p in params)
        for p in params:
            p.grad = None
        loss.backward()
        lr = learning_rate(k)
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
    return {"seconds": clock() - start, "loss": loss.item()}


def torch_batched_article(cfg: dict) -> dict:
    """Per-sample SGD leaves nothing to batch: one small tensor per layer and sample."""
    torch = torch_setup()
    _, layers, X, Y = article_problem(cfg)
    net = torch_batched_params(torch, layers)
    params = [p for pair in net for p in pair if p is not None]
    rows = [torch.tensor(x, dtype=torch.float64) for x in X]
    start = clock()
    total = 0.0
    for x, y in zip(rows, Y):
        loss = (torch_batched_forward(net, x) - y) ** 2
        for p in params:
            p.grad = None
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= ARTICLE_LR * p.grad
        total += loss.item()
    return {"seconds": clock() - start, "loss": total}


# ---- memory per recorded op (tracemalloc sees Python's allocations) --------------------------


def memory(impl: str, n: int, cfg: dict) -> dict:
    """Bytes per op of a chain after building it and after backward(), and per demo sample."""
    if impl == "microprop":
        from microprop.engine import Value
    else:
        from micrograd.engine import Value

        sys.setrecursionlimit(max(sys.getrecursionlimit(), 4 * n + 1000))
    gc.collect()
    tracemalloc.start()
    x0 = Value(1.0)
    x = x0
    before = tracemalloc.get_traced_memory()[0]
    for _ in range(n):
        x = x * CHAIN_A + CHAIN_C
    built = tracemalloc.get_traced_memory()[0]
    x.backward()
    after = tracemalloc.get_traced_memory()[0]
    del x, x0
    gc.collect()

    # The graph one training sample of the demo records (forward pass and its hinge loss).
    sizes, layers, X, Y = demo_problem(cfg)
    if impl == "microprop":
        forward = microprop_model(sizes, layers, elementwise=False)[0]
    else:
        forward = micrograd_model(sizes, layers)[0]
    samples = min(10, len(X))
    gc.collect()
    start = tracemalloc.get_traced_memory()[0]
    losses = [(1 + -y * forward(x)).relu() for x, y in zip(X[:samples], Y[:samples])]
    per_sample = (tracemalloc.get_traced_memory()[0] - start) / samples
    del losses
    gc.collect()
    tracemalloc.stop()
    ops = 2 * n
    return {
        "forward": (built - before) / ops,
        "backward": (after - before) / ops,
        "sample": per_sample,
    }


# ---- workers and the parent -------------------------------------------------------------------

WORKERS: dict[str, dict[str, Callable]] = {
    "demo": {
        "floor": floor_demo,
        "microprop": microprop_demo,
        "microprop, elementwise": lambda cfg: microprop_demo(cfg, elementwise=True),
        "micrograd": micrograd_demo,
        "torch, scalars": torch_scalars_demo,
        "torch, batched": torch_batched_demo,
    },
    "article": {
        "floor": floor_article,
        "microprop": microprop_article,
        "microprop, elementwise": lambda cfg: microprop_article(cfg, elementwise=True),
        "micrograd": micrograd_article,
        "torch, scalars": torch_scalars_article,
        "torch, batched": torch_batched_article,
    },
    "chain": {
        "floor": floor_chain,
        "microprop": microprop_chain,
        "micrograd": micrograd_chain,
        "torch, scalars": torch_scalars_chain,
    },
}
NO_GC = "microprop, gc off"
IMPLEMENTATIONS = [
    "floor",
    "microprop",
    NO_GC,
    "microprop, elementwise",
    "micrograd",
    "torch, scalars",
    "torch, batched",
]


def worker(spec: dict) -> dict:
    case, impl = spec["case"], spec["impl"]
    if impl == NO_GC:
        # Safe for microprop alone: its graphs hold no reference cycles, so reference counting
        # frees everything and the cyclic collector only ever scans live nodes for nothing.
        gc.disable()
        impl = "microprop"
    if case == "memory":
        return memory(impl, spec["n"], spec["cfg"])
    if case == "chain":
        return WORKERS[case][impl](spec["n"])
    return WORKERS[case][impl](spec["cfg"])


def run_worker(spec: dict, timeout: float = 3600.0) -> dict:
    """Run one measurement in a fresh interpreter; {"error": ...} if it fails or crashes."""
    command = [sys.executable, str(Path(__file__).resolve()), "--worker", json.dumps(spec)]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    lines = done.stdout.strip().splitlines()
    if done.returncode != 0 or not lines:
        last = (done.stderr.strip().splitlines() or [f"exit status {done.returncode}"])[-1]
        return {"error": f"exit status {done.returncode}: {last}"}
    return json.loads(lines[-1])


def importable(name: str) -> bool:
    probe = f"import {name}"
    done = subprocess.run([sys.executable, "-c", probe], capture_output=True)
    return done.returncode == 0


def machine() -> list[str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as f:
            names = [line.split(":", 1)[1].strip() for line in f if line.startswith("model name")]
        if names:
            cpu = names[0]
    except OSError:
        pass
    versions = [f"Python {platform.python_version()} ({platform.python_implementation()})"]
    for package in ("microprop", "micrograd", "torch"):
        try:
            from importlib.metadata import version

            versions.append(f"{package} {version(package)}")
        except Exception:
            if package == "microprop":
                import microprop

                versions.append(f"microprop {microprop.__version__} (this checkout)")
            else:
                versions.append(f"{package}: not installed")
    try:
        commit = subprocess.run(
            ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    return [
        f"Machine: {cpu}, {os.cpu_count()} CPUs, {platform.system()} {platform.release()}",
        "Software: " + ", ".join(versions) + (f", commit {commit}" if commit else ""),
    ]


def measure(case: str, impls: list[str], repeat: int, spec: dict, log: Callable) -> dict:
    """Interleaved repetitions: each round runs every implementation once, starting one later."""
    results: dict[str, list[dict]] = {impl: [] for impl in impls}
    for r in range(repeat):
        for impl in impls[r % len(impls) :] + impls[: r % len(impls)]:
            result = run_worker({"case": case, "impl": impl, **spec})
            log(
                f"  {case:8s} {impl:24s} round {r + 1}/{repeat}: "
                + (result["error"] if "error" in result else f"{result['seconds']:.3f} s")
            )
            results[impl].append(result)
    return results


def median_seconds(runs: list[dict]) -> float | None:
    ok = [r["seconds"] for r in runs if "error" not in r]
    return statistics.median(ok) if ok else None


def check_agreement(name: str, runs: dict[str, list[dict]], key: str) -> tuple[bool, str]:
    values = {impl: r[key] for impl, rs in runs.items() for r in rs if "error" not in r}
    if not values:
        return False, f"- {name}: nothing ran"
    reference = values.get("floor", next(iter(values.values())))
    worst = max(abs(v - reference) / max(abs(reference), 1e-300) for v in values.values())
    shown = ", ".join(f"{impl} {v:.12g}" for impl, v in values.items())
    ok = worst <= TOLERANCE
    verdict = "agree" if ok else f"DISAGREE (limit {TOLERANCE:g})"
    return ok, f"- {name}: {shown}; largest relative difference {worst:.1e}: {verdict}"


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    return f"{x:.{digits}g}" if x < 1000 else f"{x:,.0f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def report(cfg: dict, quick: bool, log: Callable) -> tuple[str, bool]:
    available = ["floor", "microprop", NO_GC, "microprop, elementwise"]
    missing = []
    optional = {"micrograd": ["micrograd"], "torch": ["torch, scalars", "torch, batched"]}
    for package, impls in optional.items():
        if importable(package):
            available += impls
        else:
            missing.append(package)
    impls = [i for i in IMPLEMENTATIONS if i in available]
    log(
        f"implementations: {', '.join(impls)}"
        + (f" (not installed: {', '.join(missing)})" if missing else "")
    )
    spec = {"cfg": cfg}
    demo = measure("demo", impls, cfg["repeat"], spec, log)
    article = measure("article", impls, cfg["repeat"], spec, log)
    chain_impls = [i for i in impls if i in WORKERS["chain"] or i == NO_GC]
    chain = measure("chain", chain_impls, cfg["chain_repeat"], {"n": cfg["chain"]}, log)
    chain_n = {impl: cfg["chain"] for impl in chain_impls}
    if "micrograd" in chain and all("error" in r for r in chain["micrograd"]):
        # It may run out of stack or memory: find the largest size it manages, in tenths.
        n = cfg["chain"] // 10
        while n >= 1000:
            runs = measure("chain", ["micrograd"], cfg["chain_repeat"], {"n": n}, log)["micrograd"]
            if any("error" not in r for r in runs):
                chain["micrograd"], chain_n["micrograd"] = runs, n
                break
            n //= 10
    mem = {
        impl: run_worker({"case": "memory", "impl": impl, "n": cfg["memory_chain"], "cfg": cfg})
        for impl in ("microprop", "micrograd")
        if impl in impls
    }
    for impl, m in mem.items():
        log(f"  memory   {impl:24s} " + (m["error"] if "error" in m else "done"))

    steps, points = cfg["demo_steps"], cfg["demo_points"]
    demo_t = {i: ratio(median_seconds(demo[i]), steps / 1e3) for i in impls}  # ms per step
    art_t = {i: ratio(median_seconds(article[i]), cfg["article_samples"] / 1e6) for i in impls}
    chain_t = {i: ratio(median_seconds(chain[i]), 2 * chain_n[i] / 1e9) for i in chain_impls}

    sizes = ", ".join(map(str, cfg["demo_sizes"]))
    rows = [
        (
            f"micrograd's demo: MLP(2, [{sizes}]), {points} moons, full batch, hinge + L2",
            "ms per step",
            demo_t,
        ),
        (
            f"the article's 4-2-2-1 network (ReLU), SGD one sample at a time, "
            f"{cfg['article_samples']:,} samples",
            "µs per sample",
            art_t,
        ),
        (
            f"a chain of x = x * 1.0001 + 0.0001, {cfg['chain']:,} times: build + backward",
            "ns per op",
            chain_t,
        ),
    ]
    lines = ["# microprop benchmarks", ""] + [f"{m}  " for m in machine()]
    lines += [
        f"Mode: {'quick (sizes too small for the ratios to mean much)' if quick else 'full'}; "
        f"medians of {cfg['repeat']} interleaved repetitions ({cfg['chain_repeat']} for the "
        "chain), CPU time, each run in a fresh process.",
        "",
        "| case | unit | " + " | ".join(impls) + " |",
        "|---|---|" + "---:|" * len(impls),
    ]
    for name, unit, t in rows:
        cells = []
        for i in impls:
            cell = fmt(t.get(i))
            if t is chain_t and i in chain_n and chain_n[i] != cfg["chain"] and t.get(i):
                cell += f" (at {chain_n[i]:,})"
            cells.append(cell if i in t else "-")
        lines.append(f"| {name} | {unit} | " + " | ".join(cells) + " |")
    lines += [
        "",
        "floor: the same network trained by hand-written Python (benchmarks/floor.py), no graph. "
        "gc off: microprop with Python's cyclic garbage collector switched off, which is safe "
        "for microprop alone (its graphs hold no reference cycles) and shows the collector's "
        "share of its time. elementwise: micrograd's graph, one node per multiply and per add, "
        "on microprop's engine. torch: float64, one thread.",
    ]

    # The targets of issue 5, each with the measured ratio; the gc-off rows are for information.
    def speedup(t: dict, impl: str = "microprop") -> float | None:
        return ratio(t.get("micrograd"), t.get(impl))

    def to_floor(t: dict, impl: str = "microprop") -> float | None:
        return ratio(t.get(impl), t.get("floor"))

    mem_ratio = None
    if "error" not in mem.get("microprop", {"error": 1}) and "error" not in mem.get(
        "micrograd", {"error": 1}
    ):
        mem_ratio = ratio(mem["microprop"]["forward"], mem["micrograd"]["forward"])
    targets = [
        ("demo step, speed-up over micrograd", speedup(demo_t), ">= 100x", 100.0, True),
        ("demo step, time / floor", to_floor(demo_t), "<= 3x", 3.0, False),
        ("article SGD, time / floor", to_floor(art_t), "<= 2x", 2.0, False),
        ("chain, speed-up per op over micrograd", speedup(chain_t), ">= 10x", 10.0, True),
        ("memory per recorded op, microprop / micrograd", mem_ratio, "<= 1/3", 1 / 3, False),
    ]
    if NO_GC in impls:
        targets += [
            ("demo step, speed-up over micrograd, gc off", speedup(demo_t, NO_GC), "", 0, True),
            ("demo step, time / floor, gc off", to_floor(demo_t, NO_GC), "", 0, False),
            ("article SGD, time / floor, gc off", to_floor(art_t, NO_GC), "", 0, False),
            ("chain, speed-up over micrograd, gc off", speedup(chain_t, NO_GC), "", 0, True),
        ]
    lines += ["", "| target | measured | goal | met |", "|---|---:|---|---|"]
    for name, value, goal, bound, at_least in targets:
        met = (
            "n/a"
            if value is None
            else ("yes" if (value >= bound if at_least else value <= bound) else "no")
        )
        if quick:
            met = "(quick mode)"
        elif not goal:
            met = "(information)"
        shown = "n/a" if value is None else f"{value:.3g}x"
        lines.append(f"| {name} | {shown} | {goal} | {met} |")

    if mem:
        lines += [
            "",
            f"Memory (tracemalloc; chain of {cfg['memory_chain']:,} iterations, "
            f"{2 * cfg['memory_chain']:,} ops):",
            "",
            "| | " + " | ".join(mem) + " |",
            "|---|" + "---:|" * len(mem),
        ]
        for key, label, scale in (
            ("forward", "bytes per recorded op", 1),
            ("backward", "bytes per op after backward()", 1),
            ("sample", "graph of one demo sample (kB)", 1e-3),
        ):
            cells = [fmt(m[key] * scale) if "error" not in m else m["error"] for m in mem.values()]
            lines.append(f"| {label} | " + " | ".join(cells) + " |")

    checks = [
        check_agreement(f"demo, loss of step {steps + 1}", demo, "loss"),
        check_agreement("article, sum of the per-sample losses", article, "loss"),
        check_agreement(
            "chain, dx/dx0", {i: r for i, r in chain.items() if chain_n[i] == cfg["chain"]}, "grad"
        ),
    ]
    kinds = {r.get("model") for r in demo.get("microprop", []) + article.get("microprop", [])}
    kinds.discard(None)
    if kinds:
        lines += ["", f"microprop's network: {', '.join(sorted(kinds))}."]
    lines += ["", "Every implementation starts from the same weights and data:"]
    lines += [text for _, text in checks]
    errors = [
        f"- {case} / {impl}: {r['error']}"
        for case, runs in (("demo", demo), ("article", article), ("chain", chain))
        for impl, rs in runs.items()
        for r in rs[:1]
        if "error" in r
    ]
    if errors:
        lines += ["", "Failed runs:"] + errors
    lines += [
        "",
        "Re-run: `python benchmarks/run.py` (full, about ten minutes) or "
        "`python benchmarks/run.py --quick`.",
    ]
    agreed = all(ok for ok, _ in checks)
    return "\n".join(lines) + "\n", agreed and not any(
        "error" in r for rs in demo.values() for r in rs
    ) and not any("error" in r for impl in ("floor", "microprop") for r in chain.get(impl, []))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one repetition")
    parser.add_argument("--output", help="also write the markdown report to this file")
    parser.add_argument("--repeat", type=int, help="interleaved repetitions (default 5, quick 1)")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(worker(json.loads(args.worker))))
        return 0
    cfg = dict(QUICK if args.quick else FULL)
    if args.repeat is not None:
        if args.repeat < 1:
            parser.error("--repeat must be at least 1")
        cfg["repeat"] = cfg["chain_repeat"] = args.repeat
    started = time.perf_counter()

    def log(message: str) -> None:
        print(message, file=sys.stderr, flush=True)

    text, ok = report(cfg, args.quick, log)
    print(text)
    if args.output:
        Path(args.output).write_text(text)
    log(f"finished in {time.perf_counter() - started:.0f} s" + ("" if ok else "; FAILED"))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
