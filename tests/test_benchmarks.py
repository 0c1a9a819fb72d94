"""The benchmark suite runs, and every implementation in it computes the same thing.

Timing is not behaviour: nothing here looks at how long anything took.
"""

import subprocess
import sys
from pathlib import Path

import pytest

from microprop import Value, nary

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # the suite sits next to the package, and is not installed
from benchmarks import floor, run  # noqa: E402

TINY = {
    **run.QUICK,
    "demo_points": 6,
    "demo_sizes": [3, 3, 1],
    "demo_steps": 2,
    "article_samples": 5,
}


def test_the_floor_gives_the_gradients_backward_gives():
    sizes, layers, X, Y = run.demo_problem(TINY)
    grads = floor.zeros_like(layers)
    zs, acts = floor.forward(layers, X[0])
    floor.backward(layers, zs, acts, [1.0], grads)  # d(score)/d(parameter)

    forward, params, _ = run.microprop_model(sizes, layers, elementwise=False)
    forward(X[0]).backward()
    assert [p.grad for p in params] == pytest.approx(run.flat(grads), rel=1e-12, abs=1e-15)


def test_the_floor_chain_has_the_derivative_of_an_affine_recurrence():
    x, grad = floor.chain(3, 2.0, 1.0)  # 1 -> 3 -> 7 -> 15, each step doubling the derivative
    assert (x, grad) == (15.0, 8.0)


def test_the_floor_cross_entropy_step_moves_the_weights_as_backward_says():
    from microprop.losses import cross_entropy

    sizes, layers, X, Y = run.iris_problem(TINY)
    X, Y = X[::50], Y[::50]  # one flower of each species
    forward, params, _ = run.microprop_model(sizes, layers, elementwise=False)
    loss = cross_entropy([forward(x) for x in X], Y)
    loss.backward()
    before = run.flat(layers)
    floor_loss = floor.cross_entropy_step(layers, X, Y, 1.0)  # with lr 1 the step is -grad
    assert floor_loss == pytest.approx(loss.data, rel=1e-12)
    steps = [b - a for a, b in zip(run.flat(layers), before, strict=True)]
    assert steps == pytest.approx([p.grad for p in params], rel=1e-9, abs=1e-12)


def test_the_iris_problem_is_150_standardized_flowers_of_three_species():
    _, _, X, Y = run.iris_problem(TINY)
    assert len(X) == 150 and [Y.count(c) for c in range(3)] == [50, 50, 50]
    for k in range(4):
        column = [x[k] for x in X]
        assert sum(column) / 150 == pytest.approx(0.0, abs=1e-12)
        assert sum(v * v for v in column) / 150 == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("case", ["demo", "article", "iris"])
def test_every_implementation_ends_at_the_same_loss(case):
    impls = [
        "floor",
        "microprop",
        "microprop, elementwise",
        "compiled, python",
        "compiled, tape",
        "compiled, numpy",
        "micrograd",
        "torch, scalars",
        "torch, batched",
    ]
    losses = {}
    for impl in impls:
        if impl not in run.WORKERS[case]:  # not run on it (micrograd has no exp for iris)
            continue
        try:
            result = run.WORKERS[case][impl](TINY)
        except ImportError:  # micrograd, torch, NumPy or the tape not installed: the others
            continue
        losses[impl] = result["loss"]
        if impl.startswith("compiled, "):  # its own backend ran, not a fallback
            assert result["backend"] == impl.removeprefix("compiled, "), result
            continue
    assert {"floor", "microprop", "microprop, elementwise"} <= set(losses)
    assert all(v == pytest.approx(losses["floor"], rel=1e-12) for v in losses.values()), losses


def test_every_chain_ends_at_the_same_value_and_derivative():
    results = {}
    for impl, chain in run.WORKERS["chain"].items():
        try:
            results[impl] = chain(300)
        except ImportError:
            continue
    assert {"floor", "microprop"} <= set(results)
    for r in results.values():
        assert r["grad"] == pytest.approx(1.0001**300, rel=1e-12)  # d/dx0 of n steps is a**n
        assert r["value"] == pytest.approx(results["floor"]["value"], rel=1e-12)


def test_memory_is_measured_per_recorded_op():
    m = run.memory("microprop", 100, TINY)
    assert 50 < m["forward"] < 1000 and m["backward"] >= m["forward"] and m["sample"] > 0


def test_the_micrograd_chain_leaves_the_recursion_limit_and_stack_size_as_they_were():
    pytest.importorskip("micrograd")
    limit = sys.getrecursionlimit()
    out = run.micrograd_chain(2000)
    assert out["grad"] == pytest.approx(1.0001**2000, rel=1e-12)
    assert sys.getrecursionlimit() == limit


@pytest.mark.slow
def test_quick_mode_prints_a_table_and_the_losses_agree():
    script = Path(run.__file__)
    done = subprocess.run(
        [sys.executable, str(script), "--quick"], capture_output=True, text=True, timeout=600
    )
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert out.startswith("# microprop benchmarks")
    assert "Python 3." in out and "| case | unit | floor | microprop |" in out
    assert "| target | measured | goal | met |" in out
    assert out.count(": agree") == len(run.PROBLEMS) == 4 and "DISAGREE" not in out


def test_value_and_dot_are_what_the_benchmark_times():
    # The demo's neuron is one dot node; keep the benchmark honest if that ever changes.
    w = [Value(1.0), Value(2.0)]
    z = nary.dot(w, [3.0, 4.0], Value(0.5))
    assert z._op == "dot" and len(z._children) == 3


def test_the_fit_compile_benchmark_prints_a_row_per_case_with_the_runs_agreeing(capsys):
    from benchmarks import fit_compile

    assert fit_compile.main(["--quick"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 3  # the header, then the article's network, the demo, the species
    for row in rows[1:]:
        apart = float(row.rstrip(" |").rsplit("|", 1)[1])
        assert apart < 1e-12, row  # the same training, compiled or not


def test_the_hessian_benchmark_checks_symmetry_and_the_diagonal_by_differences(capsys):
    from benchmarks import hessian

    assert hessian.main(["--quick"]) == 0
    out = capsys.readouterr().out
    assert "C = 0.99714007" in out and "hessian of C over 18 parameters" in out


def test_the_compile_cost_benchmark_prints_a_row_per_graph(capsys):
    from benchmarks import compile_cost

    assert compile_cost.main(["--quick"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    graphs = 6  # the demo's batch and one moon, the article's flower, Iris, microgpt, the chain
    table = [row for row in rows if row.endswith(" MB |")]
    assert len(table) == graphs * len(compile_cost.BACKENDS), rows
    assert all(row.count(" MB |") == 2 for row in table)
    assert any("'christina'" in row and "at most 0.5 s" in row for row in rows)


def test_the_microgpt_compile_benchmark_checks_the_losses_and_prints_each_table(capsys, tmp_path):
    from benchmarks import microgpt_compile

    names = tmp_path / "names.txt"
    names.write_text("ava\nbob\nemma\nliam\n")  # two lengths of document: 3 and 4 letters
    try:
        assert microgpt_compile.main(
            ["--steps", "4", "--rounds", "1", "--names", str(names), "--no-notebook"]) == 0
    finally:
        microgpt_compile.DOCS[:] = microgpt_compile.NAMES.read_text().split()
    out = capsys.readouterr().out
    rows = [line for line in out.splitlines() if line.startswith("| ")]
    rows_per_table = 1 + 4 + len(microgpt_compile.COMPILED)  # eager four ways, each backend
    assert len(rows) == rows_per_table + (1 + 2) + rows_per_table, out  # and two lengths
    assert "2 lengths" in out and "at least 10x faster" in out


def test_the_compiled_ab_benchmarks_work_runs_both_cases_and_needs_a_baseline(capsys,
                                                                               monkeypatch):
    from benchmarks import compiled_ab

    for case in compiled_ab.CASES:
        compiled_ab.epoch(str(compiled_ab.ROOT), case, 1)  # the work each side counts
    monkeypatch.setattr(sys, "argv", ["compiled_ab.py"])
    with pytest.raises(SystemExit):
        compiled_ab.main()
    assert "--baseline" in capsys.readouterr().err
