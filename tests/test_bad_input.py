"""Bad input: the rows live in one table per module (test_bad_input_<module>.py, in the folder of
that module's tests, built with tests/bad_input.py); this file checks the tables together, and
NaN in the engine.
"""

from __future__ import annotations

import importlib
import math
import re

import test_bad_input_cli
import test_bad_input_compile
import test_bad_input_data
import test_bad_input_derivatives
import test_bad_input_engine
import test_bad_input_explain
import test_bad_input_func
import test_bad_input_gradcheck
import test_bad_input_losses
import test_bad_input_nn
import test_bad_input_optim
import test_bad_input_plot
import test_bad_input_serialization
import test_bad_input_stepper
import test_bad_input_train
import test_bad_input_viz

nan = math.nan

TABLES = [test_bad_input_engine, test_bad_input_gradcheck, test_bad_input_nn,
          test_bad_input_losses, test_bad_input_optim, test_bad_input_train, test_bad_input_data,
          test_bad_input_serialization, test_bad_input_viz, test_bad_input_explain,
          test_bad_input_plot, test_bad_input_cli, test_bad_input_stepper,
          test_bad_input_compile, test_bad_input_derivatives, test_bad_input_func]
ROWS = [case for t in TABLES for case in t.ROWS]


def test_the_tables_have_a_few_hundred_rows():
    assert len(ROWS) >= 1046  # as many as the one table had before it was split


def test_row_ids_are_unique():
    ids = [case.id for case in ROWS]
    assert len(ids) == len(set(ids))


# Public names with no argument that could be bad: constants, exceptions that microprop raises,
# result types it builds, and functions of no arguments.
EXEMPT = {
    "is_grad_enabled": "takes no arguments", "is_anomaly_enabled": "takes no arguments",
    "detect_anomaly": "takes no arguments",
    "ACTIVATION_NAMES": "a table, not called", "LOSSES": "a table, not called",
    "STOP_REASONS": "a table, not called", "IRIS_FEATURES": "a constant",
    "IRIS_SPECIES": "a constant", "FORMAT": "a constant", "VERSION": "a constant",
    "GradcheckError": "raised, not called", "NonFiniteLossError": "raised, not called",
    "TrainingInterrupted": "raised, not called", "ModelFileError": "raised, not called",
    "ScaledOverflowError": "raised, not called", "load_names": "takes no arguments",
    "DotNotFoundError": "raised, not called",
    "Optimizer": "a base class; SGD and Adam check its arguments",
    "Rows": "built by compiled.rows, which checks the rows (compile's table)",
    "History": "a record fit returns", "Explanation": "a result explain returns",
    "Path": "a result explain returns", "Step": "a result backward_steps returns",
    "Update": "a result backward_steps returns",
    "BackwardSteps": "built by backward_steps; its grads() and draw_step() have rows",
    "nn": "a module", "losses": "a module", "optim": "a module", "data": "a module",
    "train": "a module", "func": "a module", "Frame": "a record Stepper.frame returns",
    "Compiled": "built by compile; its calls have rows in test_bad_input_compile",
    "CompileError": "raised, not called", "TraceMismatchError": "raised, not called",
    "RULES": "a table, not called",
}
PUBLIC = ["engine", "nn", "losses", "optim", "train", "data", "serialization", "viz", "explain",
          "plot", "gradcheck", "cli", "compile", "derivatives", "func"]


def named(case_id: str) -> str:
    """The public name a row calls: ``"viz.save(...)"`` -> ``save``, ``"Standardizer.fit"`` ->
    ``Standardizer``."""
    match = re.match(r"(?:viz\.)?(\w+)", case_id)
    return match.group(1) if match else ""


def public_names() -> set[str]:
    names = set(importlib.import_module("microprop").__all__)
    for module in PUBLIC:
        names |= set(importlib.import_module(f"microprop.{module}").__all__)
    return names


def test_every_public_name_has_a_bad_input_row():
    covered = {named(case.id) for case in ROWS}
    missing = sorted(public_names() - covered - set(EXEMPT))
    assert not missing, f"public names with no bad-input row: {missing}"
