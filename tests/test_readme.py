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
