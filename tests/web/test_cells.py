"""The playground's code cells (web/python/cells.py), run here in a native Python as the page's
Python runs them: what a cell prints, what its last expression shows, and its errors."""

import re
import sys

import cells
import pytest
from cells import MOST_PRINTED, Cells

from microprop import Value
from microprop.viz import draw_dot

DRAWING = """\
from microprop import Value
from microprop.viz import draw_dot
x = Value(2.0, label="x")
y = (x * x).tanh(); y.label = "y"
y.backward()
"""


def frames(traceback_text):
    """The file names of a traceback's frames, in order."""
    return re.findall(r'^  File "([^"]+)"', traceback_text, re.MULTILINE)


def test_printed_text_keeps_stdout_and_stderr_in_order():
    done = Cells().run("import sys\nprint('a')\nprint('b', file=sys.stderr)\nprint('c')")
    assert done == {"printed": "a\nb\nc\n", "outputs": [], "error": None}


def test_a_cell_leaves_stdout_and_stderr_as_they_were():
    before = sys.stdout, sys.stderr
    Cells().run("print('x')\n1 / 0")
    assert (sys.stdout, sys.stderr) == before


@pytest.mark.parametrize(
    "code, outputs",
    [
        ("1 + 2", [{"kind": "text", "data": "3"}]),
        ("Value(2.0)", [{"kind": "text", "data": repr(Value(2.0))}]),
        ("'a'", [{"kind": "text", "data": "'a'"}]),
        ("x = 1", []),  # a statement shows nothing
        ("None", []),
        ("print('hi')", []),  # print's None is not shown below what it printed
        ("", []),
        ("display(1, 'a', [2])\n5", [{"kind": "text", "data": "1"},
                                     {"kind": "text", "data": "'a'"},
                                     {"kind": "text", "data": "[2]"},
                                     {"kind": "text", "data": "5"}]),
    ],
)
def test_what_the_last_expression_and_display_show(code, outputs):
    c = Cells()
    c.namespace["Value"] = Value
    assert c.run(code)["outputs"] == outputs


def test_a_drawing_is_shown_as_the_renderers_svg_without_its_prolog(fake_svg):
    c = Cells()
    done = c.run(DRAWING + "draw_dot(y)")
    svg = fake_svg.svg[fake_svg.svg.index("<svg"):]
    assert svg.startswith("<svg xmlns=")
    assert done["outputs"] == [{"kind": "svg", "data": svg}]
    assert fake_svg.sources == [draw_dot(c.namespace["y"]).source]


def test_without_a_renderer_or_dot_a_drawing_is_shown_as_its_dot_text(monkeypatch):
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", "")  # no dot program to be found
    c = Cells()
    [shown] = c.run(DRAWING + "draw_dot(y)")["outputs"]
    assert shown["kind"] == "text"
    assert shown["data"].startswith("Graphviz's dot program is not installed")
    assert shown["data"].endswith(draw_dot(c.namespace["y"]).source)


def test_a_stepper_is_shown_as_its_stepping_page(fake_svg):
    c = Cells()
    [shown] = c.run(DRAWING + "from microprop.stepper import Stepper\nStepper(y)")["outputs"]
    assert shown["kind"] == "stepper"
    assert shown["data"].startswith("<!DOCTYPE html>")
    assert "step 0 of" in shown["data"]


def test_display_shows_each_value_in_turn(fake_svg):
    c = Cells()
    done = c.run(DRAWING + "display(x, draw_dot(y), 'end')")
    assert [o["kind"] for o in done["outputs"]] == ["text", "svg", "text"]
    assert done["outputs"][0]["data"] == repr(c.namespace["x"])
    assert done["outputs"][0]["data"].startswith("Value(data=2.0, grad=0.00536")


def test_cells_share_one_namespace():
    c = Cells()
    c.run("a = 2\ndef twice(n):\n    return 2 * n")
    assert c.run("twice(a) + 1")["outputs"] == [{"kind": "text", "data": "5"}]
    assert c.run("__name__")["outputs"] == [{"kind": "text", "data": "'__main__'"}]


def test_an_error_shows_only_the_cells_frames_with_their_lines_and_the_next_cell_runs():
    c = Cells()
    c.run("def f(n):\n    return n / 0")
    done = c.run("x = 1\nprint('before')\nf(x)")
    assert done["printed"] == "before\n"
    assert done["error"].startswith("Traceback (most recent call last):\n")
    assert frames(done["error"]) == ["<cell 2>", "<cell 1>"]
    assert "    f(x)\n" in done["error"]
    assert "    return n / 0\n" in done["error"]
    assert done["error"].endswith("ZeroDivisionError: division by zero\n")
    assert c.run("x + 1")["outputs"] == [{"kind": "text", "data": "2"}]


def test_an_error_in_the_last_expression_is_the_cells_too():
    done = Cells().run("1 / 0")
    assert frames(done["error"]) == ["<cell 1>"]
    assert done["outputs"] == []


def test_a_cell_that_does_not_parse_runs_none_of_its_lines():
    c = Cells()
    done = c.run("a = 1\nb = (")
    assert done["error"].startswith('  File "<cell 1>", line 2\n    b = (\n')
    assert done["error"].endswith("SyntaxError: '(' was never closed\n")
    assert "a" not in c.namespace


def test_a_syntax_error_raised_while_the_cell_runs_shows_the_line_that_raised_it():
    """An eval() of bad text inside a cell is a SyntaxError too, but the cell ran up to it: its
    traceback was once dropped with a parse error's, so the cell's line was lost."""
    done = Cells().run("x = 1\ny = eval('1 +')")
    assert frames(done["error"]) == ["<cell 1>", "<string>"]
    assert "    y = eval('1 +')\n" in done["error"]


@pytest.mark.parametrize("code, last_line", [
    ("import sys\nsys.exit(3)", "SystemExit: 3\n"),
    ("raise SystemExit", "SystemExit\n"),
    ("exit()", "SystemExit: None\n"),
    ("raise KeyboardInterrupt", "KeyboardInterrupt\n"),
])
def test_leaving_python_from_a_cell_is_shown_not_raised(code, last_line):
    c = Cells()
    done = c.run(code)
    assert done["error"].startswith("Traceback (most recent call last):\n")
    assert done["error"].endswith(last_line)
    assert c.run("1")["outputs"] == [{"kind": "text", "data": "1"}]


def test_an_interrupt_outside_the_cells_code_is_raised(monkeypatch):
    """Stop pressed while the runner shows a value: not the cell's doing, so not the cell's
    error."""
    def interrupted(value):
        raise KeyboardInterrupt

    monkeypatch.setattr(cells, "shown", interrupted)
    with pytest.raises(KeyboardInterrupt):
        Cells().run("1")


def test_printing_beyond_the_limit_is_cut_and_the_cut_said():
    done = Cells().run("for i in range(1000):\n    print('x' * 999)")  # 10^6 characters
    note = "\n[... 800,000 more characters printed, not shown]\n"
    assert done["printed"] == ("x" * 999 + "\n") * 200 + note
    assert len(done["printed"]) == MOST_PRINTED + len(note)


@pytest.mark.parametrize("code, kept, cut", [
    ("print('ab' * 4, end='')", "abababab", 0),  # exactly the limit: nothing said
    ("print('ab' * 4)", "abababab", 1),  # the newline is the one too many
    ("print('abc' * 5, end='')", "abcabcab", 7),  # one write cut in its middle
    ("print('abcd', end='')\nprint('efghij', end='')\nprint('k')", "abcdefgh", 4),
])
def test_what_is_kept_of_what_is_printed_past_the_limit(monkeypatch, code, kept, cut):
    monkeypatch.setattr(cells, "MOST_PRINTED", 8)
    printed = Cells().run(code)["printed"]
    note = f"\n[... {cut:,} more characters printed, not shown]\n" if cut else ""
    assert printed == kept + note


def test_the_cut_is_said_when_the_cell_then_fails():
    done = Cells().run(f"print('x' * {MOST_PRINTED + 5})\nraise ValueError('late')")
    assert done["printed"].endswith("\n[... 6 more characters printed, not shown]\n")
    assert done["error"].endswith("ValueError: late\n")


@pytest.mark.parametrize("code, name", [(b"1", "bytes"), (None, "NoneType"), (1, "int")])
def test_code_that_is_not_a_str_is_refused(code, name):
    with pytest.raises(TypeError) as caught:
        Cells().run(code)
    assert str(caught.value).startswith(f"Cells.run: code must be a str, got {name}")


def test_a_value_whose_text_is_huge_is_cut_as_printed_text_is():
    """A repr of 50 million characters froze the page for 13 s (150 million crashed it): a
    shown value's text is cut at MOST_PRINTED, as what is printed is, and the cut said."""
    done = Cells().run("class Big:\n    def __repr__(self):\n        return 'y' * 10**7\nBig()")
    text = done["outputs"][0]["data"]
    assert text.startswith("y" * MOST_PRINTED + "\n[... ")
    assert text.endswith(f"{10**7 - MOST_PRINTED:,} more characters, not shown]")


def test_a_cell_shows_at_most_its_share_of_values_and_says_so():
    done = Cells().run(f"for k in range({cells.MOST_OUTPUTS + 50}):\n    display(k)")
    outputs = done["outputs"]
    assert len(outputs) == cells.MOST_OUTPUTS + 1
    assert outputs[-2] == {"kind": "text", "data": str(cells.MOST_OUTPUTS - 1)}
    assert outputs[-1]["data"] == f"[more than {cells.MOST_OUTPUTS} values shown by one cell: " \
                                  "the rest are not]"


def test_a_drawing_too_big_for_the_page_is_named_instead(monkeypatch):
    monkeypatch.setattr(cells, "MOST_SHOWN", 100)
    svg = "<svg>" + "<g/>" * 50 + "</svg>"
    done = Cells().run(f"class D:\n    def _repr_svg_(self):\n        return {svg!r}\nD()")
    assert done["outputs"] == [{"kind": "text", "data": f"[a drawing of {len(svg):,} characters,"
                                " more than the page shows (100); draw less]"}]


@pytest.mark.parametrize("bundle, shown", [
    ("({'text/plain': 'as text'}, {})", {"kind": "text", "data": "as text"}),  # IPython's pair
    ("{'text/plain': object()}", {"kind": "text", "data": "V()"}),  # not text: its repr
    ("{'image/svg+xml': 3}", {"kind": "text", "data": "V()"}),
    ("[1, 2]", {"kind": "text", "data": "V()"}),
])
def test_a_values_own_forms_are_read_only_where_they_are_text(bundle, shown):
    code = (f"class V:\n    def _repr_mimebundle_(self, **kw):\n        return {bundle}\n"
            "    def __repr__(self):\n        return 'V()'\nV()")
    assert Cells().run(code)["outputs"] == [shown]
