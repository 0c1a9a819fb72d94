"""The command line, run as users run it: ``python -m microprop`` in a scratch folder."""

import contextlib
import csv
import io
import os
import re
import shutil
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from microprop import cli
from microprop._checks import install_hint
from microprop.cli import main
from microprop.data import IRIS_SPECIES, load_iris
from microprop.serialization import load, load_metadata

ROOT = Path(__file__).resolve().parents[2]


def run(args, cwd, env=None, **kwargs):
    env = {**os.environ, "PYTHONPATH": str(ROOT), **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "microprop", *args],
        cwd=cwd, env=env, capture_output=True, text=True, timeout=120, **kwargs,
    )


def assert_one_line_error(result, words, code=2):
    assert result.returncode == code, result.stderr
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert re.search(words, lines[0]), lines[0]


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    """One default run, `python -m microprop train` with no arguments, shared by several tests."""
    folder = tmp_path_factory.mktemp("train")
    return folder, run(["train"], folder)


@pytest.mark.slow
def test_train_with_no_arguments_reports_and_saves(trained):
    folder, result = trained
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "the article's 4-2-2-1 network" in out
    for field in ("epochs run", "stopped", "final loss", "accuracy", "saved", "took"):
        assert field in out
    held_out = float(re.search(r"held-out (\d\.\d+)", out).group(1))
    assert held_out >= 0.9
    assert (folder / "model.json").exists()
    assert (folder / "model.svg").exists() or (folder / "model.dot").exists()


@pytest.mark.slow
def test_the_saved_model_is_the_articles_network_with_its_scaling(trained):
    folder, _ = trained
    model = load(folder / "model.json")
    assert repr(model) == "MLP(4, [2, 2, 1], activation='tanh', output_bias=False)"
    meta = load_metadata(folder / "model.json")
    assert meta["positive"] == "virginica" and len(meta["standardize"]["mean"]) == 4


@pytest.mark.slow
def test_the_drawing_is_an_svg_when_graphviz_is_installed(trained):
    pytest.importorskip("graphviz")
    import shutil

    if not shutil.which("dot"):
        pytest.skip("Graphviz's dot program is not installed")
    folder, _ = trained
    assert (folder / "model.svg").read_text().lstrip().startswith("<?xml")
    assert "layers.1.neurons.1.w.1" in (folder / "model.svg").read_text()


@pytest.mark.slow
def test_predict_uses_the_saved_model_in_original_units(trained):
    folder, _ = trained
    virginica = run(["predict", "model.json", "6.3", "3.3", "6.0", "2.5"], folder)
    assert virginica.returncode == 0, virginica.stderr
    assert virginica.stdout.startswith("virginica  (probability of virginica: 0.9")
    setosa = run(["predict", "model.json", "5.1", "3.5", "1.4", "0.2"], folder)
    assert setosa.stdout.startswith("setosa or versicolor  (probability of virginica: 0.0")


@pytest.mark.slow
def test_without_the_dot_program_the_graph_is_dot_text_with_a_hint(tmp_path):
    empty = tmp_path / "bin"
    empty.mkdir()
    result = run(["train", "--epochs", "3", "--no-progress"], tmp_path, env={"PATH": str(empty)})
    assert result.returncode == 0, result.stderr
    assert (tmp_path / "model.dot").read_text().startswith("digraph")
    assert not (tmp_path / "model.svg").exists()
    assert "pip install -e \".[viz]\" in " in result.stdout  # run from the clone, elsewhere
    assert "apt-get install graphviz" in result.stdout


@pytest.mark.slow
def test_options_choose_data_activation_and_paths(tmp_path):
    result = run(
        ["train", "--data", "moons", "--activation", "relu", "--hidden", "4,3", "--lr", "0.3",
         "--epochs", "5", "--seed", "3", "--model", "m.json", "--graph", "g.dot",
         "--no-progress"],
        tmp_path,
    )
    assert result.returncode == 0, result.stderr
    assert "2-4-3-1 network (relu" in result.stdout and "two moons" in result.stdout
    assert "epochs run    5" in result.stdout
    assert repr(load(tmp_path / "m.json")) == (
        "MLP(2, [4, 3, 1], activation='relu', output_bias=False)"
    )
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_help_explains_each_option(capsys):
    with pytest.raises(SystemExit) as info:
        main(["train", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    for option in ("--data", "--activation", "--hidden", "--lr", "--epochs", "--tol",
                   "--patience", "--seed", "--model", "--graph", "--html", "--compile",
                   "--no-progress"):
        assert option in out


@pytest.mark.parametrize(
    "args, words",
    [
        ([], "the following arguments are required"),
        (["fly"], "invalid choice: 'fly'"),
        (["train", "--lr", "-1"], "--lr: must be a number > 0"),
        (["train", "--lr", "abc"], "--lr: not a number: 'abc'"),
        (["train", "--lr", "nan"], "--lr: must be a finite number"),
        (["train", "--epochs", "0"], "--epochs: must be a whole number >= 1"),
        (["train", "--epochs", "2.5"], "--epochs: not a whole number"),
        (["train", "--seed", "x"], "--seed: not a whole number"),
        (["train", "--activation", "gelu"], "--activation: invalid choice: 'gelu'"),
        (["train", "--data", "mnist"], "--data: no data set or file named 'mnist'"),
        (["train", "--hidden", "2,x"], "--hidden: expected sizes separated by commas"),
        (["train", "--hidden", "2,0"], "--hidden: every size must be >= 1"),
        (["train", "--tol", "-0.1"], "--tol: must be a number >= 0"),
        (["train", "--colour"], "unrecognized arguments: --colour"),
        (["predict"], "the following arguments are required"),
        (["predict", "m.json", "1", "two"], "x: not a number: 'two'"),
    ],
)
def test_bad_arguments_give_one_line_and_exit_code_2(capsys, args, words):
    with pytest.raises(SystemExit) as info:
        main(args)
    assert info.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and re.search(words, err), err
    assert "--help" in err


@pytest.mark.slow
def test_predict_with_a_missing_or_damaged_model_or_wrong_inputs(tmp_path, trained, capsys):
    folder, _ = trained
    assert main(["predict", str(tmp_path / "absent.json"), "1", "2", "3", "4"]) == 2
    assert "no model file at" in capsys.readouterr().err
    (tmp_path / "bad.json").write_text('{"format": "microprop-model", "vers')
    assert main(["predict", str(tmp_path / "bad.json"), "1", "2", "3", "4"]) == 2
    assert "truncated or corrupted" in capsys.readouterr().err
    assert main(["predict", str(folder / "model.json"), "1", "2", "3"]) == 2
    err = capsys.readouterr().err
    assert "takes 4 inputs (sepal length (cm), sepal width (cm)" in err and "got 3" in err


@pytest.mark.slow
def test_bad_arguments_as_a_subprocess_exit_2_without_a_traceback(tmp_path):
    assert_one_line_error(run(["train", "--lr", "0"], tmp_path), "--lr: must be a number > 0")
    assert_one_line_error(run(["predict", "absent.json", "1"], tmp_path), "no model file")


@pytest.mark.slow
def test_a_diverging_run_fails_with_one_line_and_saves_nothing(tmp_path):
    # Linear hidden layers: nothing saturates, so a huge learning rate overflows to inf.
    result = run(["train", "--lr", "1e200", "--activation", "linear", "--no-progress"], tmp_path)
    assert_one_line_error(
        result, "training failed: the loss became inf in epoch 2; .*smaller learning rate", code=1
    )
    assert not (tmp_path / "model.json").exists()


@pytest.mark.slow
def test_ctrl_c_exits_130_with_one_line_and_saves_nothing(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, "-m", "microprop", "train", "--epochs", "1000000", "--tol", "0",
         "--patience", "0", "--no-progress"],
        cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    try:
        # The header's last line is printed (and flushed) just before training starts.
        while not proc.stdout.readline().startswith("Gradient descent"):
            pass
        proc.send_signal(signal.SIGINT)
        _, err = proc.communicate(timeout=60)
    finally:
        proc.kill()
    assert proc.returncode == 130
    assert "Traceback" not in err
    (line,) = err.strip().splitlines()
    assert re.fullmatch(r"python -m microprop: interrupted( after \d+ epochs)?; nothing was saved",
                        line), line
    assert not (tmp_path / "model.json").exists()


# ---- the same in this process: fast, and measured by coverage --------------------------------


def train_moons(tmp_path, *options):
    """``main(["train", ...])`` on the two moons, files in tmp_path; returns the exit code."""
    return main(["train", "--data", "moons", "--no-progress", "--model", str(tmp_path / "m.json"),
                 "--graph", str(tmp_path / "g.dot"), *options])


def test_train_in_process_reports_each_stop_reason(tmp_path, capsys):
    assert train_moons(tmp_path, "--epochs", "2", "--hidden", "3") == 0
    out = capsys.readouterr().out
    assert "2-3-1 network (tanh" in out and "two moons" in out
    assert "stopped       reached the maximum number of epochs" in out
    assert main(["predict", str(tmp_path / "m.json"), "0.5", "-0.3"]) == 0
    assert re.fullmatch(r"[01]  \(probability of 1: \d\.\d{3}; logit \S+\)\n",
                        capsys.readouterr().out)
    assert train_moons(tmp_path, "--tol", "10") == 0  # the first epoch's loss is below 10
    assert "stopped       the loss fell below the tolerance (10)" in capsys.readouterr().out
    assert train_moons(tmp_path, "--lr", "1e-9", "--patience", "2") == 0
    out = capsys.readouterr().out
    assert "epochs run    3 (at most 1000)" in out
    assert "the loss stopped improving (by more than 1e-4 in 2 epochs)" in out
    assert repr(load(tmp_path / "m.json")) == (
        "MLP(2, [2, 2, 1], activation='tanh', output_bias=False)"
    )


def test_a_diverging_run_in_process_returns_1_and_saves_nothing(tmp_path, capsys):
    assert train_moons(tmp_path, "--lr", "1e200", "--activation", "linear") == 1
    assert "training failed: the loss became inf" in capsys.readouterr().err
    assert not (tmp_path / "m.json").exists()


def test_a_failed_save_returns_1_with_the_reason(tmp_path, capsys, monkeypatch):
    def disk_full(*args, **kwargs):
        raise OSError("No space left on device")

    monkeypatch.setattr("microprop.cli.save", disk_full)
    assert train_moons(tmp_path, "--epochs", "1") == 1
    assert "could not save: No space left on device" in capsys.readouterr().err


def test_the_graph_is_an_svg_or_dot_text_with_a_hint_saying_why(tmp_path, capsys, monkeypatch):
    pytest.importorskip("graphviz")
    import shutil

    svg = str(tmp_path / "g.svg")
    if shutil.which("dot"):
        assert train_moons(tmp_path, "--epochs", "1", "--graph", svg) == 0
        assert (tmp_path / "g.svg").read_text().lstrip().startswith("<?xml")

        def broken(*args, **kwargs):
            raise RuntimeError("dot crashed")

        monkeypatch.setattr("microprop.viz.draw_dot", broken)
        assert train_moons(tmp_path, "--epochs", "1", "--graph", svg) == 0
        assert f"could not render {svg}: dot crashed" in capsys.readouterr().out
        assert (tmp_path / "g.dot").read_text().startswith("digraph")
        (tmp_path / "g.dot").unlink()
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program
    assert train_moons(tmp_path, "--epochs", "1", "--graph", svg) == 0
    assert "apt-get install graphviz" in capsys.readouterr().out
    assert (tmp_path / "g.dot").read_text().startswith("digraph")


def test_predict_prints_every_output_or_the_plain_output_of_a_model_without_bce(
    tmp_path, capsys
):
    from microprop.nn import MLP, Neuron
    from microprop.serialization import save

    save(MLP(2, [3, 2], seed=0), tmp_path / "two.json")
    assert main(["predict", str(tmp_path / "two.json"), "1", "2"]) == 0
    assert re.fullmatch(r"outputs       \S+ \S+\n", capsys.readouterr().out)
    neuron = Neuron(2, "linear", seed=0)
    save(neuron, tmp_path / "one.json", metadata={"loss": "mse"})
    assert main(["predict", str(tmp_path / "one.json"), "1", "2"]) == 0
    assert capsys.readouterr().out == f"output        {neuron([1.0, 2.0]).data:.6g}\n"


def test_python_dash_m_microprop_runs_main(monkeypatch, capsys):
    import runpy

    monkeypatch.setattr(sys, "argv", ["microprop", "--help"])
    with pytest.raises(SystemExit) as info:
        runpy.run_module("microprop", run_name="__main__")
    assert info.value.code == 0 and "{train,predict}" in capsys.readouterr().out


# ---- several classes: --classes 3 trains one output per Iris species -------------------------


@pytest.fixture(scope="module")
def species(tmp_path_factory):
    """One run of `train --classes 3` in process (about a second), shared by the tests below."""
    folder = tmp_path_factory.mktemp("species")
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", "--classes", "3", "--no-progress", "--model", str(folder / "m.json"),
                     "--graph", str(folder / "g.dot")])
    assert code == 0, err.getvalue()
    return folder, out.getvalue()


def test_train_classes_3_fits_a_4_2_2_3_network_with_cross_entropy(species):
    _, out = species
    assert "Training 4-2-2-3 network (tanh, linear outputs without bias, one logit per" in out
    assert "the article's" not in out  # the article's network has one output
    assert "the three species, setosa (0), versicolor (1) and virginica (2)" in out
    assert "cross-entropy, seed 0." in out and "(mean cross-entropy, training rows)" in out
    held_out = float(re.search(r"held-out (\d\.\d+) \(30 rows\)", out).group(1))
    assert held_out >= 0.93


def test_train_classes_3_reports_each_species_and_a_confusion_table(species):
    _, out = species
    per_class = re.search(r"per class     held-out: (.*)\n", out).group(1)
    found = re.findall(r"(\w+) (\d\.\d{3}) \((\d+)/10\)", per_class)
    assert [name for name, _, _ in found] == ["setosa", "versicolor", "virginica"]
    for _, fraction, hits in found:  # stratified: 10 held-out flowers of each species
        assert float(fraction) == int(hits) / 10
    lines = out.splitlines()
    top = lines.index("confusion     held-out rows: true species down, predicted across")
    assert lines[top + 1].split() == ["setosa", "versicolor", "virginica"]
    table = [line.split() for line in lines[top + 2 : top + 5]]
    assert [row[0] for row in table] == ["setosa", "versicolor", "virginica"]
    counts = [[int(n) for n in row[1:]] for row in table]
    assert [sum(row) for row in counts] == [10, 10, 10]
    assert [counts[c][c] for c in range(3)] == [int(h) for _, _, h in found]


def test_train_classes_3_saves_the_species_names_and_the_scaling(species):
    folder, _ = species
    assert repr(load(folder / "m.json")) == (
        "MLP(4, [2, 2, 3], activation='tanh', output_bias=False)"
    )
    meta = load_metadata(folder / "m.json")
    assert meta["classes"] == ["setosa", "versicolor", "virginica"]
    assert meta["loss"] == "cross_entropy" and "positive" not in meta
    assert len(meta["standardize"]["mean"]) == 4 and len(meta["standardize"]["std"]) == 4
    dot = (folder / "g.dot").read_text()
    assert dot.startswith("digraph") and all(f"s_{k}" in dot for k in range(1, 4))


def test_predict_names_the_species_and_gives_every_probability(species, capsys):
    folder, _ = species
    assert main(["predict", str(folder / "m.json"), "6.3", "3.3", "6.0", "2.5"]) == 0
    line = capsys.readouterr().out
    found = re.fullmatch(
        r"virginica  \(probability (\d\.\d{3}); setosa (\d\.\d{3}), versicolor (\d\.\d{3})\)\n",
        line,
    )
    assert found, line
    ps = [float(p) for p in found.groups()]
    assert ps[0] > 0.5 and abs(sum(ps) - 1) <= 0.002  # three roundings to 3 places
    assert main(["predict", str(folder / "m.json"), "5.1", "3.5", "1.4", "0.2"]) == 0
    assert capsys.readouterr().out.startswith("setosa  (probability ")


def test_predict_on_a_saved_species_model_equals_the_librarys(species, capsys):
    from microprop.data import IRIS_SPECIES, Standardizer, load_iris
    from microprop.train import predict

    folder, _ = species
    model, meta = load(folder / "m.json"), load_metadata(folder / "m.json")
    scaler = Standardizer(meta["standardize"]["mean"], meta["standardize"]["std"])
    X, _ = load_iris(classes=3)
    for x in X[::7]:  # 22 flowers of all three species
        [p] = predict(model, scaler.transform([x]), output="probabilities")
        [c] = predict(model, scaler.transform([x]))
        assert main(["predict", str(folder / "m.json"), *map(repr, x)]) == 0
        others = ", ".join(f"{IRIS_SPECIES[k]} {p[k]:.3f}" for k in range(3) if k != c)
        assert capsys.readouterr().out == (
            f"{IRIS_SPECIES[c]}  (probability {p[c]:.3f}; {others})\n"
        )


def test_predict_names_classes_by_index_when_the_file_has_no_names(tmp_path, capsys):
    from microprop.nn import MLP
    from microprop.serialization import save

    model = MLP(2, [3, 3], seed=0)
    save(model, tmp_path / "m.json", metadata={"loss": "cross_entropy"})
    assert main(["predict", str(tmp_path / "m.json"), "1", "2"]) == 0
    assert re.fullmatch(r"[012]  \(probability \d\.\d{3}; [012] \d\.\d{3}, [012] \d\.\d{3}\)\n",
                        capsys.readouterr().out)


def test_train_html_writes_a_page_stepping_through_one_examples_backward(tmp_path, capsys):
    pytest.importorskip("graphviz")
    page = tmp_path / "steps.html"
    assert train_moons(tmp_path, "--epochs", "1", "--html", str(page)) == 0
    assert f"saved         {tmp_path / 'm.json'}, " in capsys.readouterr().out
    text = page.read_text(encoding="utf-8")
    # 2-2-2-1 on the moons: four hidden neurons (a dot and a tanh each), the output's dot, then
    # the loss's own steps; every position from step 0 (C seeded) to the last is one frame.
    steps = int(re.search(r"<span id='counter'>step 0 of (\d+)</span>", text).group(1))
    assert re.findall(r"data-k='(\d+)'", text) == [str(k) for k in range(steps + 1)]
    assert "backward() on C" in text and "C starts backward: its grad is set to 1" in text
    assert "http" not in text.replace("http://www.w3.org", "")  # nothing fetched from a network


def test_train_html_without_graphviz_puts_the_dot_text_in_the_page_once(tmp_path, monkeypatch):
    pytest.importorskip("graphviz")  # the Python package; the dot program is what is missing
    monkeypatch.setenv("PATH", str(tmp_path))  # no dot program
    page = tmp_path / "steps.html"
    assert train_moons(tmp_path, "--epochs", "1", "--html", str(page)) == 0
    text = page.read_text(encoding="utf-8")
    assert text.count("dot program is not installed") == 1  # one drawing, restyled per step
    assert text.count("data-k=") > 10  # and every step's arithmetic


def test_train_html_without_the_graphviz_package_is_refused_before_training(
    tmp_path, monkeypatch, capsys
):
    """Defect: without the viz extra, --html trained, saved, then died in a 30-line ImportError
    traceback with exit 1 and no page."""
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    monkeypatch.chdir(tmp_path)
    page = tmp_path / "steps.html"
    with pytest.raises(SystemExit) as info:
        train_moons(tmp_path, "--epochs", "1", "--html", str(page))
    assert info.value.code == 2
    out, err = capsys.readouterr()
    assert "Training" not in out and len(err.strip().splitlines()) == 1, err
    for words in ("--html", "graphviz Python package", 'pip install -e ".[viz]"'):
        assert words in err, err
    assert list(tmp_path.iterdir()) == []  # nothing trained, nothing saved


def test_without_the_graphviz_package_the_graph_is_dot_text_with_the_install_hint(
    tmp_path, monkeypatch, capsys
):
    monkeypatch.setitem(sys.modules, "graphviz", None)
    assert train_moons(tmp_path, "--epochs", "1", "--graph", str(tmp_path / "g.svg")) == 0
    assert (tmp_path / "g.dot").read_text().startswith("digraph")
    assert not (tmp_path / "g.svg").exists()
    assert f"to get an SVG instead: {install_hint('viz')}" in capsys.readouterr().out


@pytest.mark.parametrize("where, hint", [
    ("clone", 'pip install -e ".[viz]"'),
    ("elsewhere", 'pip install -e ".[viz]" in '),
])
def test_the_install_hint_from_a_clone_is_an_editable_install_of_it(
    tmp_path, monkeypatch, where, hint
):
    monkeypatch.chdir(ROOT if where == "clone" else tmp_path)
    assert install_hint("viz").startswith(hint)
    if where == "elsewhere":
        assert install_hint("viz").endswith(str(ROOT))


def test_train_compile_trains_the_same_model_as_eager_training(tmp_path, capsys):
    models = {}
    for option in ((), ("--compile",)):
        folder = tmp_path / ("compiled" if option else "eager")
        folder.mkdir()
        assert train_moons(folder, "--epochs", "40", *option) == 0
        out = capsys.readouterr().out
        assert (", compiled." in out) == bool(option)
        models[bool(option)] = load(folder / "m.json").state_dict()
    eager, compiled = models[False], models[True]
    assert eager.keys() == compiled.keys()
    for name in eager:  # full batch: each example's gradient is eager's; only the sum's order
        assert compiled[name] == pytest.approx(eager[name], rel=1e-12, abs=1e-15)


# ---- outputs, pipes, negative numbers, names, sizes: the defects of issue 10 --------------------
# The command line against the defects of issue 10: each test names the one it guards against.
#
# Most run ``main(argv)`` in this process; a real pipe needs a subprocess (marked slow).


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
    if graph == "out.json":  # only a drawing Graphviz renders goes to out.json itself
        pytest.importorskip("graphviz")
        if not shutil.which("dot"):
            pytest.skip("Graphviz's dot program is not installed")
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


# ---- --data: the classic shapes and CSV files of your own ------------------------------------


def train_quietly(*args):
    """``main(["train", ...])`` with its report captured: (exit code, stdout, stderr)."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["train", "--no-progress", "--model", "m.json", "--graph", "g.dot", *args])
    return code, out.getvalue(), err.getvalue()


@pytest.mark.parametrize("name, what", [
    ("circles", "on two circles: the inner circle (1) against the outer one (0); 160 training"),
    ("xor", "on XOR: points whose coordinates differ in sign (1) against those that agree (0)"),
    ("spiral", "on two spirals: the second spiral (1) against the first (0); 160 training"),
])
def test_train_takes_each_classic_shape_by_name(tmp_path, monkeypatch, name, what):
    monkeypatch.chdir(tmp_path)
    code, out, err = train_quietly("--data", name, "--epochs", "2")
    assert code == 0, err
    assert "Training 2-2-2-1 network" in out and what in out
    meta = load_metadata("m.json")
    assert meta["data"] == name and meta["features"] == ["x", "y"]
    assert (meta["positive"], meta["negative"]) == ("1", "0")


def write_rows(path, rows):
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)
    return str(path)


def test_a_csv_with_two_text_classes_trains_one_output_named_by_them(tmp_path, monkeypatch,
                                                                     capsys):
    monkeypatch.chdir(tmp_path)
    rows = [[x, x * x, "yes" if x > 0 else "no"] for x in (-3, -2, -1.5, -1, 1, 1.5, 2, 3)]
    write_rows("signs.csv", [["x", "x2", "positive"], *rows])
    code, out, err = train_quietly("--data", "signs.csv", "--epochs", "200", "--tol", "0")
    assert code == 0, err
    assert "Training 2-2-2-1 network" in out
    assert "on signs.csv: positive yes (1) against no (0); 6 training rows, 2 held out." in out
    meta = load_metadata("m.json")
    assert meta["data"] == "signs.csv" and meta["features"] == ["x", "x2"]
    assert (meta["target"], meta["positive"], meta["negative"]) == ("positive", "yes", "no")
    assert main(["predict", "m.json", "2.5", "6.25"]) == 0
    assert capsys.readouterr().out.startswith("yes  (probability of yes: ")


def test_a_csv_with_three_classes_trains_as_iris_classes_3_does(tmp_path, monkeypatch, capsys):
    """Iris written as a CSV file with its species' names: the same run as --classes 3."""
    monkeypatch.chdir(tmp_path)
    X, y = load_iris(classes=3)
    write_rows("flowers.csv", [["sl", "sw", "pl", "pw", "species"],
                               *([*x, IRIS_SPECIES[c]] for x, c in zip(X, y, strict=True))])
    code, out, err = train_quietly("--data", "flowers.csv")
    assert code == 0, err
    assert "Training 4-2-2-3 network (tanh, linear outputs without bias, one logit per class)" \
        in out
    assert ("on flowers.csv: the 3 classes of species, setosa (0), versicolor (1), virginica (2);"
            " 120 training rows, 30 held out.") in out
    assert "held-out 0.967 (30 rows)" in out  # as --classes 3 on the built-in Iris
    assert "confusion     held-out rows: true class down, predicted across" in out
    assert load_metadata("m.json")["classes"] == list(IRIS_SPECIES)
    assert main(["predict", "m.json", "6.3", "3.3", "6.0", "2.5"]) == 0
    assert capsys.readouterr().out.startswith("virginica  (probability 0.9")


def test_a_csv_target_of_whole_numbers_picked_by_name_is_a_class_each(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    rows = [[k % 3, x, x + 1] for k, x in enumerate(range(12))]  # labels 0, 1, 2 in column 1
    write_rows("d.csv", [["digit", "a", "b"], *rows])
    code, out, err = train_quietly("--data", "d.csv", "--target", "digit", "--epochs", "1")
    assert code == 0, err
    assert "on d.csv: the 3 classes of digit, 0 (0), 1 (1), 2 (2);" in out
    meta = load_metadata("m.json")
    assert meta["features"] == ["a", "b"] and meta["classes"] == ["0", "1", "2"]


def test_a_csv_with_more_than_three_classes_lists_three_and_counts_the_rest(
    tmp_path, monkeypatch
):
    monkeypatch.chdir(tmp_path)
    write_rows("d.csv", [["x", "y"], *([k, -k] for k in range(10) for _ in range(2))])
    code, out, err = train_quietly("--data", "d.csv", "--epochs", "1")
    assert code == 0, err
    assert "Training 1-2-2-10 network" in out
    assert "the 10 classes of y, -9 (0), -8 (1), -7 (2) and 7 more;" in out


def test_a_file_named_as_a_data_set_is_read_with_a_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    write_rows("moons", [["p", "q"], [1, 0], [2, 0], [3, 1], [4, 1], [5, 0], [6, 1]])
    code, out, _ = train_quietly("--data", "./moons", "--epochs", "1")
    assert code == 0 and "on ./moons: q 1 (1) against 0 (0)" in out
    code, out, _ = train_quietly("--data", "moons", "--epochs", "1")
    assert code == 0 and "two moons" in out  # the name is the built-in data set


def test_help_names_the_data_sets_the_csv_file_and_target(capsys):
    with pytest.raises(SystemExit):
        main(["train", "--help"])
    out = " ".join(capsys.readouterr().out.split())
    for words in ("circles:", "xor:", "spiral:", "the path of a CSV file", "--target NAME",
                  "its last column"):
        assert words in out


@pytest.mark.slow
def test_a_bad_csv_as_a_subprocess_exits_2_with_one_line_before_training(tmp_path):
    (tmp_path / "bad.csv").write_text("a,b,y\n1,2,x\n3,NA,z\n")
    result = run(["train", "--data", "bad.csv"], tmp_path)
    assert_one_line_error(result, r"argument --data: bad\.csv, line 3, column 2 \('b'\) is 'NA', "
                                  r"not a number")
    assert "Training" not in result.stdout and not (tmp_path / "model.json").exists()


@pytest.mark.slow
def test_a_csv_file_trains_and_predicts_as_a_subprocess(tmp_path):
    X, y = load_iris()
    write_rows(tmp_path / "iris.csv", [["sl", "sw", "pl", "pw", "kind"],
                                       *([*x, "virginica" if c else "other"]
                                         for x, c in zip(X, y, strict=True))])
    result = run(["train", "--data", "iris.csv", "--no-progress"], tmp_path)
    assert result.returncode == 0, result.stderr
    assert "on iris.csv: kind virginica (1) against other (0)" in result.stdout
    result = run(["predict", "model.json", "6.3", "3.3", "6.0", "2.5"], tmp_path)
    assert result.returncode == 0 and result.stdout.startswith("virginica  (probability of "
                                                              "virginica: ")
