"""A built site served on this machine and opened in headless Chromium, with every request to
any other address refused: how the browser test, the benchmark and the README's pictures see it.

Chromium is Debian's (or MICROPROP_CHROMIUM), driven by Playwright from PyPI; Playwright's own
browser download is never used.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import os
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


def find_chromium() -> str | None:
    """The Chromium to drive: MICROPROP_CHROMIUM, else the first on PATH."""
    names = ("chromium", "chromium-browser", "google-chrome")
    return os.environ.get("MICROPROP_CHROMIUM") or next(
        filter(None, map(shutil.which, names)), None)


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 (the base's name)
        pass


@contextlib.contextmanager
def serve(folder: str | os.PathLike[str]) -> Iterator[str]:
    """``folder`` served over HTTP on 127.0.0.1 (a free port) while inside; yields its address.

    http.server types .mjs and .wasm by the standard library's table, which browsers accept
    for modules and WebAssembly."""
    handler = functools.partial(_Quiet, directory=str(Path(folder)))
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


@contextlib.contextmanager
def chromium(playwright: Any, executable: str) -> Iterator[Any]:
    """Headless Chromium, started without its background traffic."""
    browser = playwright.chromium.launch(executable_path=executable, args=[
        "--no-sandbox", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run"])
    try:
        yield browser
    finally:
        browser.close()


def loopback_only(context: Any, refused: list[str]) -> None:
    """Let a browser context (its pages and their workers) reach 127.0.0.1 only; every other
    address asked for is refused and listed in ``refused``, so a test can say that the site
    fetched nothing from anywhere else."""
    def route(request_route: Any) -> None:
        url = request_route.request.url
        if url.startswith(("http://127.0.0.1:", "about:", "data:", "blob:")):
            request_route.continue_()
        else:
            refused.append(url)
            request_route.abort()

    context.route("**/*", route)
