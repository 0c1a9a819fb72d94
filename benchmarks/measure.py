"""Running the measurements: each in a fresh worker process (run.py with ``--worker``), so every
implementation has an interpreter, imports and garbage collector of its own, as in a user's
script; the parent interleaves the implementations repetition by repetition.
"""

from __future__ import annotations

import gc
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import NamedTuple

from benchmarks.implementations import IMPLEMENTATION, IMPLEMENTATIONS, Implementation, runner
from benchmarks.memory import memory
from benchmarks.problems import PROBLEM, PROBLEMS, Problem

SCRIPT = Path(__file__).resolve().with_name("run.py")
SMALLEST = 1000  # the smallest size a failing recursive implementation is retried at


def worker(spec: dict) -> dict:
    """In the worker process: run the one measurement the parent asked for."""
    implementation = IMPLEMENTATION[spec["impl"]]
    if not implementation.gc:
        gc.disable()
    cfg = spec["cfg"]
    if spec["case"] == "memory":
        return memory(implementation.name, cfg["memory_chain"], cfg)
    problem = PROBLEM[spec["case"]]
    return runner(problem, implementation)(problem.argument(cfg))


def run_worker(spec: dict, timeout: float = 3600.0) -> dict:
    """Run one measurement in a fresh interpreter; {"error": ...} if it fails or crashes."""
    command = [sys.executable, str(SCRIPT), "--worker", json.dumps(spec)]
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


def measure(case: str, impls: list[str], repeat: int, cfg: dict, log: Callable) -> dict:
    """Interleaved repetitions: each round runs every implementation once, starting one later."""
    results: dict[str, list[dict]] = {impl: [] for impl in impls}
    for r in range(repeat):
        for impl in impls[r % len(impls) :] + impls[: r % len(impls)]:
            result = run_worker({"case": case, "impl": impl, "cfg": cfg})
            log(
                f"  {case:8s} {impl:24s} round {r + 1}/{repeat}: "
                + (result["error"] if "error" in result else f"{result['seconds']:.3f} s")
            )
            results[impl].append(result)
    return results


class Results(NamedTuple):
    """Everything the report reads: which columns ran, and every run of every measurement."""

    impls: list[str]  # the columns that ran, in table order
    runs: dict[str, dict[str, list[dict]]]  # problem -> implementation -> its repetitions
    shrunk: dict[str, dict[str, int]]  # problem -> implementation -> the smaller size it ran at
    memory: dict[str, dict]  # implementation -> its memory measurement


def available(log: Callable) -> list[Implementation]:
    """The implementations whose packages import, in column order (each package probed once)."""
    found: dict[str, bool] = {}
    for implementation in IMPLEMENTATIONS:
        package = implementation.package
        if package is not None and package not in found:
            found[package] = importable(package)
    impls = [i for i in IMPLEMENTATIONS if i.package is None or found[i.package]]
    missing = [package for package, ok in found.items() if not ok]
    log(
        f"implementations: {', '.join(i.name for i in impls)}"
        + (f" (not installed: {', '.join(missing)})" if missing else "")
    )
    return impls


def retry_smaller(
    problem: Problem, impls: list[Implementation], runs: dict, cfg: dict, log: Callable
) -> dict[str, int]:
    """A recursive backward() may run out of stack or memory: where every repetition failed,
    find the largest size it manages, in tenths, and keep those runs instead."""
    shrunk: dict[str, int] = {}
    if problem.size is None:
        return shrunk
    for impl in (i.name for i in impls if i.recursive and i.name in runs):
        if not all("error" in r for r in runs[impl]):
            continue
        n = cfg[problem.size] // 10
        while n >= SMALLEST:
            smaller = {**cfg, problem.size: n}
            again = measure(problem.name, [impl], cfg[problem.repeat], smaller, log)[impl]
            if any("error" not in r for r in again):
                runs[impl], shrunk[impl] = again, n
                break
            n //= 10
    return shrunk


def measure_all(cfg: dict, log: Callable) -> Results:
    """Every problem for every implementation that runs it, then memory for every engine."""
    impls = available(log)
    runs, shrunk = {}, {}
    for problem in PROBLEMS:
        names = [i.name for i in impls if problem.name in i.cells]
        runs[problem.name] = measure(problem.name, names, cfg[problem.repeat], cfg, log)
        shrunk[problem.name] = retry_smaller(problem, impls, runs[problem.name], cfg, log)
    mem = {
        i.name: run_worker({"case": "memory", "impl": i.name, "cfg": cfg})
        for i in impls
        if i.engine is not None
    }
    for impl, m in mem.items():
        log(f"  memory   {impl:24s} " + (m["error"] if "error" in m else "done"))
    return Results([i.name for i in impls], runs, shrunk, mem)
