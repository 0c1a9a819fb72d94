"""The package as pip gets it: the wheel and sdist that ``python -m build`` makes, without a
warning, and the wheel installed into a fresh virtualenv, where its data files and ``python -m
microprop train`` work; and the Pythons the metadata, the README and CI name, the same."""

from __future__ import annotations

import configparser
import importlib.util
import os
import re
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SETUP = configparser.ConfigParser(interpolation=None)
SETUP.read(ROOT / "setup.cfg", encoding="utf-8")
DATA = sorted(p.name for p in (ROOT / "microprop" / "data").iterdir() if p.is_file())


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


@pytest.fixture(scope="module")
def built(tmp_path_factory):
    """``python -m build`` on a copy of the committed files: (wheel, sdist, what build said)."""
    try:  # a build/ folder of setuptools' in the checkout imports as a namespace package too
        runnable = importlib.util.find_spec("build.__main__") is not None
    except ImportError:
        runnable = False
    if not runnable:
        pytest.skip("the build package is not installed (the test and dev extras install it)")
    out = tmp_path_factory.mktemp("dist")
    source = tmp_path_factory.mktemp("source") / "microprop"
    # The files git knows, as a clone has them: nothing built, cached or untracked comes along.
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True, timeout=60)
    if listed.returncode != 0:
        pytest.skip(f"not a git checkout: {listed.stderr.strip()}")
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, source / name)
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}  # warns
    done = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(source)],
                          capture_output=True, text=True, timeout=600, env=env, cwd=out)
    assert done.returncode == 0, done.stdout + done.stderr
    wheel, = out.glob("*.whl")
    sdist, = out.glob("*.tar.gz")
    return wheel, sdist, done.stdout + done.stderr


@pytest.mark.slow  # builds an sdist and a wheel: about 20 s
def test_build_makes_a_wheel_and_an_sdist_without_a_warning(built):
    wheel, sdist, said = built
    assert [line for line in said.splitlines() if re.search(r"warn", line, re.I)] == []
    from microprop import __version__

    assert wheel.name == f"microprop-{__version__}-py3-none-any.whl"
    assert sdist.name == f"microprop-{__version__}.tar.gz"
    with zipfile.ZipFile(wheel) as z:
        names = z.namelist()
        metadata = z.read(f"microprop-{__version__}.dist-info/METADATA").decode()
    assert missing_data(names) == [] and "microprop/py.typed" in names
    assert "License-Expression: MIT" in metadata and "Requires-Python: >=3.10" in metadata
    for python in classifier_pythons():
        assert f"Classifier: Programming Language :: Python :: {python}\n" in metadata
    with tarfile.open(sdist) as t:
        assert missing_data(t.getnames()) == []


@pytest.mark.slow  # a virtualenv, an install and a training run: about 30 s
def test_the_wheel_works_in_a_fresh_virtualenv(built, tmp_path):
    wheel, _, _ = built
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    python = str(venv_python(venv))
    # No index: microprop needs nothing beyond the standard library.
    install = subprocess.run([python, "-m", "pip", "install", "-q", "--no-index", str(wheel)],
                             capture_output=True, text=True, timeout=300)
    assert install.returncode == 0, install.stderr
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
def test_an_unsupported_python_is_refused_at_install_time(built, tmp_path):
    python = older_python()
    if python is None:
        pytest.skip("no Python older than the oldest supported one on this machine")
    wheel, _, _ = built
    done = subprocess.run([python, "-m", "pip", "install", "--no-index", "--target",
                           str(tmp_path / "target"), str(wheel)],
                          capture_output=True, text=True, timeout=300)
    assert done.returncode != 0
    assert "requires a different Python" in done.stderr and ">=3.10" in done.stderr
    assert not (tmp_path / "target" / "microprop").exists()
