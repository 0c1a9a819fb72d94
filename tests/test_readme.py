"""The README's examples are tests, and so are the documentation pages' it links to (where its
detail moved): each python block followed by a text block must print it."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
DOCS = README.parent / "docs"
PAGES = [README, *sorted(DOCS.glob("*.md"))]
# A python block whose next block, with only blank space between, is a text block.
EXAMPLES = [
    (page, code, expected)
    for page in PAGES
    for code, expected in re.findall(
        r"```python\n((?:(?!```).)*)```\s*```text\n((?:(?!```).)*)```", page.read_text(), re.S
    )
]


def test_the_readme_has_examples_with_output():
    assert EXAMPLES


@pytest.mark.parametrize("page, code, expected", [
    # An example that trains a network takes seconds.
    pytest.param(page, code, expected, id=f"{page.stem}-example{i}",
                 marks=pytest.mark.slow if "fit(" in code else ())
    for i, (page, code, expected) in enumerate(EXAMPLES)
])
def test_each_readme_example_prints_what_the_readme_says(page, code, expected, tmp_path,
                                                         monkeypatch):
    if re.search(r"\b(draw_dot|draw_steps?|viz|stepper|Stepper|to_html)\b", code):
        pytest.importorskip("graphviz")  # the viz extra: this example draws
    monkeypatch.chdir(tmp_path)  # an example that saves a file must not write into the repo
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(page), "exec"), {"__name__": "__readme__"})
    assert out.getvalue() == expected


def command_line_block() -> str:
    """The bash block under the "From the command line" heading (docs/training.md), as printed."""
    after = (DOCS / "training.md").read_text().split("## From the command line", 1)[1]
    return re.search(r"```bash\n(.*?)```", after, re.S).group(1)


@pytest.mark.slow  # it trains three networks: about 12 s
def test_the_command_line_block_runs_as_printed(tmp_path):
    import os
    import shlex
    import subprocess
    import sys

    bin_dir = tmp_path / "bin"  # `python` in the block is this Python, with this checkout
    bin_dir.mkdir()
    # A script that runs this interpreter by its own path, not a symlink to it: a virtualenv's
    # python reached through a link outside the virtualenv runs as the base Python, without the
    # virtualenv's packages.
    python = bin_dir / "python"
    python.write_text(f'#!/bin/sh\nexec {shlex.quote(sys.executable)} "$@"\n')
    python.chmod(0o755)
    root = str(README.parent)
    env = {**os.environ, "PATH": f"{bin_dir}{os.pathsep}{os.environ.get('PATH', '')}",
           "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
    block = command_line_block()
    done = subprocess.run(["bash", "-e", "-c", block], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    said = [line for line in done.stdout.splitlines() if line.startswith("virginica")]
    # What the block's comments promise: both predict lines name virginica, the second with 0.988.
    assert len(said) == block.count("predict model.json") == 2
    assert said[1].startswith("virginica  (probability 0.988;")
    assert {"model.json", "moons.json"} <= {p.name for p in tmp_path.iterdir()}


def test_the_readme_s_drawing_code_makes_the_picture_shown_above_it(tmp_path):
    # The python block right after the graph.svg image (docs/seeing.md) draws what
    # docs/make_graph.py saves.
    import importlib.util
    import shutil

    from microprop import viz

    pytest.importorskip("graphviz")  # draw_dot makes a graphviz.Digraph: the viz extra

    text = (DOCS / "seeing.md").read_text()
    after_image = text.split("](graph.svg)", 1)[1]
    code = re.search(r"```python\n(.*?)```", after_image, re.S).group(1)
    *setup, last = re.split(r"\n(?=draw_dot\()", code.strip())
    namespace: dict = {}
    exec("\n".join(setup), namespace)
    shown = eval(last.split("  #")[0].replace("\n", " "), namespace)
    docs = DOCS
    spec = importlib.util.spec_from_file_location("make_graph", docs / "make_graph.py")
    make_graph = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_graph)
    a, parameters = make_graph.neuron()
    drawn = viz.draw_dot(a, rankdir="TB", show_local_grads=True, color="role",
                         parameters=parameters)
    assert shown.source == drawn.source
    if shutil.which("dot"):  # and the file in the repo is that drawing, as Graphviz renders it
        make_graph.main([str(tmp_path / "graph.svg")])
        assert (tmp_path / "graph.svg").read_bytes() == (docs / "graph.svg").read_bytes()
