"""What a stepping page costs: its size in bytes and the seconds to write it, for three graphs.

``python benchmarks/stepping_page.py`` prints a table. The graphs: (i) a chain of 150 ops,
75 rounds of x = x * 1.0001 + 0.0001 (300 steps of backward); (ii) the page of
``python -m microprop train --html steps.html``, the article's 4-2-2-1 network on one example
(timed as the whole command, training included); (iii) one step of backward on a sum of 3,000
Values, nary's one-node sum. A page that is refused says so, with the seconds until the refusal.
Timing is the point here, so nothing in the test suite runs this.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))  # run from a checkout: the package sits next to this folder

from microprop import Value, nary  # noqa: E402
from microprop.stepper import Stepper  # noqa: E402


def chain(ops: int = 150) -> Value:
    """x = x * 1.0001 + 0.0001, ops // 2 times: a chain of ``ops`` ops."""
    x = Value(1.0, label="x")
    for _ in range(ops // 2):
        x = x * 1.0001 + 0.0001
    return x


def wide_sum(n: int = 3000) -> Value:
    """One sum node over n leaves: backward on it is one step."""
    return nary.sum([Value(float(i), label=f"v{i}") for i in range(n)])


def page_of(root: Callable[[], Value], folder: str, name: str) -> tuple[str, float]:
    """The page's size (or why it was refused) and the seconds it took."""
    path = os.path.join(folder, name)
    start = time.perf_counter()
    try:
        Stepper(root(), show_local_grads=True, color="grad").save_html(path)
    except ValueError as refused:
        return f"refused: {str(refused)[:70]}...", time.perf_counter() - start
    return f"{os.path.getsize(path):,} bytes", time.perf_counter() - start


def cli_page(folder: str) -> tuple[str, float]:
    """``python -m microprop train --html steps.html``, timed whole, and the page's size."""
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "microprop", "train", "--html", "steps.html"],
                   cwd=folder, check=True, capture_output=True,
                   env={**os.environ, "PYTHONPATH": str(ROOT)})
    seconds = time.perf_counter() - start
    return f"{os.path.getsize(os.path.join(folder, 'steps.html')):,} bytes", seconds


def main() -> None:
    with tempfile.TemporaryDirectory() as folder:
        rows = [
            ("150-op chain, x * 1.0001 + 0.0001", *page_of(chain, folder, "chain.html")),
            ("train --html (4-2-2-1, whole command)", *cli_page(folder)),
            ("one step of a sum of 3,000 Values", *page_of(wide_sum, folder, "sum.html")),
        ]
    width = max(len(r[0]) for r in rows)
    print(f"{'page'.ljust(width)}  {'seconds':>8}  size")
    for what, size, seconds in rows:
        print(f"{what.ljust(width)}  {seconds:8.2f}  {size}")


if __name__ == "__main__":
    main()
