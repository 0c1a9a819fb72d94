"""The browser tests' shared set-up: the site built by web/build.py into a temporary folder,
served on 127.0.0.1 and opened in headless Chromium with every request to any other address
refused; each missing tool skips the tests, saying which.

web/local.py is loaded by its path: web/ is never put on sys.path, where its build.py would hide
PyPA's build package from the packaging tests.
"""

from __future__ import annotations

import importlib.util
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
_spec = importlib.util.spec_from_file_location("web_local", ROOT / "web" / "local.py")
local = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(local)


def opened(folder: Path, build_args: list[str], viewport: dict[str, int]) -> Iterator[Any]:
    """For a module fixture: yields (address, browser context, the addresses refused), and at
    the end asserts that none was refused (the site fetched nothing from anywhere else)."""
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="Playwright is not installed (pip install playwright)")
    if shutil.which("npm") is None:
        pytest.skip("npm is not installed, and the site is built from npm packages")
    executable = local.find_chromium()
    if executable is None:
        pytest.skip("no Chromium on PATH (apt-get install chromium, or set MICROPROP_CHROMIUM)")
    built = subprocess.run([sys.executable, str(ROOT / "web" / "build.py"), str(folder),
                            *build_args], capture_output=True, text=True, timeout=900)
    assert built.returncode == 0, built.stderr
    refused: list[str] = []
    with local.serve(folder) as url, sync_api.sync_playwright() as p, \
            local.chromium(p, executable) as browser:
        context = browser.new_context(viewport=viewport)
        local.loopback_only(context, refused)
        yield url, context, refused
        context.close()
    assert refused == []
