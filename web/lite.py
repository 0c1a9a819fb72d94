"""The notebooks in JupyterLite: microprop's pure notebooks in a JupyterLab that runs in the
browser, built into the site's notebooks/ folder by python web/build.py DIR --notebooks.

JupyterLite's Pyodide kernel fetches Pyodide and its packages from a CDN, and pip's packages
from PyPI; here everything comes from the site itself, as the rest of the site does: the
Pyodide of npm that the site already has, and a pyodide-lock.json cut down to the kernel's pure
wheels, each downloaded from PyPI at the lock's version, plus microprop's wheel and graphviz's.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Notebooks that need only microprop (and graphviz's Python package): the others plot with
# matplotlib and numpy, which have no WebAssembly wheels on PyPI to load offline.
NOTEBOOKS = ["00", "01", "02", "03", "08", "09", "90"]
# What the kernel needs of Pyodide's lock: micropip (piplite runs on it) and IPython with jedi
# (the kernel's shell and completion); their dependencies come with them.
KERNEL = ["micropip", "ipython", "jedi"]
# The widgets the notebooks' sliders use, at the versions tested, from PyPI.
WIDGETS = ["comm==0.2.3", "ipywidgets==8.1.9", "jupyterlab_widgets==3.0.17"]
# Entries added to the lock: (wheel name prefix, what it imports, what it depends on). Being in
# the lock lets the kernel load them at its start (loadPyodideOptions.packages), from the site.
ADDED = [
    ("graphviz-", ["graphviz"], []),
    ("microprop-", ["microprop"], ["graphviz"]),
    ("comm-", ["comm"], []),
    ("jupyterlab_widgets-", ["jupyterlab_widgets"], []),
    ("widgetsnbextension-", ["widgetsnbextension"], []),
    ("ipywidgets-", ["ipywidgets"], ["comm", "ipython", "traitlets", "widgetsnbextension",
                                     "jupyterlab-widgets"]),
]
# The two JupyterLab extensions the site has; others installed beside jupyterlite
# (jupyterlab_pygments, say) are left out, so the site does not depend on what else is here.
EXTENSIONS = ["@jupyterlite/pyodide-kernel-extension", "@jupyter-widgets/jupyterlab-manager"]
PYODIDE_FILES = ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                 "pyodide.js", "package.json"]
INSTALL = 'pip install -e ".[site]"'


class LiteError(Exception):
    """What stops the notebooks' build, in one line."""


def check_installed() -> None:
    """JupyterLite must be importable before anything is built: say how to install it."""
    for module in ("jupyterlite_core", "jupyterlite_pyodide_kernel"):
        try:
            found = importlib.util.find_spec(module) is not None
        except (ImportError, ValueError):  # a module set to None in sys.modules, say
            found = False
        if not found:
            raise LiteError(f"--notebooks needs JupyterLite ({module} is not installed); "
                            f"install it with: {INSTALL}")


def build(out: Path, pyodide: Path, wheels: Path) -> list[str]:
    """JupyterLite built into ``out`` (a new folder) from the npm ``pyodide`` package folder and
    the site's ``wheels`` folder (microprop's and graphviz's); returns the notebooks' names.

    JupyterLite's build leaves its state (.jupyterlite.doit.db, a cache) in the folder it
    builds from, so that folder is a temporary one and the source tree stays clean."""
    with tempfile.TemporaryDirectory(prefix="microprop-lite-") as tmp:
        lite_dir = Path(tmp)
        _kernel_packages(lite_dir / "static" / "pyodide", pyodide, wheels, lite_dir / "pypi")
        names = _notebooks(lite_dir / "files")
        _extensions(lite_dir / "labextensions")
        _settings(lite_dir)
        print("+ jupyter lite build (the notebooks in JupyterLite)", flush=True)
        subprocess.run([sys.executable, "-m", "jupyterlite_core", "build", "--output-dir",
                        str(out)], cwd=lite_dir, check=True, stdout=subprocess.DEVNULL)
    return names


def _kernel_packages(folder: Path, pyodide: Path, wheels: Path, pypi: Path) -> None:
    """Pyodide and the packages the kernel loads, with the lock that names them, in ``folder``;
    microprop's, graphviz's and comm's wheels also in ``pypi`` for piplite (%pip install)."""
    folder.mkdir(parents=True)
    for name in PYODIDE_FILES:
        shutil.copy2(pyodide / name, folder / name)
    lock = json.loads((pyodide / "pyodide-lock.json").read_text(encoding="utf-8"))
    pins = [f"{p['name']}=={p['version']}" for p in closure(lock["packages"], KERNEL).values()]
    python = ".".join(lock["info"]["python"].split(".")[:2])  # the lock's Python, as 3.14
    _download([*pins, *WIDGETS], python, folder)
    for wheel in [*wheels.glob("*.whl"), _widgets_stub()]:
        shutil.copy2(wheel, folder / wheel.name)
    lock = rewrite_lock(lock, KERNEL, folder)
    for prefix, imports, depends in ADDED:
        [wheel] = folder.glob(f"{prefix}*.whl")
        lock["packages"][prefix.rstrip("-").replace("_", "-")] = added_entry(wheel, imports,
                                                                              depends)
    (folder / "pyodide-lock.json").write_text(json.dumps(lock, indent=1, sort_keys=True))
    pypi.mkdir()
    for prefix in ("microprop-", "graphviz-", "comm-"):
        for wheel in folder.glob(f"{prefix}*.whl"):
            shutil.copy2(wheel, pypi / wheel.name)


def _download(pins: list[str], python: str, folder: Path) -> None:
    """Wheels from PyPI at exactly these versions, for the lock's Python, never built here."""
    print("+ pip download", len(pins), "wheels for the notebooks' kernel", flush=True)
    subprocess.run([sys.executable, "-m", "pip", "--disable-pip-version-check", "-q",
                    "download", "--no-deps", "--only-binary=:all:", "--python-version", python,
                    "-d", str(folder), *pins], check=True)


def _key(name: str) -> str:
    return name.replace("_", "-").lower()


def closure(packages: dict[str, dict], roots: list[str]) -> dict[str, dict]:
    """The lock's entries for ``roots`` and all they depend on, by key; each must be a pure
    wheel, since only those come from PyPI the same as in Pyodide's own build."""
    keys = {_key(k): k for k in packages}
    found: dict[str, dict] = {}
    todo = list(roots)
    while todo:
        name = todo.pop()
        key = keys.get(_key(name))
        if key is None:
            raise LiteError(f"{name} is not in Pyodide's lock, which the kernel needs")
        if key in found:
            continue
        entry = found[key] = packages[key]
        if entry.get("package_type") != "package" or not entry["file_name"].endswith(
                "-none-any.whl"):
            raise LiteError(f"{key} {entry['version']} is not a pure-Python wheel in Pyodide's "
                            f"lock ({entry['file_name']}), so it cannot come from PyPI")
        todo.extend(entry.get("depends", []))
    return dict(sorted(found.items()))


def rewrite_lock(lock: dict, roots: list[str], folder: Path) -> dict:
    """Pyodide's lock with only the closure of ``roots``, each entry's file name and sha256
    those of the PyPI wheel at its version in ``folder``: the lock checks what it loads, and
    what is loaded is PyPI's wheel, not the one on Pyodide's CDN."""
    packages = {}
    for key, entry in closure(lock["packages"], roots).items():
        wheel = _wheel(folder, entry["name"], entry["version"])
        packages[key] = {**entry, "file_name": wheel.name, "sha256": _sha256(wheel)}
    return {**lock, "packages": packages}


def added_entry(wheel: Path, imports: list[str], depends: list[str]) -> dict:
    """A lock entry for a pure wheel that Pyodide's lock does not have."""
    name, version = wheel.name.split("-")[:2]
    return {"name": name, "version": version, "file_name": wheel.name, "install_dir": "site",
            "sha256": _sha256(wheel), "package_type": "package", "imports": imports,
            "depends": depends, "unvendored_tests": False}


def _wheel(folder: Path, name: str, version: str) -> Path:
    """The wheel of ``name`` at ``version`` in ``folder`` (wheel names normalise - to _)."""
    for wheel in folder.glob("*.whl"):
        wheel_name, wheel_version = wheel.name.split("-")[:2]
        if _key(wheel_name) == _key(name) and wheel_version == version:
            return wheel
    raise LiteError(f"no wheel of {name} {version} in {folder}")


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _widgets_stub() -> Path:
    """widgetsnbextension 4.0.999, the empty stand-in the kernel extension ships: ipywidgets
    asks for widgetsnbextension, whose real wheel is the classic Notebook's front end."""
    stub = _installed_extension(EXTENSIONS[0]) / "static" / "pypi"
    found = sorted(stub.glob("widgetsnbextension-4.*-py3-none-any.whl"))
    if not found:
        raise LiteError(f"no widgetsnbextension stub in {stub}; reinstall with: {INSTALL}")
    return found[-1]


def _installed_extension(name: str) -> Path:
    """Where a JupyterLab extension installed with its Python package is (sys.prefix)."""
    folder = Path(sys.prefix) / "share" / "jupyter" / "labextensions" / name
    if not (folder / "package.json").is_file():
        raise LiteError(f"the JupyterLab extension {name} is not installed; install it with: "
                        f"{INSTALL}")
    return folder


def _notebooks(folder: Path) -> list[str]:
    """The pure notebooks, copied from notebooks/ (one file per number)."""
    folder.mkdir()
    names = []
    for number in NOTEBOOKS:
        found = sorted((ROOT / "notebooks").glob(f"{number}_*.ipynb"))
        if len(found) != 1:
            raise LiteError(f"notebooks/ holds {len(found)} notebooks numbered {number}, "
                            "not one")
        notebook = found[0]
        shutil.copy2(notebook, folder / notebook.name)
        names.append(notebook.name)
    return names


def _extensions(folder: Path) -> None:
    """The site's JupyterLab extensions, copied into a folder of their own that the build
    takes them from, instead of every extension in the environment (see _settings)."""
    for name in EXTENSIONS:
        shutil.copytree(_installed_extension(name), folder / name)


def _settings(lite_dir: Path) -> None:
    """JupyterLite's build settings and the site's: no PyPI, microprop and ipywidgets loaded at
    the kernel's start, and every cell rendered (no windowing), so a test can read them all."""
    build = {"contents": ["files"], "apps": ["lab", "notebooks", "tree"],
             "no_sourcemaps": True, "ignore_sys_prefix": ["federated_extensions"]}
    kernel = {"disablePyPIFallback": True,
              "loadPyodideOptions": {"packages": ["microprop", "ipywidgets"]}}
    files = {
        "jupyter_lite_config.json": {"LiteBuildConfig": build, "FederatedExtensionAddon": {
            "extra_labextensions_path": [str(lite_dir / "labextensions")]}},
        "jupyter-lite.json": {"jupyter-lite-schema-version": 0, "jupyter-config-data": {
            "litePluginSettings": {"@jupyterlite/pyodide-kernel-extension:kernel": kernel}}},
        "overrides.json": {"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}},
    }
    for name, settings in files.items():
        (lite_dir / name).write_text(json.dumps(settings, indent=1) + "\n", encoding="utf-8")
