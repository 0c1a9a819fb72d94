"""The API reference is the docstrings: every public callable has one, each op of Value says what
it computes and its derivative, and the documentation site builds with no warning (a broken link,
an anchor that is not there or a missing docstring stops it)."""

from __future__ import annotations

import importlib.util
import inspect
import os
import shutil
import subprocess
import sys
import types
from pathlib import Path

import pytest

from microprop import Value

ROOT = Path(__file__).resolve().parent.parent
_spec = importlib.util.spec_from_file_location("hook", ROOT / "docs" / "docstring_hook.py")
hook = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(hook)


def test_every_public_callable_has_a_docstring():
    assert hook.missing() == []


@pytest.mark.parametrize("name", hook.OP_METHODS)
def test_help_on_each_op_says_what_it_computes_and_its_derivative(name):
    doc = inspect.getdoc(getattr(Value, name))
    assert doc and "derivative" in doc and len(doc.splitlines()) == 1, doc


def test_a_public_callable_without_a_docstring_is_named(monkeypatch):
    """The check itself: an undocumented function, class, method and property are all found,
    an inherited method where it is written, and private names are left alone."""

    class Base:
        def shared(self):  # undocumented, inherited by Shown
            pass

    class Shown(Base):
        def method(self):
            pass

        @property
        def size(self):
            return 1

        def documented(self):
            """Has one."""

        def _private(self):
            pass

    def bare():
        pass

    module = types.ModuleType("microprop_fake", "A module with gaps.")
    for thing in (Base, Shown, bare):
        thing.__module__ = "microprop_fake"
    module.__all__ = ["Shown", "bare", "CONSTANT"]
    module.Shown, module.bare, module.CONSTANT = Shown, bare, 3
    monkeypatch.setitem(sys.modules, "microprop_fake", module)
    assert hook.missing(("microprop_fake",)) == [
        "microprop_fake: Shown",
        "microprop_fake: bare",
        "microprop_fake: test_a_public_callable_without_a_docstring_is_named.<locals>.Base.shared",
        "microprop_fake: test_a_public_callable_without_a_docstring_is_named.<locals>.Shown.method",
        "microprop_fake: test_a_public_callable_without_a_docstring_is_named.<locals>.Shown.size",
    ]


def test_the_docs_build_stops_before_any_page_when_a_docstring_is_missing(monkeypatch):
    exceptions = pytest.importorskip("mkdocs.exceptions")
    monkeypatch.setattr(hook, "missing", lambda: ["microprop.optim: SGD.step"])
    with pytest.raises(exceptions.PluginError, match="SGD.step"):
        hook.on_config({})


def _build(config: Path, site: Path) -> subprocess.CompletedProcess[str]:
    pytest.importorskip("mkdocstrings_handlers.python")
    pytest.importorskip("material")
    return subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "-f", str(config), "-d", str(site)],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # mkdocs-material's notice, off
    )


@pytest.mark.slow  # it builds the whole site: about 10 s
def test_the_docs_build_as_the_readme_says_with_no_warning(tmp_path):
    done = _build(ROOT / "mkdocs.yml", tmp_path / "site")
    assert done.returncode == 0, done.stderr
    page = (tmp_path / "site" / "reference" / "value.html").read_text(encoding="utf-8")
    assert "tanh(x); its derivative is 1 - tanh(x)^2." in page
    home = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert "dy/dw = 1.572895" in home  # the README's example, included from the README


@pytest.mark.slow
@pytest.mark.parametrize(("link", "named"), [
    ("[gone](no-such-page.md)", "no-such-page.md"),
    ("[gone](numbers.md#no-such-heading)", "no-such-heading"),
])
def test_the_docs_build_fails_on_a_broken_link(tmp_path, link, named):
    docs = tmp_path / "docs"
    shutil.copytree(ROOT / "docs", docs)
    page = docs / "typing.md"
    page.write_text(page.read_text(encoding="utf-8") + f"\nSee {link}.\n", encoding="utf-8")
    config = tmp_path / "mkdocs.yml"
    config.write_text(f"INHERIT: {ROOT / 'mkdocs.yml'}\ndocs_dir: {docs}\n", encoding="utf-8")
    done = _build(config, tmp_path / "site")
    assert done.returncode != 0
    assert "typing.md" in done.stderr and named in done.stderr, done.stderr
