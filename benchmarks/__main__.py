"""``python -m benchmarks [--quick] [--output FILE]``: the same as ``python benchmarks/run.py``."""

import sys

from benchmarks.run import main

sys.exit(main())
