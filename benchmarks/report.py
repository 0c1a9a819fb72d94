"""The benchmark report: the machine, one table row per problem and one column per implementation
(medians, in each problem's unit), the targets with their goals, memory, and the check that every
implementation ended at the same number. The README quotes the table, so its shape is fixed.
"""

from __future__ import annotations

import os
import platform
import statistics
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from benchmarks.implementations import (
    COMPILED,
    COMPILED_NUMPY,
    COMPILED_PYTHON,
    COMPILED_TAPE,
    IMPLEMENTATIONS,
    NO_GC,
)
from benchmarks.measure import Results, measure_all
from benchmarks.problems import PROBLEMS

ROOT = Path(__file__).resolve().parent.parent
TOLERANCE = 1e-9  # relative difference allowed between final losses

Times = dict[str, dict[str, "float | None"]]  # row (a problem, or "memory") -> column -> number


class Target(NamedTuple):
    """A goal for one measured ratio; without a goal the row is for information."""

    name: str
    measured: Callable[[Times], float | None]
    goal: str = ""
    bound: float = 0.0
    at_least: bool = True  # the goal is a lower bound (else an upper one)
    column: str | None = None  # shown only when this column ran


def over(row: str, top: str, bottom: str) -> Callable[[Times], float | None]:
    """The ratio of two columns of one row."""
    return lambda t: ratio(t[row].get(top), t[row].get(bottom))


def speedup(row: str, impl: str = "microprop") -> Callable[[Times], float | None]:
    return over(row, "micrograd", impl)


def to_floor(row: str, impl: str = "microprop") -> Callable[[Times], float | None]:
    return over(row, impl, "floor")


# The targets of issue 5, each with the measured ratio; the gc-off rows are for information.
TARGETS = (
    Target("demo step, speed-up over micrograd", speedup("demo"), ">= 100x", 100.0),
    Target("demo step, time / floor", to_floor("demo"), "<= 3x", 3.0, at_least=False),
    Target("article SGD, time / floor", to_floor("article"), "<= 2x", 2.0, at_least=False),
    Target("chain, speed-up per op over micrograd", speedup("chain"), ">= 10x", 10.0),
    Target("iris epoch, time / floor", to_floor("iris"), "<= 2x", 2.0, at_least=False),
    Target(
        "memory per recorded op, microprop / micrograd",
        over("memory", "microprop", "micrograd"),
        "<= 1/3",
        1 / 3,
        at_least=False,
    ),
    Target("demo step, speed-up over micrograd, gc off", speedup("demo", NO_GC), column=NO_GC),
    Target("demo step, time / floor, gc off", to_floor("demo", NO_GC), column=NO_GC),
    Target("article SGD, time / floor, gc off", to_floor("article", NO_GC), column=NO_GC),
    Target("chain, speed-up over micrograd, gc off", speedup("chain", NO_GC), column=NO_GC),
    Target("iris epoch, time / floor, gc off", to_floor("iris", NO_GC), column=NO_GC),
    # The compiled mode's first targets (issue 14), for the generated Python it had then.
    Target("demo step, speed-up over micrograd, compiled, python",
           speedup("demo", COMPILED_PYTHON), ">= 300x", 300.0, column=COMPILED_PYTHON),
    Target("demo step, time / floor, compiled, python", to_floor("demo", COMPILED_PYTHON),
           "<= 0.5x", 0.5, at_least=False, column=COMPILED_PYTHON),
    Target("article SGD, time / floor, compiled, python", to_floor("article", COMPILED_PYTHON),
           "<= 0.7x", 0.7, at_least=False, column=COMPILED_PYTHON),
    Target("iris epoch, time / floor, compiled, python", to_floor("iris", COMPILED_PYTHON),
           "<= 0.7x", 0.7, at_least=False, column=COMPILED_PYTHON),
    # The speed targets of the backends: the tape is fit(compile=True)'s default where built.
    Target("demo step, time / floor, compiled, tape", to_floor("demo", COMPILED_TAPE),
           "<= 0.05x", 0.05, at_least=False, column=COMPILED_TAPE),
    Target("demo step, speed-up over batched float64 torch, compiled, tape",
           over("demo", "torch, batched", COMPILED_TAPE), "> 1x", 1.0, column=COMPILED_TAPE),
    Target("iris epoch, time / floor, compiled, tape", to_floor("iris", COMPILED_TAPE),
           "<= 0.05x", 0.05, at_least=False, column=COMPILED_TAPE),
    Target("article SGD, time / floor, compiled, tape", to_floor("article", COMPILED_TAPE),
           "<= 0.3x", 0.3, at_least=False, column=COMPILED_TAPE),
    Target("demo step, time / floor, compiled, numpy", to_floor("demo", COMPILED_NUMPY),
           "<= 0.1x", 0.1, at_least=False, column=COMPILED_NUMPY),
    Target("iris epoch, time / floor, compiled, numpy", to_floor("iris", COMPILED_NUMPY),
           "<= 0.1x", 0.1, at_least=False, column=COMPILED_NUMPY),
    Target("article SGD, time / floor, compiled, numpy", to_floor("article", COMPILED_NUMPY),
           column=COMPILED_NUMPY),
)
MEMORY_ROWS = (
    ("forward", "bytes per recorded op", 1),
    ("backward", "bytes per op after backward()", 1),
    ("sample", "graph of one demo sample (kB)", 1e-3),
)


def fmt(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "n/a"
    return f"{x:.{digits}g}" if x < 1000 else f"{x:,.0f}"


def ratio(a: float | None, b: float | None) -> float | None:
    return None if a is None or b is None or b == 0 else a / b


def median_seconds(runs: list[dict]) -> float | None:
    ok = [r["seconds"] for r in runs if "error" not in r]
    return statistics.median(ok) if ok else None


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


def unit_times(results: Results, cfg: dict) -> Times:
    """Each problem's medians in its unit, at the size each implementation ran at; and bytes
    per recorded op for each engine whose memory was measured."""
    times: Times = {}
    for p in PROBLEMS:
        shrunk = results.shrunk[p.name]
        times[p.name] = {
            impl: ratio(
                median_seconds(runs),
                p.per({**cfg, p.size: shrunk[impl]} if impl in shrunk and p.size else cfg),
            )
            for impl, runs in results.runs[p.name].items()
        }
    times["memory"] = {impl: m["forward"] for impl, m in results.memory.items() if "error" not in m}
    return times


def timing_table(results: Results, times: Times, cfg: dict) -> list[str]:
    impls = results.impls
    lines = [
        "| case | unit | " + " | ".join(impls) + " |",
        "|---|---|" + "---:|" * len(impls),
    ]
    for p in PROBLEMS:
        t, shrunk = times[p.name], results.shrunk[p.name]
        cells = []
        for i in impls:
            cell = fmt(t.get(i))
            if i in shrunk and t.get(i):
                cell += f" (at {shrunk[i]:,})"
            cells.append(cell if i in t else "-")
        lines.append(f"| {p.label(cfg)} | {p.unit} | " + " | ".join(cells) + " |")
    return lines


def floor_table(results: Results, times: Times, cfg: dict) -> list[str]:
    """Each column's time over the floor's, for the rows the floor and it both ran."""
    impls = [i for i in results.impls if i != "floor"]
    lines = [
        "Time / floor (below 1: faster than the hand-written floor):",
        "",
        "| case | " + " | ".join(impls) + " |",
        "|---|" + "---:|" * len(impls),
    ]
    for p in PROBLEMS:
        t = times[p.name]
        if results.shrunk[p.name] or t.get("floor") is None:
            continue  # a column that ran at a smaller size has no ratio to the floor's
        cells = ["-" if i not in t else fmt(ratio(t[i], t["floor"])) + "x" for i in impls]
        lines.append(f"| {p.name} | " + " | ".join(cells) + " |")
    return lines


def fallbacks(results: Results) -> list[str]:
    """A compiled column whose trace ran on another backend than its own (the tape machine
    falls back to Python for an op it has no instruction for): said, since its cells mislead."""
    lines = []
    for p in PROBLEMS:
        for impl in COMPILED:
            ran = {r.get("backend") for r in results.runs[p.name].get(impl, []) if "error" not in r}
            own = impl.rsplit(", ", 1)[1]
            if ran - {own}:
                lines.append(f"- {p.name} / {impl}: ran on {', '.join(sorted(ran))}")
    return ["", "Compiled columns that fell back to another backend:", *lines] if lines else []


def met(target: Target, value: float | None, quick: bool) -> str:
    if quick:
        return "(quick mode)"
    if not target.goal:
        return "(information)"
    if value is None:
        return "n/a"
    reached = value >= target.bound if target.at_least else value <= target.bound
    return "yes" if reached else "no"


def targets_table(impls: list[str], times: Times, quick: bool) -> list[str]:
    lines = ["| target | measured | goal | met |", "|---|---:|---|---|"]
    for target in TARGETS:
        if target.column is not None and target.column not in impls:
            continue
        value = target.measured(times)
        shown = "n/a" if value is None else f"{value:.3g}x"
        lines.append(f"| {target.name} | {shown} | {target.goal} | {met(target, value, quick)} |")
    return lines


def memory_table(mem: dict[str, dict], cfg: dict) -> list[str]:
    if not mem:
        return []
    lines = [
        "",
        f"Memory (tracemalloc; chain of {cfg['memory_chain']:,} iterations, "
        f"{2 * cfg['memory_chain']:,} ops):",
        "",
        "| | " + " | ".join(mem) + " |",
        "|---|" + "---:|" * len(mem),
    ]
    for key, label, scale in MEMORY_ROWS:
        cells = [fmt(m[key] * scale) if "error" not in m else m["error"] for m in mem.values()]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return lines


def agreement(results: Results, cfg: dict) -> list[tuple[bool, str]]:
    """Every implementation against the floor, among those that ran at the problem's size."""
    return [
        check_agreement(
            p.agreement(cfg),
            {i: rs for i, rs in results.runs[p.name].items() if i not in results.shrunk[p.name]},
            p.agree_on,
        )
        for p in PROBLEMS
    ]


def failures(results: Results) -> list[str]:
    errors = [
        f"- {p.name} / {impl}: {r['error']}"
        for p in PROBLEMS
        for impl, rs in results.runs[p.name].items()
        for r in rs[:1]
        if "error" in r
    ]
    return ["", "Failed runs:", *errors] if errors else []


def passed(results: Results, checks: list[tuple[bool, str]]) -> bool:
    """Everything agreed, and no implementation a problem requires failed a run of it."""
    return all(ok for ok, _ in checks) and not any(
        "error" in r
        for p in PROBLEMS
        for impl, rs in results.runs[p.name].items()
        if p.required is None or impl in p.required
        for r in rs
    )


def report(cfg: dict, quick: bool, log: Callable) -> tuple[str, bool]:
    results = measure_all(cfg, log)
    times = unit_times(results, cfg)
    checks = agreement(results, cfg)
    lines = ["# microprop benchmarks", ""] + [f"{m}  " for m in machine()]
    lines += [
        f"Mode: {'quick (sizes too small for the ratios to mean much)' if quick else 'full'}; "
        f"medians of {cfg['repeat']} interleaved repetitions ({cfg['chain_repeat']} for the "
        "chain), CPU time, each run in a fresh process.",
        "",
        *timing_table(results, times, cfg),
        "",
        " ".join(i.note for i in IMPLEMENTATIONS if i.note),
        "",
        *floor_table(results, times, cfg),
        "",
        *targets_table(results.impls, times, quick),
        *fallbacks(results),
        *memory_table(results.memory, cfg),
    ]
    runs = results.runs
    kinds = {r.get("model") for p in PROBLEMS for r in runs[p.name].get("microprop", [])}
    kinds.discard(None)
    if kinds:
        lines += ["", f"microprop's network: {', '.join(sorted(kinds))}."]
    lines += ["", "Every implementation starts from the same weights and data:"]
    lines += [text for _, text in checks]
    lines += failures(results)
    lines += [
        "",
        "Re-run: `python benchmarks/run.py` (full, about ten minutes) or "
        "`python benchmarks/run.py --quick`.",
    ]
    return "\n".join(lines) + "\n", passed(results, checks)
