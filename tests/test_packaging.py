"""The package as pip gets it: the wheel and sdist that ``python -m build`` makes, without a
warning, and the wheel installed into a fresh virtualenv, where its data files, its tape machine
(the optional C extension ``microprop._tape``) and ``python -m microprop train`` work; the pure
wheel ``MICROPROP_PURE_PYTHON=1`` makes, and an install with no C compiler, both working without
the extension; and the Pythons the metadata, the README and CI name, the same."""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shlex
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = configparser.ConfigParser(interpolation=None)
SETUP.read(ROOT / "setup.cfg", encoding="utf-8")
DATA = sorted(p.name for p in (ROOT / "microprop" / "data").iterdir() if p.is_file())
# The tape machine as a built extension names it here: _tape.cpython-311-x86_64-linux-gnu.so.
TAPE = f"microprop/_tape{sysconfig.get_config_var('EXT_SUFFIX')}"
# This Python's interpreter tag in a wheel's name: cp311.
CP = f"cp{sys.version_info.major}{sys.version_info.minor}"


def classifier_pythons() -> list[str]:
    return re.findall(r"Programming Language :: Python :: (3\.\d+)$",
                      SETUP["metadata"]["classifiers"], re.M)


def test_the_supported_pythons_are_the_same_in_the_classifiers_requires_python_readme_and_ci():
    pythons = classifier_pythons()
    assert pythons == ["3.10", "3.11", "3.12", "3.13"]
    assert SETUP["options"]["python_requires"].strip() == f">={pythons[0]}"
    top = " ".join((ROOT / "README.md").read_text(encoding="utf-8").split("\n## ", 1)[0].split())
    assert f"Python {pythons[0]} to {pythons[-1]}" in top
    assert f"supported=({' '.join(pythons)})" in (ROOT / ".ci" / "run").read_text()


def test_the_licence_is_an_spdx_expression_and_no_licence_classifier():
    assert SETUP["metadata"]["license_expression"] == "MIT"
    assert "License ::" not in SETUP["metadata"]["classifiers"]


def test_the_version_is_in_the_changelog_and_the_citation():
    from microprop import __version__

    assert f"## [{__version__}]" in (ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert f'version: "{__version__}"' in (ROOT / "CITATION.cff").read_text(encoding="utf-8")


def test_each_data_file_is_declared_as_package_data():
    declared = SETUP["options.package_data"]["microprop"]
    suffixes = {Path(name).suffix for name in DATA}
    assert DATA and all(f"data/*{suffix}" in declared for suffix in suffixes)


def missing_data(names: list[str]) -> list[str]:
    """The files of microprop/data that a wheel's or sdist's list of names lacks."""
    return [name for name in DATA if not any(n.endswith(f"microprop/data/{name}") for n in names)]


def test_the_check_for_data_files_names_a_missing_one():
    """The check the wheel test relies on fails on a wheel that lacks a data file."""
    names = [f"microprop/data/{name}" for name in DATA]
    assert missing_data(names) == []
    assert missing_data(names[1:]) == [DATA[0]]


def venv_python(folder: Path) -> Path:
    return folder / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def build_runnable() -> None:
    """Skips the test unless PyPA's build is installed."""
    try:  # a build/ folder of setuptools' in the checkout imports as a namespace package too
        runnable = importlib.util.find_spec("build.__main__") is not None
    except ImportError:
        runnable = False
    if not runnable:
        pytest.skip("the build package is not installed (the test and dev extras install it)")


def copy_checkout(source: Path) -> Path:
    """The files git knows, copied to ``source`` as a clone has them: nothing built, cached or
    untracked comes along (no extension built in place by ``pip install -e .``, either)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file() and not name.endswith((".so", ".pyd")):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    return source


def build_env(**changes: str) -> dict[str, str]:
    """This environment for a build: without PYTHONDONTWRITEBYTECODE (setuptools warns that it
    skips byte-compiling) or MICROPROP_PURE_PYTHON (a build is pure only when a test says so)."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("PYTHONDONTWRITEBYTECODE", "MICROPROP_PURE_PYTHON")}
    return {**env, **changes}


def c_compiler() -> str | None:
    """The C compiler setuptools calls (CC, else the one this Python was built with), where it
    and Python's headers are found: then the build must make the tape machine."""
    words = (os.environ.get("CC") or sysconfig.get_config_var("CC") or "").split()
    headers = Path(sysconfig.get_paths()["include"], "Python.h").is_file()
    return shutil.which(words[0]) if words and headers else None


def warnings_in(said: str) -> list[str]:
    return [line for line in said.splitlines() if re.search(r"warn", line, re.I)]


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``python -m build`` on a copy of the committed files: (wheel, sdist, what build said)."""
    build_runnable()
    out = tmp_path_factory.mktemp("dist")
    source = copy_checkout(tmp_path_factory.mktemp("source") / "microprop")
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                          capture_output=True, text=True, timeout=600, env=build_env(), cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    wheel, = out.glob("*.whl")
    sdist, = out.glob("*.tar.gz")
    return wheel, sdist, done.stdout + done.stderr


@pytest.fixture(scope="module")
def pure_wheel(tmp_path_factory):
    """The wheel ``MICROPROP_PURE_PYTHON=1 python -m build --wheel`` makes, and what it said."""
    build_runnable()
    out = tmp_path_factory.mktemp("pure")
    source = copy_checkout(tmp_path_factory.mktemp("pure-source") / "microprop")
    done = subprocess.run([sys.executable, "-m", "build", "--wheel", "--outdir", str(out),
                           str(source)], capture_output=True, text=True, timeout=600,
                          env=build_env(MICROPROP_PURE_PYTHON="1"), cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    wheel, = out.glob("*.whl")
    return wheel, done.stdout + done.stderr


def fresh_venv(folder: Path) -> str:
    """A new virtualenv's Python."""
    subprocess.run([sys.executable, "-m", "venv", str(folder)], check=True, timeout=300)
    return str(venv_python(folder))


def run_far_away(python: str, args: list[str], folder: Path) -> subprocess.CompletedProcess:
    """``python args`` in a new folder far from the checkout, so only what is installed in
    ``python``'s virtualenv can be imported."""
    folder.mkdir(exist_ok=True)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    return subprocess.run([python, *args], cwd=folder, env=env, capture_output=True, text=True,
                          timeout=300)


# An install without the tape machine: microprop imports, microprop._tape does not, and compile
# works (on generated Python), giving eager backward()'s bits.
WITHOUT_TAPE = """
import sys, microprop
assert microprop.__file__.startswith(sys.prefix), microprop.__file__
try:
    import microprop._tape
except ImportError:
    pass
else:
    raise AssertionError(f"microprop._tape was imported, from {microprop._tape.__file__}")
w = microprop.Value(0.5)
step = microprop.compile(lambda x: (w * x).tanh(), [w])
y = (w * 2.0).tanh()
y.backward()
assert step(2.0) == (y.data, [w.grad]), (step(2.0), y.data, w.grad)
print("ok")
"""


@pytest.mark.slow  # builds an sdist and a wheel: about 20 s
def test_build_makes_a_wheel_and_an_sdist_without_a_warning(built):
    wheel, sdist, said = built
    assert warnings_in(said) == []  # the C compiler's warnings too
    from microprop import __version__

    # A wheel for this Python and platform, since it may hold a C extension.
    assert re.fullmatch(rf"microprop-{re.escape(__version__)}-{CP}-{CP}\w*-\w+\.whl",
                        wheel.name), wheel.name
    assert sdist.name == f"microprop-{__version__}.tar.gz"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read(f"microprop-{__version__}.dist-info/METADATA").decode()
    assert missing_data(names) == [] and "microprop/py.typed" in names
    assert "License-Expression: MIT" in metadata and "Requires-Python: >=3.10" in metadata
    for python in classifier_pythons():
        assert f"Classifier: Programming Language :: Python :: {python}\n" in metadata
    with tarfile.open(sdist) as t:
        names = t.getnames()
    assert missing_data(names) == []
    # What pip needs to build the tape machine from the sdist.
    for name in ("setup.py", "microprop/_tape.c"):
        assert f"microprop-{__version__}/{name}" in names, name


@pytest.mark.slow
def test_the_wheel_holds_the_tape_machine_where_a_c_compiler_is_found(built):
    if c_compiler() is None:
        pytest.skip("no C compiler or no Python headers here: the extension cannot be built "
                    "(test_without_a_c_compiler_the_install_succeeds_without_the_tape covers that)")
    wheel, _, _ = built
    assert TAPE in zipfile.ZipFile(wheel).namelist()


@pytest.fixture(scope="module")
def installed(built, tmp_path_factory):
    """The built wheel installed into a fresh virtualenv: its Python."""
    wheel, _, _ = built
    python = fresh_venv(tmp_path_factory.mktemp("installed") / "venv")
    # No index: microprop needs nothing beyond the standard library.
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    return python


@pytest.mark.slow  # a virtualenv, an install and a training run: about 30 s
def test_the_wheel_works_in_a_fresh_virtualenv(installed, tmp_path):
    python = installed
    run = tmp_path / "run"  # far from the checkout, so only the installed wheel can be imported
    run.mkdir()
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    check = ("import importlib.resources as r, microprop, microprop.data as d; "
             f"missing = [n for n in {DATA!r} if not (r.files('microprop') / 'data' / n)"
             ".is_file()]; "
             "assert not missing, f'the wheel lacks microprop/data/{missing}'; "
             "assert microprop.__file__.startswith(sys.prefix), microprop.__file__; "
             "print(len(d.load_iris('virginica')[0]))")
    done = subprocess.run([python, "-c", f"import sys; {check}"], cwd=run, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "150"
    done = subprocess.run([python, "-m", "microprop", "train", "--no-progress"], cwd=run, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    assert "accuracy" in done.stdout and (run / "model.json").is_file()
    # Without the viz extra: DOT text, and the hint for an installed microprop (no clone here).
    assert (run / "model.dot").read_text().startswith("digraph")
    assert 'pip install "microprop[viz]"' in done.stdout
    refused = subprocess.run([python, "-m", "microprop", "train", "--html", "steps.html"],
                             cwd=run, env=env, capture_output=True, text=True, timeout=120)
    assert refused.returncode == 2 and len(refused.stderr.strip().splitlines()) == 1
    assert 'graphviz Python package, which is not installed: pip install "microprop[viz]"' in (
        refused.stderr)


@pytest.mark.slow
def test_the_installed_wheel_imports_its_tape_machine(installed, tmp_path):
    if c_compiler() is None:
        pytest.skip("no C compiler or no Python headers here: the wheel has no tape machine")
    check = ("import sys, microprop._tape as t; "
             "assert t.__file__.startswith(sys.prefix), t.__file__; "
             "print(*(n for n in ('OPCODES', 'RAN', 'EAGER', 'OTHER_PATH', 'run') "
             "if not hasattr(t, n)), 'ok')")
    done = run_far_away(installed, ["-c", check], tmp_path / "run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok", f"microprop._tape lacks {done.stdout.split()[:-1]}"


@pytest.mark.slow  # a build, a virtualenv and an install: about 5 s
def test_with_microprop_pure_python_the_wheel_is_pure_and_works_without_the_tape(pure_wheel,
                                                                                 tmp_path):
    """MICROPROP_PURE_PYTHON=1 (what the browser site's wheel is built with) leaves the C
    extension out: a wheel for any Python 3 and platform, and an install that works without it."""
    wheel, said = pure_wheel
    assert warnings_in(said) == []
    from microprop import __version__

    assert wheel.name == f"microprop-{__version__}-py3-none-any.whl"
    names = zipfile.ZipFile(wheel).namelist()
    assert [n for n in names if "_tape" in n or n.endswith((".so", ".pyd"))] == []
    assert missing_data(names) == []
    python = fresh_venv(tmp_path / "venv")
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
    done = run_far_away(python, ["-c", WITHOUT_TAPE], tmp_path / "run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


@pytest.mark.slow  # a virtualenv, and pip building and installing the source: about 5 s
@pytest.mark.skipif(os.name == "nt", reason="a C compiler named by CC is a Unix convention")
def test_without_a_c_compiler_the_install_succeeds_without_the_tape(tmp_path):
    """Where the C compiler fails (CC names a stand-in that notes its call and exits 1), the
    optional extension's build fails quietly, pip's install succeeds, and microprop works."""
    source = copy_checkout(tmp_path / "microprop")
    calls = tmp_path / "cc-calls.txt"
    cc = tmp_path / "no-cc"
    cc.write_text(f'#!/bin/sh\necho "$@" >> {shlex.quote(str(calls))}\nexit 1\n')
    cc.chmod(0o755)
    python = fresh_venv(tmp_path / "venv")
    install = subprocess.run([python, "-m", "pip", "install", "-q", str(source)],
                             capture_output=True, text=True, timeout=600,
                             env=build_env(CC=str(cc)))
    assert install.returncode == 0, install.stdout + install.stderr
    assert "error" not in (install.stdout + install.stderr).lower(), install.stderr
    # The build did try the compiler, which refused.
    assert calls.is_file() and "microprop/_tape.c" in calls.read_text()
    done = run_far_away(python, ["-c", WITHOUT_TAPE], tmp_path / "run")
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"


def older_python() -> str | None:
    """A Python older than the oldest supported one, if the machine has one (pyenv's or on PATH)."""
    oldest = tuple(int(n) for n in classifier_pythons()[0].split("."))
    older = f"3.{oldest[1] - 1}"
    found = shutil.which(f"python{older}")
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv")) / "versions"
    candidates = [found] if found else []
    candidates += [str(p / "bin" / "python") for p in sorted(pyenv.glob(f"{older}.*"))]
    for python in candidates:
        version = subprocess.run([python, "-c", "import sys; print(sys.version_info[:2])"],
                                 capture_output=True, text=True, timeout=60)
        if version.returncode == 0 and version.stdout.strip() == f"(3, {oldest[1] - 1})":
            return python
    return None


@pytest.mark.slow
def test_an_unsupported_python_is_refused_at_install_time(pure_wheel, tmp_path):
    """By Requires-Python: the pure wheel, since pip refuses the other on its tag alone."""
    python = older_python()
    if python is None:
        pytest.skip("no Python older than the oldest supported one on this machine")
    wheel, _ = pure_wheel
    done = subprocess.run([python, "-m", "pip", "install", "--no-index", "--target",
                           str(tmp_path / "target"), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "requires a different Python" in done.stderr and ">=3.10" in done.stderr
    assert not (tmp_path / "target" / "microprop").exists()
