"""Building the browser site (web/build.py DIR): what it refuses, what a failed build leaves (DIR
as it was, and nothing half-built beside it), and a real build's files; with --notebooks, the
lock of JupyterLite's kernel (web/lite.py) and what happens when JupyterLite is missing."""

import hashlib
import importlib.util
import json
import re
import shlex
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

WEB = Path(__file__).resolve().parents[2] / "web"
# Loaded from its file under a name of its own: "build" is PyPA's build, which packaging uses.
_spec = importlib.util.spec_from_file_location("web_build", WEB / "build.py")
web_build = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(web_build)

REAL_WHEELS = web_build._wheels
ERROR = "web/build.py: error: "
FALSE = shutil.which("false")  # a command that fails, as a failing npm or pip would


def files(folder):
    """Every file under ``folder`` and its bytes: what must stay as it was."""
    return {p.relative_to(folder).as_posix(): p.read_bytes()
            for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture
def no_tools(monkeypatch):
    """npm and the build itself must not be reached: the target is refused first."""
    def reached(*args):
        pytest.fail("the build went on past a target it should refuse")

    monkeypatch.setattr(web_build, "_npm_packages", reached)
    monkeypatch.setattr(web_build, "_build", reached)


@pytest.fixture
def quick(monkeypatch, tmp_path_factory):
    """A build without npm or pip: node_modules is a small stand-in (in a folder of its own),
    and the wheels are two empty files. Returns the stand-in node_modules."""
    modules = tmp_path_factory.mktemp("npm") / "node_modules"
    for package, names in web_build.NPM_FILES.items():
        (modules / package).mkdir(parents=True)
        (modules / package / "package.json").write_text('{"version": "1.2.3"}')
        for name in names:
            (modules / package / name).parent.mkdir(parents=True, exist_ok=True)
            (modules / package / name).write_text(f"{package} {name}")

    def wheels(folder):
        folder.mkdir()
        names = ["graphviz-0.21-py3-none-any.whl", "microprop-9.9-py3-none-any.whl"]
        for name in names:
            (folder / name).write_bytes(b"")
        return names

    monkeypatch.setattr(web_build, "_npm_packages", lambda: modules)
    monkeypatch.setattr(web_build, "_wheels", wheels)
    return modules


@pytest.fixture
def built_before(tmp_path):
    """A site built before in tmp_path/site (its mark and one page), and all of tmp_path as it
    is: (the site, what tmp_path holds)."""
    site = tmp_path / "site"
    site.mkdir()
    (site / web_build.MARK).write_text("built by web/build.py, which replaces these files and "
                                       "no others:\nindex.html\ngone.txt\n")
    (site / "index.html").write_text("<p>the site built before</p>")
    return site, files(tmp_path)


def test_a_file_as_the_target_is_refused(no_tools, tmp_path, capsys):
    target = tmp_path / "notes.txt"
    target.write_text("mine")
    assert web_build.main([str(target)]) == 2
    assert capsys.readouterr().err == f"{ERROR}{target} is a file; give a folder for the site\n"
    assert target.read_text() == "mine"


def test_a_folder_of_someone_elses_files_is_refused_and_left_as_it_was(no_tools, tmp_path,
                                                                         capsys):
    target = tmp_path / "work"
    (target / "deep").mkdir(parents=True)
    (target / "deep" / "thesis.tex").write_text("years of it")
    before = files(tmp_path)
    assert web_build.main([str(target)]) == 2
    assert capsys.readouterr().err.startswith(
        f"{ERROR}{target} holds files that are not a site built by web/build.py; give a new "
        "or empty folder\n")
    assert files(tmp_path) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["work"]


def test_a_target_whose_folder_is_missing_is_refused(no_tools, tmp_path, capsys):
    assert web_build.main([str(tmp_path / "missing" / "site")]) == 2
    assert capsys.readouterr().err == (
        f"{ERROR}the folder {tmp_path / 'missing'} does not exist; create it first\n")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("make", [lambda site: None, lambda site: site.mkdir()],
                         ids=["new folder", "empty folder"])
def test_a_site_is_built_with_its_manifest_and_mark(quick, tmp_path, capsys, make):
    site = tmp_path / "site"
    make(site)
    assert web_build.main([str(site)]) == 0
    assert capsys.readouterr().out.startswith(f"built {site} (")
    pages = sorted(p.name for p in (WEB / "site").iterdir())
    python = sorted(p.name for p in (WEB / "python").glob("*.py"))
    assert set(pages) <= set(files(site))
    assert (site / "python" / "cells.py").read_bytes() == (WEB / "python" / "cells.py").read_bytes()
    assert (site / "viz" / "viz.js").read_text() == "@viz-js/viz dist/viz.js"
    assert json.loads((site / "site.json").read_text()) == {
        "wheels": ["graphviz-0.21-py3-none-any.whl", "microprop-9.9-py3-none-any.whl"],
        "python": python,
        "npm": {"pyodide": "1.2.3", "@viz-js/viz": "1.2.3"},
    }
    assert (site / web_build.MARK).is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]  # nothing staged is left


def test_a_site_built_before_is_replaced_whole(quick, built_before, capsys):
    site, _ = built_before
    (site / "gone.txt").write_text("from an older build")
    assert web_build.main([str(site)]) == 0
    assert not (site / "gone.txt").exists()
    assert (site / "index.html").read_bytes() == (WEB / "site" / "index.html").read_bytes()


def test_a_file_added_to_a_built_site_stops_the_rebuild_and_is_kept(
        no_tools, built_before, capsys):
    """A rebuild replaces the whole folder: a file someone put there since (a CNAME for GitHub
    Pages, notes) would be lost, so it is named and nothing is built."""
    site, _ = built_before
    (site / "CNAME").write_text("microprop.example")
    before = files(site.parent)
    assert web_build.main([str(site)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"web/build.py: error: {site} holds 'CNAME' (and 0 more), which the "
                          "build did not write; a rebuild would delete it")
    assert files(site.parent) == before


@pytest.mark.parametrize("inside", ["site", "site/out", "python/x"])
def test_a_target_inside_the_sources_is_refused(no_tools, inside, capsys):
    assert web_build.main([str(WEB / inside)]) == 2
    assert capsys.readouterr().err.startswith("web/build.py: error: ")
    assert not (WEB / "site" / "out").exists() and not (WEB / "python" / "x").exists()


def _raise(error):
    def fail(*args):
        raise error
    return fail


# (how the build fails, the start of the one line that says so)
FAILURES = [
    (lambda mp, modules: mp.setattr(web_build, "_build", _raise(web_build.BuildError("no"))),
     f"{ERROR}no\n"),
    (lambda mp, modules: mp.setattr(web_build, "_wheels", _raise(
        subprocess.CalledProcessError(1, ["pip", "wheel", "a b"]))),
     f"{ERROR}pip wheel 'a b' failed (exit status 1)\n"),
    (lambda mp, modules: (modules / "pyodide" / "pyodide.asm.wasm").unlink(),
     f"{ERROR}[Errno 2] No such file or directory: "),
]


@pytest.mark.parametrize("fail, message", FAILURES, ids=["BuildError", "a command", "OSError"])
def test_a_failed_build_says_why_in_one_line_and_leaves_the_site_as_it_was(
        monkeypatch, quick, built_before, tmp_path, capsys, fail, message):
    site, before = built_before
    fail(monkeypatch, quick)
    assert web_build.main([str(site)]) == 2
    err = capsys.readouterr().err
    assert err.startswith(message)
    assert err.count("\n") == 1
    assert files(tmp_path) == before  # nothing staged is left behind either


def test_a_build_interrupted_leaves_the_site_as_it_was(monkeypatch, quick, built_before,
                                                       tmp_path):
    site, before = built_before
    monkeypatch.setattr(web_build, "_wheels", _raise(KeyboardInterrupt()))
    with pytest.raises(KeyboardInterrupt):
        web_build.main([str(site)])
    assert files(tmp_path) == before


def test_a_failing_pip_is_said_in_one_line(monkeypatch, quick, built_before, tmp_path, capsys):
    """A pip that failed inside the build printed a traceback, not build.py's error line."""
    site, _ = built_before
    empty = tmp_path / "not-a-project"
    empty.mkdir()
    before = files(tmp_path)
    monkeypatch.setattr(web_build, "_wheels", REAL_WHEELS)  # and pip, on what it cannot build
    monkeypatch.setattr(web_build, "ROOT", empty)
    assert web_build.main([str(site)]) == 2
    pip = shlex.join([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q", "wheel"])
    err = capsys.readouterr().err
    assert err.startswith(f"{ERROR}{pip} --no-deps -w ")
    assert err.endswith(f" {empty} failed (exit status 1)\n")
    assert files(tmp_path) == before


@pytest.mark.parametrize("npm, message", [
    (None, f"{ERROR}npm is not installed, and the site is built from npm packages (pyodide, "
           "@viz-js/viz); install Node.js and npm\n"),
    (FALSE, f"{ERROR}npm ci failed in {WEB} (exit status 1)\n"),
], ids=["missing", "failing"])
def test_npm_missing_or_failing_when_node_modules_is_not_installed(monkeypatch, tmp_path,
                                                                   capsys, npm, message):
    monkeypatch.setattr(web_build, "_installed", lambda modules, name: None)
    monkeypatch.setattr(web_build.shutil, "which", lambda name: npm)
    monkeypatch.setattr(web_build, "_build", _raise(AssertionError("built without npm")))
    assert web_build.main([str(tmp_path / "site")]) == 2
    assert capsys.readouterr().err == message
    assert list(tmp_path.iterdir()) == []


def _references(text):
    """The site's own files a page or script asks for: src=, href=, imports and fetches."""
    return re.findall(r'''(?:src=|href=|from |fetchOk\(|URL\()["'](?:\./)?([\w./@-]+)["']''',
                      text)


@pytest.mark.slow
def test_a_real_build_has_every_file_the_pages_load(tmp_path):
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, and the site is built from npm packages")
    site = tmp_path / "site"
    done = subprocess.run([sys.executable, str(WEB / "build.py"), str(site)],
                          capture_output=True, text=True, timeout=900)
    if done.returncode != 0 and " download " in done.stderr:
        pytest.skip(f"pip could not download graphviz (no network?): {done.stderr[-300:]}")
    assert done.returncode == 0, done.stderr
    for name in ("index.html", "train.html", "worker.js", "pyodide/pyodide.asm.wasm",
                 "pyodide/pyodide.mjs", "viz/viz.js", "python/site_calls.py", web_build.MARK):
        assert (site / name).is_file(), name
    for page in [*site.glob("*.html"), *site.glob("*.js")]:
        for name in _references(page.read_text()):
            assert (site / name).exists(), f"{page.name} asks for {name}, which is not built"
    manifest = json.loads((site / "site.json").read_text())
    wheels = sorted(p.name for p in (site / "wheels").glob("*.whl"))
    assert manifest["wheels"] == wheels
    assert manifest["python"] == sorted(p.name for p in (site / "python").iterdir())
    lock = json.loads((WEB / "package-lock.json").read_text())["packages"]
    assert manifest["npm"] == {name: lock[f"node_modules/{name}"]["version"]
                               for name in web_build.NPM_FILES}
    [ours] = [n for n in wheels if n.startswith("microprop-")]
    assert ours.endswith("-py3-none-any.whl")  # built with MICROPROP_PURE_PYTHON=1
    inside = zipfile.ZipFile(site / "wheels" / ours).namelist()
    assert "microprop/render.py" in inside
    # No tape machine, not even the one an editable install built in the checkout.
    assert [n for n in inside if "_tape" in n or n.endswith((".so", ".pyd"))] == []
    assert any(n.startswith("graphviz-") for n in wheels)
    assert sum(len(b) for b in files(site).values()) < 20e6
    assert sorted(p.name for p in tmp_path.iterdir()) == ["site"]


# --notebooks: microprop's pure notebooks in JupyterLite (web/lite.py)
lite = web_build.lite


def _entry(name, version, depends=(), file_name=None, package_type="package"):
    return {"name": name, "version": version, "depends": list(depends),
            "file_name": file_name or f"{name}-{version}-py3-none-any.whl",
            "package_type": package_type, "sha256": "from Pyodide's CDN", "imports": [name]}


FAKE_LOCK = {"info": {"python": "3.14.2"}, "packages": {
    "micropip": _entry("micropip", "0.11.1", ["packaging"]),
    "packaging": _entry("packaging", "25.0"),
    "ipython": _entry("ipython", "9.12.0", ["prompt-toolkit", "traitlets"]),
    "prompt-toolkit": _entry("prompt_toolkit", "3.0.52"),
    "traitlets": _entry("traitlets", "5.14.3"),
    "numpy": _entry("numpy", "2.2.5",
                    file_name="numpy-2.2.5-cp314-cp314-pyodide_2026_0_wasm32.whl"),
    "openssl": _entry("openssl", "1.1.1", package_type="shared_library"),
}}


def test_the_lock_keeps_the_closure_with_the_hashes_of_the_wheels_beside_it(tmp_path):
    """Only what the kernel needs is kept, and each entry names PyPI's wheel and its hash,
    so Pyodide loads (and checks) the wheel the build downloaded."""
    for name, version in [("micropip", "0.11.1"), ("packaging", "25.0"), ("ipython", "9.12.0"),
                          ("prompt_toolkit", "3.0.52"), ("traitlets", "5.14.3"),
                          ("traitlets", "5.14.2")]:  # the lock's version is the one taken
        (tmp_path / f"{name}-{version}-py2.py3-none-any.whl").write_bytes(
            f"{name} {version}".encode())
    rewritten = lite.rewrite_lock(FAKE_LOCK, ["micropip", "ipython"], tmp_path)
    assert rewritten["info"] == FAKE_LOCK["info"]
    assert list(rewritten["packages"]) == ["ipython", "micropip", "packaging", "prompt-toolkit",
                                           "traitlets"]
    traitlets = rewritten["packages"]["traitlets"]
    assert traitlets["file_name"] == "traitlets-5.14.3-py2.py3-none-any.whl"
    assert traitlets["sha256"] == hashlib.sha256(b"traitlets 5.14.3").hexdigest()
    assert traitlets["imports"] == ["traitlets"]
    assert rewritten["packages"]["prompt-toolkit"]["sha256"] == hashlib.sha256(
        b"prompt_toolkit 3.0.52").hexdigest()
    assert FAKE_LOCK["packages"]["traitlets"]["sha256"] == "from Pyodide's CDN"  # not changed


@pytest.mark.parametrize("needs, message", [
    ("numpy", "numpy 2.2.5 is not a pure-Python wheel in Pyodide's lock "
              "(numpy-2.2.5-cp314-cp314-pyodide_2026_0_wasm32.whl), so it cannot come from PyPI"),
    ("openssl", "openssl 1.1.1 is not a pure-Python wheel in Pyodide's lock "
                "(openssl-1.1.1-py3-none-any.whl), so it cannot come from PyPI"),
    ("jedi", "jedi is not in Pyodide's lock, which the kernel needs"),
], ids=["compiled", "a shared library", "missing"])
def test_a_dependency_that_cannot_come_from_pypi_is_refused(tmp_path, needs, message):
    lock = json.loads(json.dumps(FAKE_LOCK))
    lock["packages"]["traitlets"]["depends"] = [needs]
    with pytest.raises(lite.LiteError) as raised:
        lite.rewrite_lock(lock, ["ipython"], tmp_path)
    assert str(raised.value) == message


def test_a_lock_entry_without_its_wheel_is_refused(tmp_path):
    (tmp_path / "traitlets-5.14.2-py3-none-any.whl").write_bytes(b"")  # not the lock's version
    with pytest.raises(lite.LiteError, match=r"^no wheel of traitlets 5\.14\.3 in "):
        lite.rewrite_lock(FAKE_LOCK, ["traitlets"], tmp_path)


def test_notebooks_without_jupyterlite_stop_at_once_naming_the_extra(no_tools, monkeypatch,
                                                                     tmp_path, capsys):
    monkeypatch.setitem(sys.modules, "jupyterlite_core", None)  # as if not installed
    assert web_build.main([str(tmp_path / "site"), "--notebooks"]) == 2
    assert capsys.readouterr().err == (
        f"{ERROR}--notebooks needs JupyterLite (jupyterlite_core is not installed); install it "
        'with: pip install -e ".[site]"\n')
    assert list(tmp_path.iterdir()) == []


def test_a_site_with_notebooks_names_them_in_its_manifest(quick, monkeypatch, tmp_path):
    """The pages add their Notebooks link when site.json names notebooks (web/site/python.js)."""
    def build(out, pyodide, wheels):
        assert pyodide == quick / "pyodide" and (wheels / "graphviz-0.21-py3-none-any.whl").exists()
        out.mkdir()
        (out / "index.html").write_text("JupyterLite")
        return ["01_forward_propagation.ipynb"]

    monkeypatch.setattr(lite, "check_installed", lambda: None)
    monkeypatch.setattr(lite, "build", build)
    site = tmp_path / "site"
    assert web_build.main([str(site), "--notebooks"]) == 0
    assert json.loads((site / "site.json").read_text())["notebooks"] == [
        "01_forward_propagation.ipynb"]
    assert "notebooks/index.html" in (site / web_build.MARK).read_text()
    assert web_build.main([str(site)]) == 0  # and a build without them has none
    assert "notebooks" not in json.loads((site / "site.json").read_text())
    assert not (site / "notebooks").exists()
