"""model(x) is typed Value | list[Value], since a type checker cannot read the output count from
MLP(2, [16, 16, 1]); model.one(x) and model.outputs(x) say which, and mypy --strict agrees."""

from __future__ import annotations

from pathlib import Path

import pytest

from microprop import Value
from microprop.nn import MLP, Layer, Neuron

ROOT = Path(__file__).resolve().parent.parent.parent


@pytest.mark.parametrize("model", [MLP(2, [3, 1], seed=0), Layer(2, 1, seed=0), Neuron(2, seed=0)],
                         ids=["MLP", "Layer", "Neuron"])
def test_one_is_the_call_of_a_one_output_model(model):
    out = model.one([0.5, -1.0])
    assert type(out) is Value and out.data == model([0.5, -1.0]).data


def test_outputs_is_the_call_as_a_list_for_one_output_or_several():
    one, three = MLP(2, [3, 1], seed=0), MLP(2, [3, 3], seed=0)
    assert [v.data for v in one.outputs([0.5, -1.0])] == [one([0.5, -1.0]).data]
    assert [v.data for v in three.outputs([0.5, -1.0])] == [v.data for v in three([0.5, -1.0])]


def test_one_on_a_model_with_several_outputs_names_the_count_and_the_list_form():
    with pytest.raises(ValueError, match=r"MLP.one: the model has 3 outputs; model.outputs\(x\)"):
        MLP(2, [3, 3], seed=0).one([0.5, -1.0])


def test_one_checks_its_input_as_the_call_does():
    with pytest.raises(ValueError, match="MLP: expected 2 inputs, got 3"):
        MLP(2, [1], seed=0).one([1.0, 2.0, 3.0])


USER_CODE = """\
from microprop import Value
from microprop.nn import MLP

model = MLP(2, [16, 16, 1])
x, y = [1.0, -1.0], 0.5
loss: Value = (model.one(x) - y) ** 2
logits: list[Value] = MLP(2, [4, 3]).outputs(x)
reveal_type(model(x))
common = (model(x) - y) ** 2  # line 9: the line one() exists for
"""


@pytest.mark.slow  # mypy reads the whole package: seconds
def test_mypy_strict_accepts_the_typed_forms_and_refuses_a_list_minus_a_number(
    tmp_path, monkeypatch
):
    api = pytest.importorskip("mypy.api")
    monkeypatch.setenv("MYPYPATH", str(ROOT))  # this checkout, installed or not
    (tmp_path / "user.py").write_text(USER_CODE, encoding="utf-8")
    out, err, _ = api.run(["--strict", "--cache-dir", str(tmp_path / "cache"),
                           "--config-file", "", str(tmp_path / "user.py")])
    lines = [line.split("user.py:", 1)[1] for line in out.splitlines() if "user.py:" in line]
    # mypy names the list "list" or "builtins.list", by version
    assert [line.replace("builtins.list", "list") for line in lines] == [
        '8: note: Revealed type is "microprop.engine.Value | list[microprop.engine.Value]"',
        '9: error: Unsupported operand types for - ("list[Value]" and "float")  [operator]',
        "9: note: Left operand is of type \"Value | list[Value]\"",
    ], out + err
