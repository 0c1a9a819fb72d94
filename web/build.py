"""Build microprop's browser site into a folder: python web/build.py DIR

The site is static files: the pages (web/site/), their Python (web/python/), microprop's own
pure-Python wheel and graphviz's (for draw_dot), and from npm the Python runtime compiled to
WebAssembly (pyodide) and Graphviz compiled to WebAssembly (@viz-js/viz). Nothing is fetched at
run time from anywhere but the site itself. Serve it with python -m http.server -d DIR (browsers
refuse to load its modules from file://). With --notebooks, the site also holds microprop's pure
notebooks in JupyterLite, in DIR/notebooks/ (see web/lite.py).

npm installs the packages named by web/package-lock.json into web/node_modules when they are
missing; pip builds the wheels. The site is built in a new folder beside DIR and moved into place
at the end, so a failed build leaves DIR as it was.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import shlex
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from types import ModuleType

WEB = Path(__file__).resolve().parent
ROOT = WEB.parent
# The graphviz Python package (pure Python), which draw_dot needs, at the version tested.
GRAPHVIZ = "graphviz==0.21"
# What the pages load of each npm package: the runtime's files, and viz-js's one module.
NPM_FILES = {
    "pyodide": ["pyodide.mjs", "pyodide.asm.mjs", "pyodide.asm.wasm", "python_stdlib.zip",
                "pyodide-lock.json"],
    "@viz-js/viz": ["dist/viz.js"],
}
# Written into every site built, so that a rebuild knows the folder is one it may replace.
MARK = ".microprop-site"


def _load(name: str) -> ModuleType:
    """A module of web/, loaded by its path: web/ is not a package, and the tests load this
    file by its path too, without web/ on sys.path (where build.py would hide PyPA's build)."""
    spec = importlib.util.spec_from_file_location(f"web_{name}", WEB / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


lite = _load("lite")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python web/build.py", description=__doc__.split(
        "\n\n")[0])
    parser.add_argument("dir", help="the folder to build the site in (new, or a site built before)")
    parser.add_argument("--notebooks", action="store_true", help="also build microprop's pure "
                        "notebooks in JupyterLite, into DIR/notebooks/ (needs the site extra)")
    args = parser.parse_args(argv)
    out = Path(args.dir).resolve()
    try:
        _check_target(out)
        if args.notebooks:  # said before npm and pip run, not after
            lite.check_installed()
        _build_into(out, _npm_packages(), args.notebooks)
    except (BuildError, lite.LiteError, OSError, subprocess.CalledProcessError) as e:
        print(f"web/build.py: error: {_one_line(e)}", file=sys.stderr)
        return 2
    size = sum(f.stat().st_size for f in out.rglob("*") if f.is_file())
    print(f"built {out} ({size / 1e6:.1f} MB); serve it with: python -m http.server -d {out}")
    return 0


def _build_into(out: Path, modules: Path, notebooks: bool = False) -> None:
    """The site built in a new folder beside ``out``, then moved into place: a failed build
    leaves ``out`` as it was, and no half-built folder behind."""
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}-", dir=out.parent))
    staging.chmod(0o755)  # mkdtemp makes it private; a site is read by a web server
    old = None
    try:
        _build(staging, modules, notebooks)
        if out.exists():  # the site built before steps aside, and is deleted once replaced
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}-old-", dir=out.parent))
            out.rename(old / "site")
        staging.rename(out)
    except BaseException:
        if old is not None and not out.exists():
            (old / "site").rename(out)
        shutil.rmtree(staging, ignore_errors=True)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)


def _one_line(error: Exception) -> str:
    """What stopped the build, said in one line: a failed command by its words and status."""
    if isinstance(error, subprocess.CalledProcessError):
        return f"{shlex.join(map(str, error.cmd))} failed (exit status {error.returncode})"
    return str(error)


class BuildError(Exception):
    """What stops the build, in one line."""


def _check_target(out: Path) -> None:
    """DIR must be new or a site built before, holding only what the build wrote: nothing of
    anyone else's is ever replaced (a file added to a built site stops the rebuild)."""
    for sources in (WEB / "site", WEB / "python"):
        if out == sources or sources in out.parents:
            raise BuildError(f"{out} is inside {sources}, which the site is built from; give a "
                             "folder elsewhere")
    if out.exists() and not out.is_dir():
        raise BuildError(f"{out} is a file; give a folder for the site")
    if out.is_dir() and any(out.iterdir()):
        if not (out / MARK).exists():
            raise BuildError(f"{out} holds files that are not a site built by web/build.py; "
                             "give a new or empty folder")
        built = set((out / MARK).read_text(encoding="utf-8").splitlines()[1:])
        added = sorted(str(p.relative_to(out)) for p in out.rglob("*")
                       if p.is_file() and p.name != MARK and str(p.relative_to(out)) not in built)
        if added:
            raise BuildError(f"{out} holds {added[0]!r} (and {len(added) - 1} more), which the "
                             "build did not write; a rebuild would delete it: move it away first")
    if not out.parent.is_dir():
        raise BuildError(f"the folder {out.parent} does not exist; create it first")


def _npm_packages() -> Path:
    """web/node_modules at the lock file's versions, installed by npm ci if they are not."""
    modules = WEB / "node_modules"
    lock = json.loads((WEB / "package-lock.json").read_text())["packages"]
    if all(_installed(modules, name) == lock[f"node_modules/{name}"]["version"]
           for name in NPM_FILES):
        return modules
    npm = shutil.which("npm")
    if npm is None:
        raise BuildError("npm is not installed, and the site is built from npm packages "
                         "(pyodide, @viz-js/viz); install Node.js and npm")
    print("+ npm ci (in web/)", flush=True)
    done = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=WEB)
    if done.returncode != 0:
        raise BuildError(f"npm ci failed in {WEB} (exit status {done.returncode})")
    return modules


def _installed(modules: Path, name: str) -> str | None:
    try:
        return str(json.loads((modules / name / "package.json").read_text())["version"])
    except (OSError, ValueError, KeyError):
        return None


def _build(site: Path, modules: Path, notebooks: bool = False) -> None:
    for page in sorted((WEB / "site").iterdir()):
        shutil.copy2(page, site / page.name)
    (site / "python").mkdir()
    python_files = sorted(p.name for p in (WEB / "python").glob("*.py"))
    for name in python_files:
        shutil.copy2(WEB / "python" / name, site / "python" / name)
    versions = {}
    for package, files in NPM_FILES.items():
        folder = site / package.split("/")[-1]
        folder.mkdir()
        for name in files:
            shutil.copy2(modules / package / name, folder / Path(name).name)
        versions[package] = _installed(modules, package)
    wheels = _wheels(site / "wheels")
    manifest = {"wheels": wheels, "python": python_files, "npm": versions}
    if notebooks:  # the pages link to them when site.json names them
        manifest["notebooks"] = lite.build(site / "notebooks", modules / "pyodide",
                                           site / "wheels")
    (site / "site.json").write_text(json.dumps(manifest, indent=1) + "\n")
    files = sorted(str(p.relative_to(site)) for p in site.rglob("*") if p.is_file())
    (site / MARK).write_text("built by web/build.py, which replaces these files and no others:\n"
                             + "".join(f"{name}\n" for name in files), encoding="utf-8")


def _wheels(folder: Path) -> list[str]:
    """microprop's wheel, built from this tree, and graphviz's, from PyPI. Pyodide loads pure
    wheels only: MICROPROP_PURE_PYTHON=1 leaves the C extension (the tape machine) out."""
    folder.mkdir()
    pip = [sys.executable, "-m", "pip", "--disable-pip-version-check", "-q"]
    print("+ MICROPROP_PURE_PYTHON=1 pip wheel . (microprop) and pip download", GRAPHVIZ,
          flush=True)
    subprocess.run([*pip, "wheel", "--no-deps", "-w", str(folder), str(ROOT)], check=True,
                   env={**os.environ, "MICROPROP_PURE_PYTHON": "1"})
    subprocess.run([*pip, "download", "--no-deps", "--only-binary=:all:", "-d", str(folder),
                    GRAPHVIZ], check=True)
    names = sorted(p.name for p in folder.glob("*.whl"))
    if not any(n.startswith("microprop-") and n.endswith("-py3-none-any.whl") for n in names):
        raise BuildError(f"pip did not build a pure-Python microprop wheel: {names}")
    return names


if __name__ == "__main__":
    sys.exit(main())
