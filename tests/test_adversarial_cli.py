"""The command line against the defects of issue 10: each test names the one it guards against.

Most run ``main(argv)`` in this process; a real pipe needs a subprocess (marked slow).
"""

from __future__ import annotations

import io
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from microprop import cli
from microprop.cli import main
from microprop.serialization import load

ROOT = Path(__file__).resolve().parent.parent


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


@pytest.mark.parametrize("graph", ["out.json", "out.dot"])
def test_a_drawing_is_never_written_over_the_model_even_past_the_first_check(
    tmp_path, monkeypatch, capsys, graph
):
    """Defect: aliases only the file system knows (case on macOS) passed the check by name and
    the drawing replaced the model; the write itself now checks the file the model went to."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr("microprop.cli._outputs_problem", lambda args: None)  # sees no alias
    model = "out.json" if graph == "out.json" else "out.dot"
    if graph == "out.dot":
        monkeypatch.setenv("PATH", str(tmp_path))  # no dot program: out.svg falls back to out.dot
    assert train(tmp_path, "--model", model, "--graph", graph.replace(".dot", ".svg")) == 1
    assert "could not save: " in capsys.readouterr().err
    assert load(model) is not None  # the model survived


def test_distinct_outputs_are_both_written(tmp_path, monkeypatch, capsys):
    """Guard for the check itself: different files, including m.json with m.dot, still train."""
    monkeypatch.chdir(tmp_path)
    assert train(tmp_path, "--model", "m.json", "--graph", "m.dot") == 0
    assert load("m.json") is not None
    assert (tmp_path / "m.dot").read_text().startswith("digraph")
    assert re.search(r"saved +m\.json, m\.dot", capsys.readouterr().out)


# ---- reporting before saving, and a reader that goes away ---------------------------------------


class Unwritable(io.StringIO):
    """A stdout or stderr on which every write fails with (a fresh copy of) ``error``."""

    def __init__(self, error):
        super().__init__()
        self.error = error

    def write(self, text):
        raise type(self.error)(*self.error.args)


CLOSED_PIPE = BrokenPipeError(32, "Broken pipe")  # its reader has gone, as after | head -1
FULL_DISK = OSError(28, "No space left on device")  # as > /dev/full


def test_a_closed_stdout_still_saves_the_model_and_exits_141_without_a_traceback(
    tmp_path, monkeypatch, capsys
):
    """Defect: the report was printed before saving, so a closed pipe lost the trained model."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdout", Unwritable(CLOSED_PIPE))
    assert train(tmp_path, "--model", "m.json", "--graph", "g.dot") == 141
    assert load("m.json") is not None and (tmp_path / "g.dot").exists()
    assert capsys.readouterr().err == ""


def test_a_stdout_that_cannot_be_written_still_saves_the_model_and_says_why(
    tmp_path, monkeypatch, capsys
):
    """Defect: ``train > /dev/full`` died with an OSError traceback before training started."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stdout", Unwritable(FULL_DISK))
    assert train(tmp_path, "--model", "m.json", "--graph", "g.dot") == 1
    assert load("m.json") is not None
    err = capsys.readouterr().err
    assert err == "python -m microprop: could not write the report: " \
        "[Errno 28] No space left on device\n"


def test_the_model_is_saved_before_the_report_is_written(tmp_path, monkeypatch):
    """Defect: any failure while reporting (here: computing the accuracy) came before the save."""
    monkeypatch.chdir(tmp_path)

    def broken(*args):
        raise RuntimeError("reporting failed")

    monkeypatch.setattr("microprop.cli.accuracy", broken)
    with pytest.raises(RuntimeError, match="reporting failed"):
        train(tmp_path, "--model", "m.json", "--graph", "g.dot")
    assert load("m.json") is not None


def test_a_closed_stderr_gives_the_error_code_quietly(tmp_path, monkeypatch):
    """Defect: an error message to a closed pipe (``2>&1 | head``) raised BrokenPipeError."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(sys, "stderr", Unwritable(CLOSED_PIPE))
    assert main(["predict", "absent.json", "1"]) == 2


def test_a_bad_argument_to_a_closed_stderr_still_exits_2(monkeypatch):
    """Defect: argparse's one-line error, written to a closed pipe, became exit code 141."""
    monkeypatch.setattr(sys, "stderr", Unwritable(CLOSED_PIPE))
    with pytest.raises(SystemExit) as info:
        main(["train", "--lr", "x"])
    assert info.value.code == 2


@pytest.mark.slow
def test_train_piped_into_head_saves_the_model_and_prints_no_traceback(tmp_path):
    """Defect: ``python -m microprop train | head -1`` lost the model and printed a traceback."""
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "microprop", "train", "--epochs", "20", "--no-progress"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        assert proc.stdout.readline().startswith("Training")
        proc.stdout.close()  # what head -1 does after its line
        err = proc.stderr.read()
        proc.wait(timeout=120)
    finally:
        proc.kill()
    assert err == ""
    assert proc.returncode == 141
    assert load(tmp_path / "model.json") is not None


# ---- negative numbers on the command line -------------------------------------------------------


@pytest.fixture
def linear_model(tmp_path, monkeypatch):
    """A saved two-input linear neuron (no scaling), in tmp_path: predict's output is w.x + b."""
    from microprop.nn import Neuron
    from microprop.serialization import save

    monkeypatch.chdir(tmp_path)
    neuron = Neuron(2, "linear", seed=0)
    save(neuron, "n.json", metadata={"loss": "mse"})
    return neuron


@pytest.mark.parametrize("xs", [["-1e-3", "-5."], ["-1E+3", "-.5"], ["-1_000", "2"],
                                ["1", "-0.25e1"], ["-5.", "-1e-3"]])
def test_negative_numbers_argparse_took_for_options_are_predicts_inputs(
    linear_model, capsys, xs
):
    """Defect: ``predict m.json -1e-3 -5.`` was 'unrecognized arguments: -1e-3 -5.'."""
    assert main(["predict", "n.json", *xs]) == 0
    expected = linear_model([float(x) for x in xs]).data
    assert capsys.readouterr().out == f"output        {expected:.6g}\n"


@pytest.mark.parametrize("option, value, words", [
    ("--lr", "-1e-3", "--lr: must be a number > 0, got '-1e-3'"),
    ("--lr", "-inf", "--lr: must be a finite number, got '-inf'"),
    ("--tol", "-5.", "--tol: must be a number >= 0, got '-5.'"),
    ("--seed", "-1e3", "--seed: not a whole number: '-1e3'"),
    ("--epochs", "-1_0", "--epochs: must be a whole number >= 1, got '-1_0'"),
])
def test_a_negative_number_after_an_option_is_its_value(capsys, option, value, words):
    """Defect: ``--lr -1e-3`` was '--lr: expected one argument', not the value's own error."""
    with pytest.raises(SystemExit) as info:
        main(["train", option, value])
    assert info.value.code == 2
    refused(capsys, words)


def test_a_negative_infinity_input_is_refused_as_not_finite(linear_model, capsys):
    """Defect: '-inf' and '-nan' were taken for options, so the finite-number check never ran."""
    for bad in ("-inf", "-NaN"):
        with pytest.raises(SystemExit):
            main(["predict", "n.json", "1", bad])
        refused(capsys, "argument x: must be a finite number")


def test_negative_numbers_do_not_change_flags_or_a_given_double_dash(linear_model, capsys):
    """Guard: a flag before a number stays a flag; an explicit -- is left as the user wrote it."""
    assert main(["predict", "n.json", "--", "-1e-3", "-5."]) == 0
    with pytest.raises(SystemExit):
        main(["train", "--no-progress", "-1e-3"])
    refused(capsys, "unrecognized arguments: -1e-3")
    assert cli._FLAGS == tuple(sorted(  # every option of train that takes no value
        o for a in cli._parser()._subparsers._group_actions[0].choices["train"]._actions
        if a.nargs == 0 for o in a.option_strings if o.startswith("--")
    ))


# ---- output names found wrong only after training --------------------------------------------


def test_an_upper_case_suffix_draws_the_same_format(tmp_path, monkeypatch, capsys):
    """Defect: --graph Graph.SVG asked Graphviz for format 'SVG', failed, and fell back to DOT."""
    pytest.importorskip("graphviz")
    import shutil

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot program is not installed")
    monkeypatch.chdir(tmp_path)
    assert train(tmp_path, "--model", "m.json", "--graph", "Graph.SVG") == 0
    out = capsys.readouterr().out
    assert "could not render" not in out and "saved         m.json, Graph.SVG" in out
    assert (tmp_path / "Graph.SVG").read_text().lstrip().startswith("<?xml")
    assert not (tmp_path / "Graph.dot").exists()


def test_a_suffix_graphviz_cannot_draw_is_refused_before_training(tmp_path, monkeypatch, capsys):
    """Defect: --graph g.txt trained, then failed to render and left DOT text in g.dot."""
    pytest.importorskip("graphviz")
    import shutil

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot program is not installed: the DOT text is the drawing")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        train(tmp_path, "--graph", "g.TXT")
    assert info.value.code == 2
    refused(capsys, "--graph g.TXT: Graphviz cannot draw .txt files")
    assert os.listdir(tmp_path) == []


def name_max(folder):
    try:
        return os.pathconf(folder, "PC_NAME_MAX")
    except (AttributeError, OSError):  # pragma: no cover - not on Windows
        return 255


@pytest.mark.parametrize("option", ["--model", "--graph"])
def test_a_file_name_longer_than_the_system_allows_is_refused_before_training(
    tmp_path, monkeypatch, capsys, option
):
    """Defect: a name over NAME_MAX passed the checks; saving failed after the whole run."""
    monkeypatch.chdir(tmp_path)
    name = "a" * (name_max(tmp_path) - 4) + ".json!"
    with pytest.raises(SystemExit) as info:
        train(tmp_path, option, name)
    assert info.value.code == 2
    refused(capsys, f"argument {option}: the file name is", "bytes long", "at most")
    assert os.listdir(tmp_path) == []


def test_a_graph_name_whose_dot_fallback_is_too_long_is_refused_before_training(
    tmp_path, monkeypatch, capsys
):
    """Defect: --graph x.ps fits, but its DOT fallback x.dot is one byte longer than allowed."""
    monkeypatch.chdir(tmp_path)
    name = "a" * (name_max(tmp_path) - 3) + ".ps"
    with pytest.raises(SystemExit):
        train(tmp_path, "--graph", name)
    refused(capsys, f"--graph {name} falls back to", "the file name is", "bytes long")


@pytest.mark.parametrize("path, words", [
    ("m\0.json", "holds a NUL character"),
    ("m\ud800.json", "cannot be spelled in this system's file names"),
    ("newname/", "ends with a separator"),
])
def test_names_no_file_system_takes_are_refused_before_training(
    tmp_path, monkeypatch, capsys, path, words
):
    """Defect: these names passed the checks, and saving failed only after training."""
    monkeypatch.chdir(tmp_path)
    with pytest.raises(SystemExit) as info:
        train(tmp_path, "--model", path)
    assert info.value.code == 2
    refused(capsys, "argument --model:", words)


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() == 0,
                    reason="root may write into any folder")
def test_a_folder_that_cannot_be_written_is_refused_before_training(
    tmp_path, monkeypatch, capsys
):
    """Defect: a read-only folder was found only when the model was saved, after training."""
    folder = tmp_path / "ro"
    folder.mkdir()
    folder.chmod(0o555)
    try:
        with pytest.raises(SystemExit):
            train(tmp_path, "--model", str(folder / "m.json"))
        refused(capsys, "is not writable")
    finally:
        folder.chmod(0o755)


# ---- sizes with an upper bound ----------------------------------------------------------------


class Built(Exception):
    """Raised in place of building the network: the size check let it through."""


@pytest.mark.parametrize("hidden, builds", [
    ("25000", True),  # 2-25000-1: (2 + 1) * 25,000 + 25,000 = 100,000 parameters, the most
    ("25001", False),  # 100,004
    ("100000,100000", False),  # 10**10: counted, never built
    ("1000000000", False),  # refused as it is read
])
def test_hidden_sizes_are_counted_before_anything_is_built(
    tmp_path, monkeypatch, capsys, hidden, builds
):
    """Defect: --hidden had no upper bound, so a huge size built the network until memory ran
    out; now the parameters are counted from the sizes, and the network is built only below the
    limit (here MLP stands in for the building, so nothing large is ever made)."""
    monkeypatch.chdir(tmp_path)

    def mlp(*args, **kwargs):
        raise Built()

    monkeypatch.setattr("microprop.cli.MLP", mlp)
    if builds:
        with pytest.raises(Built):
            train(tmp_path, "--hidden", hidden)
        return
    with pytest.raises(SystemExit) as info:
        train(tmp_path, "--hidden", hidden)
    assert info.value.code == 2
    refused(capsys, "--hidden", "train builds", "at most 100,000")
    assert os.listdir(tmp_path) == []


# ---- predict on numbers that overflow --------------------------------------------------------


def neuron_file(weights, metadata):
    """A saved linear neuron with these weights and no bias, as n.json in the current folder."""
    from microprop.nn import Neuron
    from microprop.serialization import save

    neuron = Neuron(len(weights), "linear", seed=0)
    for w, value in zip(neuron.w, weights):
        w.data = value
    neuron.b.data = 0.0
    save(neuron, "n.json", metadata=metadata)
    return "n.json"


@pytest.mark.parametrize("x, sign", [("1e300", "inf"), ("-1e300", "-inf")])
def test_an_input_that_overflows_once_standardised_is_an_error_naming_the_feature(
    tmp_path, monkeypatch, capsys, x, sign
):
    """Defect: a finite input whose (x - mean) / std is infinite ended in a ValueError traceback."""
    monkeypatch.chdir(tmp_path)
    path = neuron_file([1.0, 1.0], {"features": ["width", "height"],
                                    "standardize": {"mean": [0.0, 0.0], "std": [1.0, 1e-10]}})
    assert main(["predict", path, "1", x]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Traceback" not in err
    assert f"input 2 (height) = {float(x):g} is too large for this model" in err
    assert f"(x - 0) / 1e-10, it is {sign}" in err


@pytest.mark.parametrize("weights, result", [([10.0, 10.0], "inf"), ([10.0, -10.0], "nan")])
def test_an_output_that_overflows_is_an_error_not_a_made_up_class(
    tmp_path, monkeypatch, capsys, weights, result
):
    """Defect: finite inputs that overflow inside the model printed a class for inf or nan."""
    monkeypatch.chdir(tmp_path)
    path = neuron_file(weights, {"loss": "bce"})
    assert main(["predict", path, "1e308", "1e308"]) == 2
    err = capsys.readouterr().err
    assert f"the model's output for these inputs is {result}; they are too far" in err
    assert capsys.readouterr().out == ""
