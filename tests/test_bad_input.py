"""Bad input: the rows live in one table per module (tests/test_bad_input_<module>.py, built
with tests/bad_input.py); this file checks the tables together, and NaN in the engine.
"""

from __future__ import annotations

import math

import pytest
import test_bad_input_cli
import test_bad_input_data
import test_bad_input_engine
import test_bad_input_gradcheck
import test_bad_input_losses
import test_bad_input_nn
import test_bad_input_optim
import test_bad_input_plot
import test_bad_input_serialization
import test_bad_input_train
import test_bad_input_viz

from microprop import Value, engine

nan = math.nan

TABLES = [test_bad_input_engine, test_bad_input_gradcheck, test_bad_input_nn,
          test_bad_input_losses, test_bad_input_optim, test_bad_input_train, test_bad_input_data,
          test_bad_input_serialization, test_bad_input_viz, test_bad_input_plot, test_bad_input_cli]
ROWS = [case for t in TABLES for case in t.ROWS]


def test_the_tables_have_a_few_hundred_rows():
    assert len(ROWS) >= 1046  # as many as the one table had before it was split


def test_row_ids_are_unique():
    ids = [case.id for case in ROWS]
    assert len(ids) == len(set(ids))


# ---- NaN inside the engine: propagated, never raised ---------------------------------------------
# The other half of the policy above: models and losses refuse NaN *data*, while the engine passes
# a NaN that arose in a computation on, per IEEE 754, so that fit can notice it and name the epoch.

NAN_OPS = {
    "nan + 1": lambda v: v + 1.0, "1 + nan": lambda v: 1.0 + v,
    "nan - nan": lambda v: v - v, "1 - nan": lambda v: 1.0 - v,
    "nan * 0": lambda v: v * 0.0, "2 * nan": lambda v: 2.0 * v,
    "nan / 2": lambda v: v / 2.0, "2 / nan": lambda v: 2.0 / v,
    "nan / Value(2)": lambda v: v / Value(2.0), "Value(2) / nan": lambda v: Value(2.0) / v,
    "nan ** 2": lambda v: v**2, "nan ** 0.5": lambda v: v**0.5, "nan ** -1": lambda v: v**-1,
    "2 ** nan": lambda v: 2.0**v, "0 ** nan": lambda v: 0.0**v,
    "nan ** Value(2)": lambda v: v ** Value(2.0), "Value(2) ** nan": lambda v: Value(2.0) ** v,
    "(-2) ** nan": lambda v: (-2.0) ** v, "Value(-2) ** nan": lambda v: Value(-2.0) ** v,
    "exp": Value.exp, "log": Value.log, "sqrt": Value.sqrt, "tanh": Value.tanh,
    "sigmoid": Value.sigmoid, "relu": Value.relu, "leaky_relu": Value.leaky_relu, "abs": abs,
    "dot([nan, 1], [1, 2])": lambda v: engine.dot([v, Value(1.0)], [1.0, 2.0]),
    "dot(bias=nan)": lambda v: engine.dot([1.0], [Value(1.0)], v),
    "sum([1, nan])": lambda v: engine.sum([Value(1.0), v]),
}


@pytest.mark.parametrize("op", NAN_OPS.values(), ids=NAN_OPS.keys())
def test_nan_in_a_computation_propagates_through_every_op(op):
    v = Value(nan)
    out = op(v)
    assert math.isnan(out.data)
    out.backward()  # and backward runs through it without raising
