"""Every exercise's check says "not yet" to the classic wrong answers for that exercise.

A check that says "right" to the bug its notebook teaches (``x.grad = ...`` for ``+=``, a
missing ``* out.grad``) teaches the bug. For each exercise, WRONG lists the typical wrong
answers, each as a change to the exercise's solution (``notebooks/solutions/``): the text it
replaces and what a learner wrote instead, or a whole cell. The notebook runs once with its
solutions; after each check cell, each wrong answer runs with the check again, and then the
solution once more, so that the notebook goes on as solved. A check needs the notebook's own
state up to it (its model, its forward pass, its generated code), so this runs the notebooks,
as tests/test_notebooks.py does, and is marked slow as they are.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")

from test_notebooks import NOTEBOOKS, ROOT, run, solution_blocks, tags  # noqa: E402

# notebook stem -> exercise number -> what the wrong answer is -> (solution text, instead) or
# the whole cell a learner wrote.
WRONG: dict[str, dict[int, dict[str, tuple[str, str] | str]]] = {
    "00_backprop_from_scratch": {
        1: {
            "no * out.grad": ("(1 - t**2) * out.grad", "(1 - t**2)"),
            "assigned, x.grad =": ("self.grad +=", "self.grad ="),
            "assigned, without * out.grad": ("self.grad += (1 - t**2) * out.grad",
                                             "self.grad = (1 - t**2)"),
            "1 - x^2, not 1 - tanh(x)^2": ("(1 - t**2)", "(1 - self.data**2)"),
            "the wrong sign": ("(1 - t**2)", "(t**2 - 1)"),
            "tanh(x) itself": ("(1 - t**2)", "t"),
        },
        2: {
            "assigned, x.grad =": ("x.grad +=", "x.grad ="),
            "no * out.grad": ("3 * x.data**2 * out.grad", "3 * x.data**2"),
            "no factor 3": ("3 * x.data**2 * out.grad", "x.data**2 * out.grad"),
            "3x, not 3x^2": ("3 * x.data**2 * out.grad", "3 * x.data * out.grad"),
            "the wrong sign": ("3 * x.data**2 * out.grad", "-3 * x.data**2 * out.grad"),
        },
        3: {
            "p * p counted once": ("2 * p.data + 4", "p.data + 4"),
            "4p forgotten": ("2 * p.data + 4", "2 * p.data"),
            "the value q, not its slope": ("2 * p.data + 4", "p.data**2 + 4 * p.data"),
            "p * p counted, 4p as 4p": ("2 * p.data + 4", "2 * p.data + 4 * p.data"),
        },
    },
    "01_forward_propagation": {
        1: {
            "no bias": (" + b2[0]", ""),
            "activations swapped": ("W2[0][0] * a2[0] + W2[0][1] * a2[1]",
                                    "W2[0][0] * a2[1] + W2[0][1] * a2[0]"),
            "column of W^(2), transposed": ("W2[0][1] * a2[1]", "W2[1][0] * a2[1]"),
            "one layer too early, z^(2)_1": (
                "W2[0][0] * a2[0] + W2[0][1] * a2[1] + b2[0]",
                "sum(W1[0][k] * x[k] for k in range(4)) + b1[0]"),
            "tanh applied, a^(3)_1": ("z3_1 = W2[0][0] * a2[0] + W2[0][1] * a2[1] + b2[0]",
                                      "z3_1 = math.tanh(W2[0][0] * a2[0] + W2[0][1] * a2[1] "
                                      "+ b2[0])"),
            "the other neuron's bias": ("b2[0]", "b2[1]"),
        },
        2: {
            "a bias on the output": ("1 * 3", "1 * (3 + 1)"),
            "weights only": ("3 * (4 + 1) + 3 * (3 + 1) + 1 * 3", "3 * 4 + 3 * 3 + 1 * 3"),
            "layer 2 read as 4 inputs, off by one layer": ("3 * (3 + 1)", "3 * (4 + 1)"),
            "the article's network": ("3 * (4 + 1) + 3 * (3 + 1) + 1 * 3",
                                      "2 * (4 + 1) + 2 * (2 + 1) + 2"),
        },
        3: {
            "relu as abs": ("max(0.0, t)", "abs(t)"),
            "relu as min": ("max(0.0, t)", "min(0.0, t)"),
            "relu skipped on the second layer": ("relu_list(add(matvec(R2", "(add(matvec(R2"),
            "tanh, not relu, on the first layer": ("relu_list(add(matvec(R1", "f(add(matvec(R1"),
        },
    },
    "02_chain_rule": {
        1: {
            "no f'(z), dC/da^(3)_1": (' * (1 - math.tanh(v["z^(3)_1"].data) ** 2)', ""),
            "tanh(z) for f'(z)": ('(1 - math.tanh(v["z^(3)_1"].data) ** 2)',
                                  'math.tanh(v["z^(3)_1"].data)'),
            "no factor 2 in dC/ds": ("dC_ds *", "(s_ - y) *"),
            "the wrong sign": ("dC_ds *", "-dC_ds *"),
            "f' one layer too early, at z^(2)_1": ('v["z^(3)_1"]', 'v["z^(2)_1"]'),
            "the other weight, W^(3)_12": ("W(3, 1, 1)", "W(3, 1, 2)"),
        },
        2: {
            "one share only": (" + W(2, 2, 1).data * delta3[1]", ""),
            "row of W^(2), not the transpose's": ("W(2, 2, 1)", "W(2, 1, 2)"),
            "no f'(z)": (' * (\n    1 - math.tanh(v["z^(2)_1"].data) ** 2\n)', ""),
            "f' one layer too late, at z^(3)_1": ('v["z^(2)_1"]', 'v["z^(3)_1"]'),
            "the wrong sign": ("my_delta2_1 = (", "my_delta2_1 = -("),
        },
        3: {
            "the wrong sign": ("predicted_db = 2 *", "predicted_db = -2 *"),
            "no f'(z)": (' * (1 - math.tanh(v50["z^(3)_2"].data) ** 2)', ""),
            "the other weight, W^(3)_11": (".w[1].data", ".w[0].data"),
            "y = 1, not this flower's 0": ("- 0.0)", "- 1.0)"),
            "f' one layer too early, at z^(2)_2": ('v50["z^(3)_2"]', 'v50["z^(2)_2"]'),
        },
    },
    "03_topological_order": {
        1: {
            "e = c + b's direct path forgotten": ("8 * 3.0 + 2", "8 * 3.0"),
            "a + a counted once": ("8 * 3.0 + 2", "4 * 3.0 + 1"),
            "the value e, not its slope": ("8 * 3.0 + 2", "4 * 3.0**2 + 2 * 3.0"),
        },
        2: {
            "recursive, as micrograd": (
                "def my_order(root):\n"
                "    order, visited = [], set()\n\n"
                "    def visit(node):\n"
                "        if node not in visited:\n"
                "            visited.add(node)\n"
                "            for child in node._children:\n"
                "                visit(child)\n"
                "            order.append(node)\n\n"
                "    visit(root)\n"
                "    return order\n"),
            "reversed, the root first": ("    return order", "    return order[::-1]"),
            "no visited set, a node once per path": (
                "def my_order(root):\n"
                "    order, stack = [], [(root, False)]\n"
                "    while stack:\n"
                "        node, inputs_done = stack.pop()\n"
                "        if inputs_done:\n"
                "            order.append(node)\n"
                "        else:\n"
                "            stack.append((node, True))\n"
                "            stack.extend((child, False) for child in node._children)\n"
                "    return order\n"),
            "breadth first from the root, reversed": (
                "from collections import deque\n\n\n"
                "def my_order(root):\n"
                "    seen, queue, order = {root}, deque([root]), []\n"
                "    while queue:\n"
                "        node = queue.popleft()\n"
                "        order.append(node)\n"
                "        for child in node._children:\n"
                "            if child not in seen:\n"
                "                seen.add(child)\n"
                "                queue.append(child)\n"
                "    return order[::-1]\n"),
        },
        3: {
            "every node": ("33 - 22", "33"),
            "the leaves": ("33 - 22", "22"),
            "off by one": ("33 - 22", "33 - 22 + 1"),
        },
    },
    "04_gradient_descent": {
        1: {
            "the sum, not the mean": (" / len(y_train)", ""),
            "no factor 2": ("2 * (outputs", "(outputs"),
            "the wrong sign": ("(outputs[0].data - y_train[0])", "(y_train[0] - outputs[0].data)"),
            "the second flower's": ("outputs[0].data - y_train[0]", "outputs[1].data - y_train[1]"),
        },
        2: {
            "the wrong sign, uphill": ("w22.data - eps", "w22.data + eps"),
            "no learning rate": ("eps * w22.grad", "w22.grad"),
            "the step, not the new weight": ("w22.data - eps * w22.grad", "-eps * w22.grad"),
        },
        3: {
            "the notebook's eps": ("3.0", "EPS"),
            "too small": ("3.0", "0.03"),
            "the wrong sign, gradient ascent": ("3.0", "-0.3"),
            "the wrong sign, large": ("3.0", "-3.0"),
        },
    },
    "05_several_classes": {
        1: {
            "p_0 alone": ("p[0] * (1 - p[0])", "p[0]"),
            "the wrong sign off the diagonal": ("-p[0] * p[1]", "p[0] * p[1]"),
            "the other p in the diagonal": ("p[0] * (1 - p[0])", "p[0] * (1 - p[1])"),
            "the two swapped": ("dp0_ds0, dp0_ds1", "dp0_ds1, dp0_ds0"),
            "the wrong sign on the diagonal": ("p[0] * (1 - p[0])", "-p[0] * (1 - p[0])"),
        },
        2: {
            "the probability": ("math.log(3)", "1 / 3"),
            "the wrong sign": ("math.log(3)", "math.log(1 / 3)"),
            "two classes": ("math.log(3)", "math.log(2)"),
        },
        3: {
            "the wrong sign, y - p": ("p_test[i] - (1.0 if i == y_test[0] else 0.0)",
                                      "(1.0 if i == y_test[0] else 0.0) - p_test[i]"),
            "p without the target": ("(1.0 if i == y_test[0] else 0.0)", "0.0"),
            "the target off by one class": ("i == y_test[0]", "i == (y_test[0] + 1) % 3"),
            "the logits' probabilities from another flower": ("X_test[0]", "X_test[1]"),
        },
    },
    "06_two_moons": {
        1: {
            "the wrong sign": ("return -y if", "return y if"),
            "the margin at 0, not 1": ("y * s < 1", "y * s < 0"),
            "y forgotten in the slope": ("return -y if", "return -1.0 if"),
            "y forgotten in the margin": ("y * s < 1", "s < 1"),
            "the loss, not its slope": ("return -y if y * s < 1 else 0.0",
                                        "return max(0.0, 1 - y * s)"),
        },
        2: {
            "no factor 2": ("2 * 1e-4 * w_first.data", "1e-4 * w_first.data"),
            "alpha forgotten": ("2 * 1e-4 * w_first.data", "2 * w_first.data"),
            "the wrong sign": ("2 * 1e-4 * w_first.data", "-2 * 1e-4 * w_first.data"),
            "the penalty, not its slope": ("2 * 1e-4 * w_first.data", "1e-4 * w_first.data**2"),
        },
    },
    "07_against_pytorch": {
        1: {
            "no transpose": ("W2_then.T @", "W2_then @"),
            "no f'(z)": (" * (1 - a2.detach() ** 2)", ""),
            "f' one layer too late, at z^(3)": ("a2.detach()", "a3.detach()"),
            "the weights after the SGD step": ("(W2_then.T @", "(W[2].detach().T @"),
            "the wrong sign": ("my_delta2 = (", "my_delta2 = -("),
        },
        2: {
            "the mean, not the sum": ("delta3.sum(", "delta3.mean("),
            "no keepdim": ("delta3.sum(1, keepdim=True)", "delta3.sum(1)"),
            "summed over the neurons": ("delta3.sum(1,", "delta3.sum(0,"),
            "one layer too early, delta2": ("delta3.sum", "delta2.sum"),
        },
    },
    "08_compiled_code": {
        1: {
            "dC/da, not dC/dz": ('variable("z^(2)_1")', 'variable("a^(2)_1")'),
            "z itself, not its gradient": ('"d_" + variable("z^(2)_1")', 'variable("z^(2)_1")'),
            "named after the label": ('"d_" + variable("z^(2)_1")', '"d_z^(2)_1"'),
            "one layer too late, z^(3)_1": ('variable("z^(2)_1")', 'variable("z^(3)_1")'),
            "the bias's gradient": ('variable("z^(2)_1")', 'variable("layers.0.neurons.0.b")'),
        },
        2: {
            "W transposed": ("W2[1][0] * delta3[1]", "W2[0][1] * delta3[1]"),
            "no f'(z)": (" * (1 - a2[0] ** 2)", ""),
            "f' one layer too late": ("(1 - a2[0] ** 2)", "(1 - a3[0] ** 2)"),
            "one share only": (" + W2[1][0] * delta3[1]", ""),
            "the wrong sign": ("delta2_1 = (", "delta2_1 = -("),
        },
        3: {
            "a branch on .data": ("return 1.0 - (1.0 - x).relu()",
                                  "return x * 1.0 if x.data < 1 else x * 0.0 + 1.0"),
            "the wrong sign inside": ("(1.0 - x).relu()", "(x - 1.0).relu()"),
            "the relu alone": ("1.0 - (1.0 - x).relu()", "(1.0 - x).relu()"),
            "x in place of 1": ("return 1.0 - (1.0 - x)", "return x - (1.0 - x)"),
        },
    },
    "09_curvature": {
        1: {
            "the wrong sign": ("predicted_tanh2 = -2 *", "predicted_tanh2 = 2 *"),
            "no factor 2": ("predicted_tanh2 = -2 *", "predicted_tanh2 = -1 *"),
            "the first derivative": ("-2 * math.tanh(x_t) * (1 - math.tanh(x_t) ** 2)",
                                     "1 - math.tanh(x_t) ** 2"),
            "no chain rule": (" * (1 - math.tanh(x_t) ** 2)", ""),
        },
        2: {
            "the wrong sign, uphill": ("x_now - df", "x_now + df"),
            "upside down": ("df(x_now) / d2f(x_now)", "d2f(x_now) / df(x_now)"),
            "a gradient step": ("df(x_now) / d2f(x_now)", "df(x_now)"),
        },
        3: {
            "the wrong sign": ("w_out - grad", "w_out + grad"),
            "a gradient step": (" / grad(grad(C_out))(w_out)", ""),
            "upside down": ("grad(C_out)(w_out) / grad(grad(C_out))(w_out)",
                            "grad(grad(C_out))(w_out) / grad(C_out)(w_out)"),
            "half a step": (" / grad(grad(C_out))(w_out)", " / grad(grad(C_out))(w_out) / 2"),
        },
    },
    "10_digits": {
        1: {
            "all 64 reversed, a half turn": (
                "[image[8 * r + 7 - c] for r in range(8) for c in range(8)]", "image[::-1]"),
            "upside down": ("image[8 * r + 7 - c]", "image[8 * (7 - r) + c]"),
            "transposed": ("image[8 * r + 7 - c]", "image[8 * c + r]"),
            "unchanged": ("image[8 * r + 7 - c]", "image[8 * r + c]"),
        },
        2: {
            "no f'(z)": (" * (1.0 if a0[j] > 0 else 0.0)", ""),
            "a_j for f'(z_j)": ("(1.0 if a0[j] > 0 else 0.0)", "a0[j]"),
            "the right digit's share only": ("sum(W[i][j] * delta_out[i] for i in range(10))",
                                             "W[t0][j] * delta_out[t0]"),
            "the wrong sign": ("sum(W[i][j]", "-sum(W[i][j]"),
        },
        3: {
            "the first hidden neuron only": (
                "sum(W1[j][k] * delta_hidden[j] for j in range(HIDDEN))",
                "W1[0][k] * delta_hidden[0]"),
            "times the pixel, a weight's gradient": ("W1[j][k] * delta_hidden[j]",
                                                     "x0[k] * delta_hidden[j]"),
            "the wrong sign": ("sum(W1", "-sum(W1"),
            "the weights without delta": ("W1[j][k] * delta_hidden[j]", "W1[j][k]"),
        },
    },
    "90_tiny_gpt": {
        1: {
            "no head": ("2 * HIDDEN * D + V * D", "2 * HIDDEN * D"),
            "three attention matrices": ("4 * D * D", "3 * D * D"),
            "one MLP matrix": ("2 * HIDDEN * D", "HIDDEN * D"),
            "no position embedding": ("V * D + T * D + ", "V * D + "),
        },
        2: {
            "p without the target": ("ei / sum(e) - (1.0 if i == t else 0.0)", "ei / sum(e)"),
            "the wrong sign": ("ei / sum(e) - (1.0 if i == t else 0.0)",
                               "(1.0 if i == t else 0.0) - ei / sum(e)"),
            "the target off by one": ("i == t", "i == (t + 1) % len(s)"),
            "not normalised": ("ei / sum(e)", "ei"),
        },
        3: {
            "no scaling": (" / math.sqrt(D)", ""),
            "scaled by D": ("math.sqrt(D)", "D"),
            "no softmax": ("softmax([dot(q, k) / math.sqrt(D) for k in keys])",
                           "[dot(q, k) / math.sqrt(D) for k in keys]"),
            "floats, so no gradient reaches q": ("dot(q, k) / math.sqrt(D)",
                                                  "Value(dot(q, k).data / math.sqrt(D))"),
        },
    },
    "11_scalars_to_matrices": {
        1: {
            "no bias": (" + b1", ""),
            "tanh applied, a^(2)": ("Z2 = W1 @ A1 + b1", "Z2 = np.tanh(W1 @ A1 + b1)"),
            "the next layer's bias": (" + b1", " + b2"),
            "the inputs in reverse order": ("W1 @ A1", "W1 @ A1[::-1]"),
        },
        2: {
            "W not transposed": ("W2.T @ dZ3", "W2 @ dZ3"),
            "no f'(z)": (" * (1 - A2**2)", ""),
            "f' one layer too late": ("(1 - A2**2)", "(1 - A3**2)"),
            "the wrong sign": ("dZ2 = (", "dZ2 = -("),
        },
        3: {
            "transposed": ("dZ2 @ A1.T", "A1 @ dZ2.T"),
            "the mean, not the sum": ("dZ2 @ A1.T", "dZ2 @ A1.T / len(rows)"),
            "one layer too late, dZ3": ("dZ2 @ A1.T", "dZ3 @ A1.T"),
            "the bias's gradient": ("dZ2 @ A1.T", "dZ2.sum(axis=1)"),
        },
    },
}
EXERCISES = {path.stem: path for path in NOTEBOOKS if path.stem in WRONG}


def wrong_cell(solution: str, wrong: tuple[str, str] | str) -> str:
    """The exercise cell a learner wrote: the solution with one change, or a whole cell."""
    if isinstance(wrong, str):
        return wrong
    right, instead = wrong
    assert right in solution, f"the solution has no {right!r} to change"
    return solution.replace(right, instead)


def exercises_of(path: Path) -> list[int]:
    cells = nbformat.read(path, as_version=4).cells
    return sorted(int(t.split("-")[1]) for c in cells for t in tags(c) if t.startswith("exercise-"))


def test_every_exercise_of_every_notebook_has_wrong_answers():
    for path in NOTEBOOKS:
        numbers = exercises_of(path)
        if numbers:
            listed = WRONG.get(path.stem, {})
            assert sorted(listed) == numbers, f"{path.name}: wrong answers for {sorted(listed)}"
            few = [n for n in numbers if len(listed[n]) < 3]
            assert not few, f"{path.name}: fewer than 3 wrong answers for exercises {few}"


@pytest.mark.parametrize("stem", sorted(WRONG))
def test_each_wrong_answer_is_a_change_to_the_solution(stem):
    blocks = solution_blocks(ROOT / "notebooks" / "solutions" / f"{stem}.py")
    for n, wrongs in WRONG[stem].items():
        solution = blocks[f"exercise-{n}"]
        for name, wrong in wrongs.items():
            assert wrong_cell(solution, wrong) != solution, f"{stem} {n} {name!r} changes nothing"


@pytest.fixture(autouse=True)
def _this_checkout(monkeypatch):
    # The kernel runs in a scratch folder; let it import this checkout even when not installed.
    monkeypatch.setenv(
        "PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    )


@pytest.mark.slow  # each notebook starts a kernel
@pytest.mark.parametrize("stem", sorted(WRONG))
def test_every_check_says_not_yet_to_the_classic_wrong_answers(stem, tmp_path):
    path = EXERCISES[stem]
    nb = nbformat.read(path, as_version=4)
    check_code = {t: c.source for c in nb.cells for t in tags(c) if t.startswith("check-")}
    blocks = solution_blocks(ROOT / "notebooks" / "solutions" / f"{stem}.py")
    after, asked = {}, {}
    for n, wrongs in WRONG[stem].items():
        solution = blocks[f"exercise-{n}"]
        extra = []
        for i, (name, wrong) in enumerate(wrongs.items()):
            tag = f"wrong-{n}-{i}"
            asked[tag] = f"exercise {n}, {name}"
            extra.append((tag, wrong_cell(solution, wrong) + "\n\n" + check_code[f"check-{n}"]))
        extra.append((f"solved-{n}", solution))  # the notebook goes on as solved
        after[f"check-{n}"] = extra
    ran = run(path, tmp_path, replace=dict(blocks), after=after)
    said = {t: "".join(o.get("text", "") for o in c.get("outputs", []))
            for c in ran.cells for t in tags(c) if t in asked}
    assert sorted(said) == sorted(asked)
    accepted = [f"{asked[t]}: {text.strip()}" for t, text in said.items() if "not yet" not in text]
    assert not accepted, "checks that do not say 'not yet' to a wrong answer:\n" + "\n".join(
        accepted)
