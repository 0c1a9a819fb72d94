"""The README's examples are tests: each python block followed by a text block must print it."""

import contextlib
import io
import re
from pathlib import Path

import pytest

README = Path(__file__).resolve().parent.parent / "README.md"
# A python block whose next block, with only blank space between, is a text block.
EXAMPLES = re.findall(
    r"```python\n((?:(?!```).)*)```\s*```text\n((?:(?!```).)*)```", README.read_text(), re.S
)


def test_the_readme_has_examples_with_output():
    assert EXAMPLES


@pytest.mark.parametrize("code, expected", [
    # An example that trains a network takes seconds.
    pytest.param(code, expected, id=f"example{i}",
                 marks=pytest.mark.slow if "fit(" in code else ())
    for i, (code, expected) in enumerate(EXAMPLES)
])
def test_each_readme_example_prints_what_the_readme_says(code, expected, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # an example that saves a file must not write into the repo
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, str(README), "exec"), {"__name__": "__readme__"})
    assert out.getvalue() == expected


def command_line_block() -> str:
    """The bash block under the README's "From the command line" heading, as printed."""
    after = README.read_text().split("### From the command line", 1)[1]
    return re.search(r"```bash\n(.*?)```", after, re.S).group(1)


@pytest.mark.slow  # it trains three networks: about 12 s
def test_the_command_line_block_runs_as_printed(tmp_path):
    import os
    import subprocess
    import sys

    bin_dir = tmp_path / "bin"  # `python` in the block is this Python, with this checkout
    bin_dir.mkdir()
    (bin_dir / "python").symlink_to(sys.executable)
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
    # The python block right after the docs/graph.svg image draws what docs/make_graph.py saves.
    import importlib.util
    import shutil

    from microprop import viz

    text = README.read_text()
    after_image = text.split("](docs/graph.svg)", 1)[1]
    code = re.search(r"```python\n(.*?)```", after_image, re.S).group(1)
    *setup, last = re.split(r"\n(?=draw_dot\()", code.strip())
    namespace: dict = {}
    exec("\n".join(setup), namespace)
    shown = eval(last.split("  #")[0].replace("\n", " "), namespace)
    docs = README.parent / "docs"
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
