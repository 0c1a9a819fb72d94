"""Races made likely: a function run in several threads at once, switching between them often."""

import sys
import threading
from collections.abc import Callable


def run_in_threads(work: Callable[[int], None], n: int) -> None:
    """``work(k)`` for k in range(n), each in a thread of its own, all at once, Python switching
    threads every microsecond (so that a race shows), the switch interval put back after."""
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(k,)) for k in range(n)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    finally:
        sys.setswitchinterval(interval)
