"""Every notebook runs top to bottom: a notebook that no longer runs is a failing test.

The notebooks carry their own checks (asserts after each step), so running them is the test.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))
pytestmark = pytest.mark.slow  # each notebook starts a kernel


def test_there_are_notebooks():
    assert NOTEBOOKS


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_notebook_runs_top_to_bottom(path, tmp_path, monkeypatch):
    # The kernel runs in a scratch folder; let it import this checkout even when not installed.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )
    nb = nbformat.read(path, as_version=4)
    # Run in a scratch folder so that files a notebook saves do not land in the repo.
    client = nbclient.NotebookClient(
        nb, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors


def test_the_several_classes_notebook_network_gets_29_of_30_held_out_flowers_right():
    # Notebook 05's exact numbers, pinned here so that its cells can check properties only.
    from microprop import fit
    from microprop.data import Standardizer, load_iris, train_test_split
    from microprop.nn import MLP
    from microprop.optim import Adam
    from microprop.train import accuracy

    X, y = load_iris(classes=3)
    X_train, X_test, y_train, y_test = train_test_split(X, y, 0.2, seed=0, stratify=True)
    scaler = Standardizer.fit(X_train)
    X_train, X_test = scaler.transform(X_train), scaler.transform(X_test)
    model = MLP(4, [5, 3], seed=0)
    fit(model, X_train, y_train, loss="cross_entropy", epochs=100,
        optimizer=Adam(model.parameters(), lr=0.05))
    assert accuracy(model, X_train, y_train) == pytest.approx(118 / 120)
    assert accuracy(model, X_test, y_test) == pytest.approx(29 / 30)  # 0.967, as the README says
