"""The command line: ``python -m microprop train`` and ``python -m microprop predict``.

``train`` with no arguments fits the article's 4-2-2-1 network to the built-in Iris data, prints
a short report, and saves the model and a drawing of its graph; ``predict`` uses a saved model.
"""

from __future__ import annotations

import argparse
import importlib.util
import math
import os
import re
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, NoReturn

from . import _files, article, viz
from ._checks import few, install_hint
from .csv_data import CSVData, load_csv
from .data import (
    IRIS_FEATURES,
    IRIS_SPECIES,
    ScaledOverflowError,
    Standardizer,
    load_iris,
    make_circles,
    make_moons,
    make_spiral,
    make_xor,
    train_test_split,
)
from .engine import Value, no_grad
from .graph import trace
from .losses import LOSS_TABLE
from .nary import softmax
from .nn import ACTIVATION_NAMES, MLP
from .serialization import ModelFileError, load, load_metadata, save
from .stepper import MOST_FRAMES, Stepper
from .train import STOP_REASONS, NonFiniteLossError, TrainingInterrupted, accuracy, fit, predict

__all__ = ["main"]

PROG = "python -m microprop"


def _viz_hint() -> str:
    """What the report says when the drawing was saved as DOT text: how to get an SVG."""
    return (f"to get an SVG instead: {install_hint('viz')} and apt-get install graphviz "
            "(or brew install graphviz)")


# The loss train fits with (a name in losses.LOSS_TABLE): it is saved with the model, so that
# predict can read the output as a probability. With --classes 3, one logit per species and
# cross-entropy instead.
_LOSS = "bce"
_CLASSES_LOSS = "cross_entropy"

# The most parameters train builds. Each one is a Python object (about 450 bytes with its
# gradient), and an epoch makes several graph nodes per parameter and row: 100,000 is about
# 45 MB and several seconds per epoch on Iris, far past what a scalar engine trains usefully,
# and far below what would exhaust a machine's memory (--hidden 100000,100000 asks for 10**10).
_MAX_PARAMETERS = 100_000


@dataclass(frozen=True)
class _Dataset:
    """A data set train can fit: how to get it, and how the report and the model file name it."""

    load: Callable[[int], tuple[list[Any], list[Any]]]  # seed -> (X, y)
    help: str  # its part of --data's help
    what: str  # the report's "on ..." line
    meta: dict[str, Any] = field(default_factory=dict)  # saved with the model
    # With more than two: the class names, trained with one output (a logit) each; with two the
    # data set has one output, its positive class against the rest.
    classes: tuple[str, ...] = ()
    noun: str = "class"  # what the report calls a class: "species" for Iris

    @property
    def nin(self) -> int:
        """How many features (network inputs) a row has."""
        return len(self.meta["features"])


def _shape(name: str, make: Callable[..., Any], noise: float, points: str, what: str,
           hint: str = "") -> _Dataset:
    """A seeded 2-D shape of 200 points, one output: class 1 against class 0."""
    return _Dataset(lambda seed: make(200, noise=noise, seed=seed),
                    f"{name}: 200 seeded {points}, 2 features{hint}", what,
                    {"data": name, "features": ["x", "y"], "positive": "1", "negative": "0"})


# The --data names (a CSV file is any other value): adding a data set is one row here.
_DATASETS = {
    "iris": _Dataset(
        lambda seed: load_iris("virginica"),
        "iris: Fisher's 150 flowers, 4 measurements, virginica (1) against the other two "
        "species (0)",
        "Iris: virginica (1) against setosa and versicolor (0)",
        {"data": "iris", "features": list(IRIS_FEATURES), "positive": "virginica",
         "negative": "setosa or versicolor"},
    ),
    "moons": _shape("moons", make_moons, 0.1, "two-moons points",
                    "two moons: the lower moon (1) against the upper one (0)"),
    "circles": _shape("circles", make_circles, 0.1, "points on two circles",
                      "two circles: the inner circle (1) against the outer one (0)"),
    "xor": _shape("xor", make_xor, 0.1, "points in four squares",
                  "XOR: points whose coordinates differ in sign (1) against those that agree (0)"),
    "spiral": _shape("spiral", make_spiral, 0.05, "points on two interleaved spirals",
                     "two spirals: the second spiral (1) against the first (0)",
                     " (a hard one: try --hidden 16,16)"),
}
# --classes 3: the three species, one output each; predict names the class from "classes".
_IRIS_SPECIES = _Dataset(
    lambda seed: load_iris(classes=3),
    "",
    "Iris: the three species, setosa (0), versicolor (1) and virginica (2)",
    {"data": "iris", "features": list(IRIS_FEATURES), "classes": list(IRIS_SPECIES)},
    IRIS_SPECIES,
    "species",
)


class _Parser(argparse.ArgumentParser):
    """argparse, but a bad argument gives one line (and exit code 2), not the whole usage."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")

    def exit(self, status: int = 0, message: str | None = None) -> NoReturn:
        if message:  # to a closed stderr (2>&1 | head): still exit 2, with no traceback
            try:
                sys.stderr.write(message)
                sys.stderr.flush()
            except OSError:
                _to_devnull(sys.stderr)
        raise SystemExit(status)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code: 0 ok, 1 failed, 2 bad input, 130 Ctrl-C.

    If the reader of the output goes away before its end (``train | head -1``), the work still
    finishes and saves its files, and the exit code is 141, as for a program stopped by SIGPIPE;
    if the output cannot be written for another reason (a full disk), it is 1.
    """
    if isinstance(argv, (str, bytes)):  # argparse would read "train" as five one-letter args
        raise TypeError(f"main: expected a list of arguments such as ['train'], got {argv!r:.40}")
    if argv is not None:
        argv = list(argv)
        for a in argv:
            if not isinstance(a, str):
                raise TypeError(f"main: every argument must be a str, got {type(a).__name__} {a!r}")
    out = _Output()
    try:
        code = _run(argv, out)
    except BrokenPipeError:  # argparse's own text (an error, --help) to a reader that has gone
        out.gone()
        code = 141
    finally:
        out.flush()  # what is still buffered, while a closed pipe can be handled quietly
    return out.exit_code(code)


def _run(argv: list[str] | None, out: _Output) -> int:
    saved: list[str] = []  # files written so far, for an honest message on Ctrl-C
    try:
        parser = _parser()
        args = parser.parse_args(_numbers_as_values(sys.argv[1:] if argv is None else argv))
        if args.command == "train":
            try:  # a CSV file is read here, so a bad one is refused before anything else
                args.dataset = _dataset(args)
            except _Refused as e:
                parser.error(str(e))
            problem = _size_problem(args) or _outputs_problem(args) or _html_problem(args)
            if problem:  # before training: a run must not end by losing what it made
                parser.error(problem)
            return _train(args, saved, out)
        return _predict(args, out)
    except KeyboardInterrupt as e:
        when = f" after {e.history.epochs} epochs" if isinstance(e, TrainingInterrupted) else ""
        kept = f"only {' and '.join(saved)} saved" if saved else "nothing was saved"
        out.warn(f"\n{PROG}: interrupted{when}; {kept}")
        return 130


# The options that take no value; every other option is followed by one.
_FLAGS = ("--compile", "--help", "--no-progress")
# What argparse should read as a number, not an option: its own test knows only -1 and -.5,
# so -1e-3, -5., -1_000 and -inf were "unrecognized arguments" (no option of ours looks so).
_NEGATIVE_NUMBER = re.compile(r"-\.?\d|-(inf|infinity|nan)$", re.IGNORECASE)


def _numbers_as_values(argv: list[str]) -> list[str]:
    """``argv`` with each negative number spelled so that argparse takes it as a value.

    Both spellings are argparse's documented ones: after an option that takes a value the two
    are joined (``--lr=-1e-3``); elsewhere in ``predict`` a ``--`` before the number says that it
    and all that follow are positional (``predict m.json -- -1e-3 -5.``).
    """
    out: list[str] = []
    for k, arg in enumerate(argv):
        if arg == "--":
            return out + argv[k:]
        if _NEGATIVE_NUMBER.match(arg):
            last = out[-1] if out else ""
            if last.startswith("--") and "=" not in last and not any(
                flag.startswith(last) for flag in _FLAGS  # also an abbreviation such as --no
            ):
                out[-1] = f"{last}={arg}"
                continue
            if out[:1] == ["predict"]:  # only predict has positionals (train: no -- to show)
                return [*out, "--", *argv[k:]]
        out.append(arg)
    return out


class _Output:
    """The report, on stdout, and errors, on stderr, written so that printing never stops work.

    Once a stream's reader has gone (a closed pipe), the rest of it goes to os.devnull, as
    Python's documentation on SIGPIPE advises: no BrokenPipeError traceback, and train still
    saves. Any other failure to write (``> /dev/full``) is handled the same way, and said at
    the end. ``closed`` holds each lost stream's error, for main's exit code.
    """

    def __init__(self) -> None:
        self.closed: dict[str, OSError] = {}

    def say(self, text: str, *, flush: bool = False) -> None:
        self._write("stdout", text, flush)

    def warn(self, text: str) -> None:
        self._write("stderr", text, True)

    def flush(self) -> None:
        self._write("stdout", None, True)
        self._write("stderr", None, True)

    def gone(self) -> None:
        """A closed pipe found outside ``_write`` (argparse's own text): silence both streams."""
        for name in ("stdout", "stderr"):
            self.closed[name] = BrokenPipeError()
            _to_devnull(getattr(sys, name))

    def exit_code(self, code: int) -> int:
        """main's exit code: a run that worked but whose report was lost does not return 0."""
        if code != 0 or not self.closed:
            return code
        lost = self.closed.get("stdout") or self.closed["stderr"]
        if isinstance(lost, BrokenPipeError):
            return 141  # the reader left, as in train | head -1: what SIGPIPE's end gives
        self.warn(f"{PROG}: could not write the report: {lost}")  # a full disk, say
        return 1

    def _write(self, name: str, text: str | None, flush: bool) -> None:
        stream = getattr(sys, name)
        if name in self.closed or stream is None:  # None: pythonw has no console
            return
        try:
            if text is not None:
                print(text, file=stream)
            if flush:
                stream.flush()
        except OSError as e:  # BrokenPipeError above all
            self.closed[name] = e
            _to_devnull(stream)


def _to_devnull(stream: Any) -> None:
    """Point ``stream``'s file at os.devnull, so text still buffered in it, flushed at exit,
    goes nowhere instead of failing again with a traceback."""
    try:
        fd = stream.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file, e.g. a test's StringIO
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(devnull, fd)
    finally:
        os.close(devnull)


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog=PROG,
        description="Train and use the neural network of the article 'Understanding "
        "Backpropagation Algorithm', built on microprop's scalar autodiff engine.",
    )
    commands = parser.add_subparsers(dest="command", metavar="{train,predict}", required=True)
    _add_train(commands)
    _add_predict(commands)
    return parser


def _add_train(commands: Any) -> None:
    train = commands.add_parser(
        "train",
        help="train a network and save it (no arguments: the article's network on Iris)",
        description="Train by gradient descent until a termination condition holds: the maximum "
        "number of epochs, the loss below --tol, or no improvement for --patience epochs. "
        "Then print a report and save the model and a drawing of its graph.",
    )
    add = train.add_argument
    add("--data", type=_data_source, default="iris", metavar="NAME|FILE.csv",
        help="; ".join(d.help for d in _DATASETS.values()) + "; or the path of a CSV file: a "
        "header row naming the columns, numeric features, and a target column of class names "
        "or whole numbers, each value a class (a file named as a data set: ./moons) "
        "(default: iris)")
    add("--target", default=None, metavar="NAME",
        help="the CSV file's target column (default: its last column)")
    add("--classes", type=_class_count, default=None, metavar="K",
        help="2: one output, the --data's positive class against the rest; 3: all three Iris "
        "species, one output each, trained with cross-entropy (default: 2; for a CSV file, "
        "its number of classes: one output for two, one output each for more)")
    add("--activation", choices=ACTIVATION_NAMES, default="tanh",
        help="the hidden layers' activation f (default: tanh)")
    add("--hidden", type=_sizes, default=[2, 2], metavar="N,N",
        help="hidden layer sizes, comma-separated, for a network of at most "
        f"{_MAX_PARAMETERS:,} parameters (default: 2,2, the article's)")
    add("--lr", type=_positive_float, default=0.5,
        help="learning rate, the article's epsilon (default: 0.5)")
    add("--epochs", type=_positive_int, default=1000, help="at most this many (default: 1000)")
    add("--tol", type=_nonnegative_float, default=0.05,
        help="stop once the loss is below this; 0 turns it off (default: 0.05)")
    add("--patience", type=_nonnegative_int, default=50,
        help="stop after this many epochs without improvement; 0 turns it off (default: 50)")
    add("--seed", type=_int, default=0,
        help="seed for the data split and the initial weights (default: 0)")
    add("--model", type=_output_file, default="model.json", metavar="PATH",
        help="where to save the trained model as JSON (default: model.json)")
    add("--graph", type=_output_file, default="model.svg", metavar="PATH",
        help="where to save a drawing of the graph of one example's loss; .svg needs Graphviz, "
        "otherwise the DOT text goes to a .dot file (default: model.svg)")
    add("--html", type=_output_file, default=None, metavar="PATH",
        help="also write a web page that steps through backward() on that example's loss, one "
        "node at a time, with the arithmetic of each step (any browser, no network needed; "
        "needs the graphviz Python package, the viz extra)")
    add("--compile", action="store_true",
        help="train with microprop.compile: each example's loss runs as generated Python, "
        "the same model up to rounding (about 1e-13 apart), in less time")
    add("--no-progress", action="store_true", help="no progress bar")


def _add_predict(commands: Any) -> None:
    predict = commands.add_parser(
        "predict",
        help="use a saved model on one example",
        description="Print a saved model's prediction for one example, given as numbers in the "
        "original units (the model file knows how its inputs were scaled).",
    )
    predict.add_argument("model", metavar="MODEL.json", help="a file saved by train")
    predict.add_argument("x", nargs="+", type=_finite_float, metavar="x",
                         help="the inputs, e.g. 6.3 3.3 6.0 2.5 for an Iris model")


# ---- train -------------------------------------------------------------------------------------


def _graph_files(path: str) -> list[str]:
    """Every file ``--graph path`` may write: the drawing, and the DOT text it falls back to."""
    base, suffix = os.path.splitext(path)
    return [path] if suffix.lower() in (".dot", ".gv") else [path, base + ".dot"]


class _Refused(Exception):
    """Data that train cannot use (a bad --data, --target or --classes): the one-line reason."""


def _dataset(args: argparse.Namespace) -> _Dataset:
    """What train fits: a --data name, with --classes, or a CSV file read and checked."""
    if args.data not in _DATASETS:
        return _csv_dataset(args.data, args.target, args.classes)
    if args.target is not None:
        raise _Refused(f"--target {args.target} picks a column of a CSV file, but --data "
                       f"{args.data} is built in; give a CSV file, or leave --target out")
    if args.classes in (None, 2):
        return _DATASETS[args.data]
    if args.data != "iris":
        raise _Refused(f"--classes {args.classes} trains on the three Iris species, but --data "
                       f"{args.data} has two classes; give --data iris, or --classes 2")
    return _IRIS_SPECIES


def _csv_dataset(path: str, target: str | None, classes: int | None) -> _Dataset:
    """A CSV file as train fits it: its target's values are the classes, in sorted order."""
    try:
        table = load_csv(path, target)
    except (OSError, ValueError) as e:  # load_csv's message, said as the option's
        message = str(e)
        for prefix, option in (("load_csv(target): ", "--target"), ("load_csv(path): ", "--data"),
                               ("load_csv: ", "--data")):
            message = message.replace(prefix, f"argument {option}: ", 1)
        raise _Refused(message) from None
    names, y = _csv_classes(path, table)
    if classes is not None and classes != len(names):
        raise _Refused(f"--classes {classes}, but the target {table.target!r} of {path} has "
                       f"{len(names)} classes ({few(list(names))}); leave --classes out: a CSV "
                       "file's classes are its target's values")
    meta: dict[str, Any] = {"data": path, "features": list(table.features),
                            "target": table.target}
    if len(names) == 2:  # one output, as for the built-in data: the second name is 1
        meta |= {"positive": names[1], "negative": names[0]}
        what = f"{path}: {table.target} {names[1]} (1) against {names[0]} (0)"
        return _Dataset(lambda seed: (table.X, y), "", what, meta)
    meta["classes"] = list(names)
    shown = ", ".join(f"{name} ({c})" for c, name in enumerate(names[:3]))
    more = f" and {len(names) - 3} more" if len(names) > 3 else ""
    what = f"{path}: the {len(names)} classes of {table.target}, {shown}{more}"
    return _Dataset(lambda seed: (table.X, y), "", what, meta, names)


def _csv_classes(path: str, table: CSVData) -> tuple[tuple[str, ...], list[int]]:
    """The class names and each row's class index: text names as load_csv sorted them, or
    whole numbers in numeric order named as written (0/1 labels stay 0 and 1). Train
    classifies, so a target of other numbers is refused, and so is a class with one row, which
    the held-out fifth of each class cannot be taken from."""
    if table.classes is not None:
        names, y = tuple(table.classes), [int(c) for c in table.y]  # indices already
    else:
        for x in table.y:
            if not float(x).is_integer():
                raise _Refused(f"argument --data: the target {table.target!r} of {path} holds "
                               f"{x!r}, not a whole number; train classifies, so its target "
                               "must be class names or whole numbers (one class each)")
        values = sorted({int(x) for x in table.y})
        index = {v: c for c, v in enumerate(values)}
        names, y = tuple(str(v) for v in values), [index[int(x)] for x in table.y]
    counts = [0] * len(names)
    for c in y:
        counts[c] += 1
    for name, n in zip(names, counts):
        if n < 2:
            raise _Refused(f"argument --data: class {name!r} of the target {table.target!r} in "
                           f"{path} has {n} row; train holds out a fifth of each class, so each "
                           "needs at least 2 rows")
    return names, y


def _species(args: argparse.Namespace) -> bool:
    """Whether train fits one output per class (--classes 3, or a CSV file of 3 or more)."""
    return bool(args.dataset.classes)


def _loss_name(args: argparse.Namespace) -> str:
    return _CLASSES_LOSS if _species(args) else _LOSS


def _sizes_of(args: argparse.Namespace, nin: int) -> list[int]:
    """The network's layer sizes, inputs first: --hidden, then one output or one per species."""
    return [nin, *args.hidden, len(args.dataset.classes) if _species(args) else 1]


def _outputs_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with train's outputs, found before training: a suffix Graphviz cannot
    draw, a .dot fallback that cannot be written, or two outputs that are one file (the second
    write would replace the first); None if nothing."""
    model = args.model
    suffix = os.path.splitext(args.graph)[1].lower()
    formats = _graphviz_formats()
    if suffix not in ("", ".dot", ".gv") and formats and suffix[1:] not in formats:
        return (f"--graph {args.graph}: Graphviz cannot draw {suffix} files; give .svg, .png, "
                ".pdf or another Graphviz format, or .dot for the DOT text")
    for graph in _graph_files(args.graph)[1:]:  # the paths themselves passed _output_file
        problem = _unwritable(graph)
        if problem:
            return f"--graph {args.graph} falls back to {graph} without Graphviz, but {problem}"
    for graph in _graph_files(args.graph):
        if _same_file(model, graph):
            via = "" if graph == args.graph else (
                f" (its DOT text, written when Graphviz cannot draw, goes to {graph})"
            )
            return (f"--model {model} and --graph {args.graph}{via} are the same file, "
                    f"{os.path.realpath(graph)}; give two different paths")
    return None


def _html_problem(args: argparse.Namespace) -> str | None:
    """What is wrong with --html, found before training: a path that another output takes, a
    network whose loss has more backward steps than one page holds, or no graphviz package to
    draw the page with; None if nothing."""
    if args.html is None:
        return None
    taken = [("--model", args.model)] + [("--graph", g) for g in _graph_files(args.graph)]
    for name, other in taken:
        if _same_file(args.html, other):
            return (f"--html {args.html} and {name} {other} are the same file, "
                    f"{os.path.realpath(other)}; give two different paths")
    nin = args.dataset.nin
    cost = _one_cost(_model(args, nin), [0.0] * nin, 0.0, _loss_name(args))
    nodes, _ = trace(cost)
    steps = sum(1 for v in nodes if v._children)  # backward's steps: one per node that is no leaf
    if steps + 1 > MOST_FRAMES:  # the trained network has the same graph as this untrained one
        return (f"--html: one example's loss on this network has {steps:,} backward steps, more "
                f"than one page holds ({MOST_FRAMES - 1}); give smaller --hidden sizes")
    try:
        _stepper(cost).check_page("--html")  # and as many nodes to draw
    except ValueError as e:
        return f"{e}; give smaller --hidden sizes"
    if importlib.util.find_spec("graphviz") is None:  # the page's drawing is a graphviz.Digraph
        return (f"--html {args.html} needs the graphviz Python package, which is not installed: "
                f"{install_hint('viz')}")
    return None


def _graphviz_formats() -> frozenset[str]:
    """What Graphviz can draw here; empty when it cannot draw at all (then DOT text is saved)."""
    if importlib.util.find_spec("graphviz") is None or not shutil.which("dot"):
        return frozenset()
    import graphviz

    return frozenset(graphviz.FORMATS)


def _same_file(a: str, b: str) -> bool:
    """Whether two paths name one file: other spellings, ``..``, symbolic and hard links."""
    if os.path.exists(a) and os.path.exists(b):
        return os.path.samefile(a, b)
    # realpath resolves the folders and any (even dangling) link; normcase folds case on Windows
    return os.path.normcase(os.path.realpath(a)) == os.path.normcase(os.path.realpath(b))



def _train(args: argparse.Namespace, saved: list[str], out: _Output) -> int:
    started = time.perf_counter()
    data = args.dataset
    loss = _loss_name(args)
    X, y = data.load(args.seed)
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_fraction=0.2, seed=args.seed, stratify=True
    )
    scaler = Standardizer.fit(X_train)  # training statistics only: nothing leaks from the test
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    nin = len(X_train[0])
    model = _model(args, nin)
    _print_header(args, data, nin, len(X_train), len(X_test), out)
    try:
        history = fit(
            model, X_train, y_train, loss=loss, lr=args.lr, epochs=args.epochs,
            tol=args.tol or None, patience=args.patience or None, min_delta=1e-4,
            progress=False if args.no_progress else None, compile=args.compile,
        )
    except NonFiniteLossError as e:
        out.warn(f"{PROG}: training failed: {str(e).removeprefix('fit: ')}")
        return 1
    meta = {
        **data.meta,
        "loss": loss,
        "standardize": {"mean": scaler.mean, "std": scaler.std},
        "trained_by": f"{PROG} train",
    }
    # Save first, report after: whatever happens to the report, the trained model is kept.
    try:
        save(model, args.model, metadata=meta)
        saved.append(args.model)
        graph_path, hint = _save_graph(
            model, X_train[0], y_train[0], (args.graph, args.model), loss
        )
        saved.append(graph_path)
        if args.html is not None:
            saved.append(_save_html(model, X_train[0], y_train[0], args.html, loss))
    except (OSError, ValueError) as e:
        out.warn(f"{PROG}: could not save: {e}")
        return 1
    _print_results(args, history, model, (X_train, y_train), (X_test, y_test), out)
    out.say(f"saved         {', '.join(saved)}")
    if hint:
        out.say(f"              ({hint})")
    out.say(f"took          {time.perf_counter() - started:.1f} s")
    return 0


def _model(args: argparse.Namespace, nin: int) -> MLP:
    return MLP(nin, _sizes_of(args, nin)[1:], activation=args.activation, output_bias=False,
               seed=args.seed)


def _print_header(
    args: argparse.Namespace, data: _Dataset, nin: int, n_train: int, n_test: int, out: _Output
) -> None:
    shape = "-".join(str(n) for n in _sizes_of(args, nin))
    whose = " the article's" if data is _DATASETS["iris"] and args.hidden == [2, 2] else ""
    outputs = (f"linear outputs without bias, one logit per {data.noun}" if _species(args)
               else "linear output without bias")
    out.say(f"Training{whose} {shape} network ({args.activation}, {outputs})")
    out.say(f"on {data.what}; {n_train} training rows, {n_test} held out.")
    title = LOSS_TABLE[_loss_name(args)].title
    compiled = ", compiled" if args.compile else ""
    out.say(f"Gradient descent, lr {args.lr:g}, {title}, seed {args.seed}{compiled}.",
            flush=True)  # the last line before training: tests wait for it before Ctrl-C


def _print_results(
    args: argparse.Namespace, history: Any, model: MLP, train: tuple[Any, ...],
    test: tuple[Any, ...], out: _Output
) -> None:
    reason = STOP_REASONS[history.stop_reason]
    if history.stop_reason == "tolerance":
        reason += f" ({args.tol:g})"
    elif history.stop_reason == "plateau":
        reason += f" (by more than 1e-4 in {args.patience} epochs)"
    title = LOSS_TABLE[_loss_name(args)].title
    out.say(f"epochs run    {history.epochs} (at most {args.epochs})")
    out.say(f"stopped       {reason}")
    out.say(f"final loss    {history.final_loss:.4g} (mean {title}, training rows)")
    out.say(f"accuracy      train {accuracy(model, *train):.3f}, "
            f"held-out {accuracy(model, *test):.3f} ({len(test[0])} rows)")
    if _species(args):
        _print_per_class(model, test, args.dataset, out)


def _print_per_class(model: MLP, test: tuple[Any, ...], data: _Dataset, out: _Output) -> None:
    """Held-out accuracy of each class, and the confusion table: true class by row."""
    X, y = test
    guesses = predict(model, X)
    names = data.classes
    k = len(names)
    counts = [[0] * k for _ in range(k)]
    for label, guess in zip(y, guesses, strict=True):
        counts[label][guess] += 1
    parts = []
    for c, name in enumerate(names):
        n = sum(counts[c])
        parts.append(f"{name} {counts[c][c] / n:.3f} ({counts[c][c]}/{n})" if n else f"{name} -")
    out.say("per class     held-out: " + ", ".join(parts))
    width = max(map(len, names))
    out.say(f"confusion     held-out rows: true {data.noun} down, predicted across")
    out.say(" " * (16 + width) + "  ".join(f"{name:>{width}}" for name in names))
    for c, name in enumerate(names):
        cells = "  ".join(f"{n:>{width}}" for n in counts[c])
        out.say(f"{'':14}{name:<{width}}  {cells}")


def _one_cost(model: MLP, x: list[float], y: float, loss: str) -> Value:
    """One example's cost C, its values named as the article names them: x_1, z^(2)_1, s, C."""
    function = LOSS_TABLE[loss].function
    several = len(model.layers[-1].neurons) > 1  # a logit per class, and a class number
    cost = article.forward(model, x, int(y) if several else y, cost=function).C
    assert cost is not None  # a target was given
    return cost


def _save_graph(
    model: MLP, x: list[float], y: float, paths: tuple[str, str], loss: str
) -> tuple[str, str]:
    """Draw one example's cost C after backward(); SVG when Graphviz can, else DOT text.

    ``paths``: the drawing's (--graph) and the model's (--model)."""
    path, model_path = paths
    cost = _one_cost(model, x, y, loss)
    model.zero_grad()
    cost.backward()
    *drawing, dot_path = _graph_files(path)  # the same list _outputs_problem checked
    suffix = os.path.splitext(path)[1].lower()  # Graph.SVG is an SVG too
    options = {"group": "neuron"}
    hint = ""
    if drawing:
        if not _graphviz_formats():
            hint = _viz_hint()
        else:
            try:
                data = viz.draw_dot(cost, format=suffix.lstrip(".") or "svg", **options).pipe()
            except Exception as e:  # any rendering failure still leaves the DOT text
                hint = f"could not render {path}: {e}"
            else:
                _write_drawing(path, data, model_path)
                return path, ""
    _write_drawing(dot_path, viz.dot_source(cost, **options), model_path)
    return dot_path, hint


def _save_html(model: MLP, x: list[float], y: float, path: str, loss: str) -> str:
    """The page that steps through backward() on one example's cost (see microprop.stepper)."""
    return _stepper(_one_cost(model, x, y, loss)).save_html(path)


def _stepper(cost: Value) -> Stepper:
    # One box per neuron, named as the article names them, reads best on a projector.
    return Stepper(cost, show_local_grads=True, color="grad", collapse=True, names="article")


def _write_drawing(path: str, data: bytes | str, model_path: str) -> None:
    # Checked again now that the model exists: a file system may see one file where the paths
    # differ (case on macOS and Windows, Unicode forms), which no check before training can know.
    if os.path.exists(path) and os.path.samefile(path, model_path):
        raise FileExistsError(f"{path} is the file the model was just saved to, {model_path}, "
                              "on this file system; give --graph another name")
    _files.write_atomic(path, data)


# ---- predict -----------------------------------------------------------------------------------


def _predict(args: argparse.Namespace, out: _Output) -> int:
    try:
        model = load(args.model)
        meta = load_metadata(args.model)
    except (OSError, ModelFileError) as e:
        out.warn(f"{PROG}: error: {e}")
        return 2
    nin = getattr(model, "nin", None)
    if nin != len(args.x):
        names = meta.get("features")
        which = f" ({', '.join(map(str, names))})" if isinstance(names, list) else ""
        out.warn(f"{PROG}: error: this model takes {nin} inputs{which}, got {len(args.x)}")
        return 2
    x = _scaled(args, meta, out)
    if x is None:
        return 2
    with no_grad():
        y = model(x)
    outputs = [y] if isinstance(y, Value) else y
    if not all(math.isfinite(v.data) for v in outputs):  # finite inputs, yet it overflowed
        out.warn(f"{PROG}: error: the model's output for these inputs is "
                 f"{' '.join(f'{v.data:g}' for v in outputs)}; they are too far from the data "
                 "it was trained on")
        return 2
    loss = meta.get("loss")
    entry = LOSS_TABLE.get(loss) if isinstance(loss, str) else None  # the file may hold anything
    if not isinstance(y, Value):
        if entry is not None and entry.classes:  # one logit per class: say which, how sure
            out.say(_class_answer(y, meta.get("classes")))
        else:
            out.say("outputs       " + " ".join(f"{v.data:.6g}" for v in y))
        return 0
    s = y.data
    probability = None if entry is None else entry.probability
    if probability is not None:  # a classifier's logit: say which class, and how sure
        p = probability(s)
        positive, negative = str(meta.get("positive", "1")), str(meta.get("negative", "0"))
        label = positive if s > 0 else negative
        out.say(f"{label}  (probability of {positive}: {p:.3f}; logit {s:.4g})")
    else:
        out.say(f"output        {s:.6g}")
    return 0


def _class_answer(logits: list[Value], names: object) -> str:
    """The arg-max class by name (from the metadata's "classes", else its index), its
    probability, and every other class's: ``virginica  (probability 0.981; setosa 0.000, ...)``."""
    k = len(logits)
    if not (isinstance(names, list) and len(names) == k):
        names = [str(c) for c in range(k)]
    with no_grad():
        ps = [p.data for p in softmax(logits)]
    best = max(range(k), key=ps.__getitem__)  # the first on a tie, as predict's arg-max
    others = ", ".join(f"{names[c]} {ps[c]:.3f}" for c in range(k) if c != best)
    return f"{names[best]}  (probability {ps[best]:.3f}; {others})"


def _scaled(args: argparse.Namespace, meta: dict[str, Any], out: _Output) -> list[float] | None:
    """The inputs as the model saw them in training; None once an error has been said."""
    x = list(args.x)
    scale = meta.get("standardize")
    if scale is None:
        return x
    try:
        scaler = Standardizer(scale["mean"], scale["std"])
        return scaler.transform([x])[0]
    except ScaledOverflowError as e:  # a finite number, but (x - mean) / std overflowed
        k = e.feature
        names = meta.get("features")
        name = f" ({names[k]})" if isinstance(names, list) and k < len(names) else ""
        out.warn(f"{PROG}: error: input {k + 1}{name} = {e.value:g} is too large for this "
                 f"model: scaled as in training, (x - {scaler.mean[k]:.4g}) / "
                 f"{scaler.std[k]:.4g}, it is {e.scaled}")
    except (KeyError, TypeError, ValueError) as e:
        out.warn(f"{PROG}: error: {args.model}: bad 'standardize' metadata: {e}")
    return None


# ---- argument types: each failure is one line from argparse ------------------------------------


def _finite_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number: {text!r}") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text!r}")
    return x


def _positive_float(text: str) -> float:
    x = _finite_float(text)
    if x <= 0:
        raise argparse.ArgumentTypeError(f"must be a number > 0, got {text!r}")
    return x


def _nonnegative_float(text: str) -> float:
    x = _finite_float(text)
    if x < 0:
        raise argparse.ArgumentTypeError(f"must be a number >= 0, got {text!r}")
    return x


def _int(text: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None


def _positive_int(text: str) -> int:
    n = _int(text)
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 1, got {text!r}")
    return n


def _nonnegative_int(text: str) -> int:
    n = _int(text)
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be a whole number >= 0, got {text!r}")
    return n


def _class_count(text: str) -> int:
    n = _int(text)
    if n not in (2, 3):
        raise argparse.ArgumentTypeError(
            f"expected 2 (one output: a class against the rest) or 3 (the three Iris species, "
            f"one output each), got {text!r}"
        )
    return n


def _data_source(text: str) -> str:
    """A --data name, or the path of a file to read as CSV (read after parsing, with --target)."""
    if text in _DATASETS or (os.path.exists(text) and not os.path.isdir(text)):
        return text
    names = ", ".join(_DATASETS)
    if os.path.isdir(text):
        raise argparse.ArgumentTypeError(f"{text!r} is a folder; expected one of {names}, or "
                                         "the path of a CSV file")
    raise argparse.ArgumentTypeError(f"no data set or file named {text!r}; expected one of "
                                     f"{names}, or the path of a CSV file")


def _output_file(text: str) -> str:
    problem = _unwritable(text)
    if problem:
        raise argparse.ArgumentTypeError(problem)
    return text


def _unwritable(path: str) -> str | None:
    """Why ``path`` cannot be written, or None. Checked before training, not found after it."""
    if not path:
        return "the file name is empty"
    if "\0" in path:
        return f"{path!r} holds a NUL character, which no file name can"
    try:
        name = os.fsencode(os.path.basename(path))
    except UnicodeEncodeError:
        return f"{path!r} cannot be spelled in this system's file names"
    if os.path.isdir(path):
        return f"{path!r} is a folder; give a file name"
    if not name:
        return f"{path!r} ends with a separator; give a file name"
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        return f"the folder {folder!r} does not exist"
    longest = _path_limit(folder, "PC_NAME_MAX", 255)
    if len(name) > longest:
        return f"the file name is {len(name)} bytes long; this folder takes at most {longest}"
    longest = _path_limit(folder, "PC_PATH_MAX", 4096)
    if len(os.fsencode(os.path.abspath(path))) >= longest:  # the limit counts the final NUL
        return f"the path is longer than this system's {longest - 1} bytes"
    if not os.access(folder, os.W_OK | os.X_OK):
        return f"the folder {folder!r} is not writable"
    return None


def _path_limit(folder: str, name: str, default: int) -> int:
    try:
        return os.pathconf(folder, name)
    except (AttributeError, OSError, ValueError):  # no pathconf (Windows), or no limit known
        return default


def _sizes(text: str) -> list[int]:
    parts = text.split(",")
    if len(parts) > _MAX_PARAMETERS:  # each layer holds at least one parameter
        raise argparse.ArgumentTypeError(
            f"{len(parts):,} layers, more than a network of at most {_MAX_PARAMETERS:,} "
            "parameters can have"
        )
    sizes = []
    for part in parts:
        if len(part.strip()) > len(str(_MAX_PARAMETERS)) and part.strip().isdigit():
            raise argparse.ArgumentTypeError(  # and int() itself refuses 4,300 digits or more
                f"a layer of {part.strip()[:20]}{'...' if len(part.strip()) > 20 else ''} "
                f"neurons; train builds networks of at most {_MAX_PARAMETERS:,} parameters"
            )
        try:
            sizes.append(int(part))
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"expected sizes separated by commas, such as 2,2 or 16,16; got {text[:40]!r}"
            ) from None
    if any(n < 1 for n in sizes):
        raise argparse.ArgumentTypeError(f"every size must be >= 1, got {text[:40]!r}")
    return sizes


def _size_problem(args: argparse.Namespace) -> str | None:
    """Why train would not build the network --hidden asks for, or None: counted from the
    sizes alone, before anything is built, so --hidden 100000,100000 costs nothing."""
    shape = _sizes_of(args, args.dataset.nin)
    # (inputs + bias) * neurons for each hidden layer, then the output neurons, without bias
    n = sum((a + 1) * b for a, b in zip(shape[:-2], shape[1:-1], strict=True))
    n += shape[-2] * shape[-1]
    if n <= _MAX_PARAMETERS:
        return None
    named = "-".join(map(str, shape)) if len(shape) <= 8 else f"{len(args.hidden):,}-hidden-layer"
    return (f"argument --hidden: a {named} network on --data {args.data} has {n:,} parameters; "
            f"train builds at most {_MAX_PARAMETERS:,}")
