"""How long microprop.func.hessian takes on the article's cost over all 18 parameters.

    python benchmarks/hessian.py           # median of 5 runs
    python benchmarks/hessian.py --quick   # one run

The cost is the article's C = (s - y)^2 of the 4-2-2-1 tanh network on one Iris flower, written
as a function of its 18 parameters; the Hessian is 18 x 18 (one reverse pass for the gradient,
built as a graph, then one reverse pass through it per parameter). The run also checks that the
Hessian is symmetric and that its diagonal matches central differences of the gradient.
"""

from __future__ import annotations

import argparse
import math
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from microprop import dot  # noqa: E402
from microprop.data import Standardizer, load_iris  # noqa: E402
from microprop.func import grad, hessian  # noqa: E402
from microprop.nn import article_network  # noqa: E402


def article_cost(x: list[float], y: float):  # noqa: ANN201
    """C(w) for one flower: the article's forward pass from 18 parameters, in the model's order."""

    def C(*p):  # noqa: ANN002, ANN202
        a = x
        at = 0
        for nout, nin, bias in ((2, 4, True), (2, 2, True), (1, 2, False)):
            outs = []
            for _ in range(nout):
                w = p[at : at + nin]
                at += nin
                z = dot(w, a)
                if bias:
                    z = z + p[at]
                    at += 1
                outs.append(z.tanh() if bias else z)
            a = outs
        return (a[0] - y) ** 2

    return C


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one run")
    args = parser.parse_args(argv)
    flowers, labels = load_iris()
    flowers = Standardizer.fit(flowers).transform(flowers)
    C = article_cost(flowers[100], float(labels[100]))
    params = [p.data for p in article_network("tanh", seed=5).parameters()]
    print(f"C = {C(*params).data:.8f} (notebook 02's 0.99714007)")
    times = []
    for _ in range(1 if args.quick else 5):
        start = time.process_time()
        H = hessian(C)(*params)
        times.append(time.process_time() - start)
    n = len(params)
    asymmetry = max(abs(H[i][j] - H[j][i]) for i in range(n) for j in range(n))
    h = 1e-5
    worst = 0.0
    for i in range(n):
        up, down = list(params), list(params)
        up[i] += h
        down[i] -= h
        slope = (grad(C, i)(*up) - grad(C, i)(*down)) / (2 * h)
        worst = max(worst, abs(slope - H[i][i]) / (1.0 + abs(H[i][i])))
    print(f"| hessian of C over {n} parameters | {statistics.median(times) * 1e3:.1f} ms "
          f"(median of {len(times)}) | largest |H - H^T| {asymmetry:.1e} "
          f"| diagonal against differences {worst:.1e} |")
    return 0 if asymmetry < 1e-12 and worst < 1e-6 and math.isfinite(worst) else 1


if __name__ == "__main__":
    raise SystemExit(main())
