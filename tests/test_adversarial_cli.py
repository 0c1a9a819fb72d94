"""The command line against the defects of issue 10: each test names the one it guards against.

Most run ``main(argv)`` in this process; a real pipe needs a subprocess (marked slow).
"""

from __future__ import annotations

import os
import re

import pytest

from microprop.cli import main
from microprop.serialization import load


def train(tmp_path, *options):
    """``main(["train", ...])`` on the two moons for one epoch, in tmp_path; the exit code."""
    return main(["train", "--data", "moons", "--no-progress", "--epochs", "1", *options])


def refused(capsys, *words):
    """The last call ended with argparse's one-line error (exit 2) containing ``words``."""
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    for w in words:
        assert w in err, err
    return err


# ---- outputs that collide ------------------------------------------------------------------------


@pytest.mark.parametrize("model, graph", [
    ("out.json", "out.json"),
    ("out.dot", "out.dot"),
    ("out.json", "./out.json"),
    ("out.json", "sub/../out.json"),
    ("out.dot", "out.svg"),  # the .svg falls back to out.dot when Graphviz cannot draw
    ("out.dot", "out.SVG"),
])
def test_two_outputs_that_are_one_file_are_refused_before_training(
    tmp_path, monkeypatch, capsys, model, graph
):
    """Defect: --model out.json --graph out.json saved the model, then drew over it, exit 0."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "sub").mkdir()
    with pytest.raises(SystemExit) as info:
        train(tmp_path, "--model", model, "--graph", graph)
    assert info.value.code == 2
    refused(capsys, f"--model {model}", f"--graph {graph}", "the same file",
            str(tmp_path / os.path.basename(model)))
    assert not (tmp_path / model).exists()  # refused before training: nothing written


def test_an_output_that_is_a_symlink_to_the_other_is_refused(tmp_path, monkeypatch, capsys):
    """Defect: a symbolic link (even one to a file not yet written) hid that two outputs collide."""
    monkeypatch.chdir(tmp_path)
    os.symlink("real.json", "link.dot")  # dangling: real.json does not exist yet
    with pytest.raises(SystemExit):
        train(tmp_path, "--model", "real.json", "--graph", "link.dot")
    refused(capsys, "the same file", str(tmp_path / "real.json"))
    (tmp_path / "real.json").write_text("keep me")
    with pytest.raises(SystemExit):
        train(tmp_path, "--model", "real.json", "--graph", "link.dot")
    assert (tmp_path / "real.json").read_text() == "keep me"


def test_a_hard_link_between_the_outputs_is_refused(tmp_path, monkeypatch, capsys):
    """Defect: two names of one inode (a hard link) would be written one over the other."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "a.json").write_text("{}")
    os.link("a.json", "b.dot")
    with pytest.raises(SystemExit):
        train(tmp_path, "--model", "a.json", "--graph", "b.dot")
    refused(capsys, "the same file")


def test_distinct_outputs_are_both_written(tmp_path, monkeypatch, capsys):
    """Guard for the check itself: different files, including m.json with m.dot, still train."""
    monkeypatch.chdir(tmp_path)
    assert train(tmp_path, "--model", "m.json", "--graph", "m.dot") == 0
    assert load("m.json") is not None
    assert (tmp_path / "m.dot").read_text().startswith("digraph")
    assert re.search(r"saved +m\.json, m\.dot", capsys.readouterr().out)
